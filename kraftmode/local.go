package kraftmode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// LocalRun configures StartLocal.
type LocalRun struct {
	Dir          string // scratch directory for the nodes' metadata logs
	Brokers      int    // broker-only nodes beside the 3 controller-only voters
	KafkaVersion cluster.KafkaVersion
	Seed         int64        // kraftbench.seed of every node and the cluster id's
	Logger       *slog.Logger // nil discards
	// Tweak, when set, edits every node's configuration before it starts
	// (Kafka's defaults otherwise), e.g. to set the append linger.
	Tweak func(*Config)
}

// LocalCluster is an in-process KRaft cluster on loopback TCP: 3
// controller-only voters (ids 1-3) and LocalRun.Brokers broker-only nodes
// (ids 4 on), each broker serving Kafka's APIs on its own client listener.
// It is what the fidelity checks measure; its methods are not safe for
// concurrent use.
type LocalCluster struct {
	cfgs      map[int32]Config
	nodes     map[int32]*Node
	servers   map[int32]*front.Server // brokers' client listeners
	brokerIDs []int32
}

// StartLocal formats and starts a LocalCluster. Every listener is bound
// before any node starts, so a port chosen for one node cannot be taken by
// another's outgoing connection.
func StartLocal(ctx context.Context, run LocalRun) (*LocalCluster, error) {
	clusterID := NewClusterID(rand.New(rand.NewPCG(uint64(run.Seed), 1)))
	l := &LocalCluster{cfgs: map[int32]Config{}, nodes: map[int32]*Node{}, servers: map[int32]*front.Server{}}
	lns := map[int32]net.Listener{}
	defer func() { // listeners not handed to a node
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for i := range run.Brokers {
		l.brokerIDs = append(l.brokerIDs, int32(4+i))
	}
	all := append([]int32{1, 2, 3}, l.brokerIDs...)
	voters := map[int32]string{}
	for _, id := range all {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		lns[id] = ln
		if id <= 3 {
			voters[id] = ln.Addr().String()
		}
	}
	for _, id := range all {
		cfg := localConfig(run, id, voters, lns[id])
		if err := Format(cfg.MetadataLogDir, clusterID, id); err != nil {
			return nil, err
		}
		l.cfgs[id] = cfg
	}
	for _, id := range all {
		if err := l.start(ctx, id, lns); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// localConfig is node id's configuration: a voter for ids 1-3, a broker
// advertising ln otherwise; Kafka's defaults, then run.Tweak.
func localConfig(run LocalRun, id int32, voters map[int32]string, ln net.Listener) Config {
	cfg := Config{NodeID: id, Roles: []cluster.Role{cluster.RoleController}, Voters: voters,
		MetadataLogDir: filepath.Join(run.Dir, fmt.Sprint("node-", id)), Seed: run.Seed,
		KafkaVersion: run.KafkaVersion, Logger: run.Logger}
	if id > 3 {
		cfg.Roles = []cluster.Role{cluster.RoleBroker}
		port := ln.Addr().(*net.TCPAddr).Port
		cfg.BrokerEndpoint = cluster.Endpoint{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: int32(port)}
	}
	if run.Tweak != nil {
		run.Tweak(&cfg)
	}
	return cfg
}

// start starts node id on the listener bound for it in lns (taking it), or,
// for a restarted voter, on its voter address, which Start binds.
func (l *LocalCluster) start(ctx context.Context, id int32, lns map[int32]net.Listener) error {
	cfg := l.cfgs[id]
	ln := lns[id]
	delete(lns, id)
	broker := cfg.HasRole(cluster.RoleBroker)
	if !broker {
		cfg.ControllerListener = ln
	}
	n, err := Start(ctx, cfg, nil)
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return err
	}
	l.nodes[id] = n
	if broker {
		srv := front.NewServer(front.Options{})
		front.RegisterKafkaAPIs(srv, n, front.WithDefaults(n.cfg.Defaults))
		go srv.Serve(ln)
		l.servers[id] = srv
	}
	return nil
}

// Brokers returns the running broker nodes, by id.
func (l *LocalCluster) Brokers() []*Node {
	var out []*Node
	for _, id := range l.brokerIDs {
		if n := l.nodes[id]; n != nil {
			out = append(out, n)
		}
	}
	return out
}

// Active waits until a controller is active and returns it.
func (l *LocalCluster) Active(ctx context.Context) (*Node, error) {
	var found *Node
	err := poll(ctx, 10*time.Millisecond, func() bool {
		for id := int32(1); id <= 3; id++ {
			if n := l.nodes[id]; n != nil && n.ctrl.isActive() {
				found = n
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, errors.New("no controller became active")
	}
	return found, nil
}

// WaitUnfenced waits until every broker is registered and unfenced and
// every node's image lists all brokers alive.
func (l *LocalCluster) WaitUnfenced(ctx context.Context) error {
	err := poll(ctx, 10*time.Millisecond, func() bool {
		for _, id := range l.brokerIDs {
			if n := l.nodes[id]; n == nil || !n.Status().Registered || n.Status().Fenced {
				return false
			}
		}
		for _, n := range l.nodes {
			if !slices.Equal(n.Image().LiveBrokerIDs(), l.brokerIDs) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return errors.New("the brokers were not all unfenced")
	}
	return nil
}

// Close stops the brokers (together: each controlled shutdown waits on
// heartbeats, not on the others), then the controllers, so every broker's
// controlled shutdown finds an active controller.
func (l *LocalCluster) Close() {
	var wg sync.WaitGroup
	for _, id := range l.brokerIDs {
		if n := l.nodes[id]; n != nil {
			wg.Add(1)
			go func() { defer wg.Done(); n.Close() }()
		}
	}
	wg.Wait()
	for id, n := range l.nodes {
		if srv := l.servers[id]; srv != nil {
			srv.Close()
			delete(l.servers, id)
		}
		if n != nil && !slices.Contains(l.brokerIDs, id) {
			n.Close()
		}
		delete(l.nodes, id)
	}
}

func poll(ctx context.Context, every time.Duration, cond func() bool) error {
	for !cond() {
		if err := sleepCtx(ctx, every); err != nil {
			return err
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
