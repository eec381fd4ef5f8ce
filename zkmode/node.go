package zkmode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/cluster/replicalog"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// Node is one ZooKeeper-mode broker: a broker that registers in ZooKeeper and
// serves metadata from the pushes it receives, and a controller-eligible
// event loop that is active while this broker holds /controller.
type Node struct {
	cfg Config
	log *slog.Logger
	srv *front.Server

	z      *zkmeta.Client
	broker *broker
	ctrl   *controller
	// configs is the broker's config change listener (configchanges.go).
	configs *configListener

	rmu sync.Mutex // guards cfg.Rand, planRand and planEpoch
	// planRand places topics and draws their ids, one stream per controller
	// epoch (see planRandLocked).
	planRand  *rand.Rand
	planEpoch int32

	session   atomic.Int64               // the session the broker is registered with
	link      atomic.Pointer[linkHolder] // set during a migration (migrationlink.go)
	digest    atomic.Pointer[digestMemo]
	closeOnce sync.Once
}

var _ cluster.Controller = (*Node)(nil)

// Start connects to ZooKeeper, creates Kafka's top-level znodes and the
// cluster id if missing, registers the broker's push handlers on srv (the
// broker's Kafka port: LeaderAndIsr, UpdateMetadata, StopReplica), registers
// the broker in /brokers/ids and starts the controller, which runs for
// election at once. srv stays the caller's to serve and close.
func Start(ctx context.Context, cfg Config, srv *front.Server) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("zkmode config: %w", err)
	}
	cfg = cfg.withDefaults()
	n := &Node{cfg: cfg, log: cfg.Logger.With("node", cfg.NodeID, "mode", cluster.ModeZK), srv: srv}
	n.ctrl = newController(n)
	n.configs = newConfigListener(n)
	z, err := zkmeta.Connect(ctx, cfg.ZKConnect, cfg.SessionTimeout, cfg.ConnectionTimeout, n.log, n.onSessionEvent)
	if err != nil {
		return nil, fmt.Errorf("start zk broker %d: %w", cfg.NodeID, err)
	}
	n.z = z.WithMaxInFlight(cfg.MaxInFlightRequests)
	clusterID, err := n.initZK()
	if err != nil {
		z.Close()
		return nil, fmt.Errorf("start zk broker %d: %w", cfg.NodeID, err)
	}
	if cfg.LogDir != "" {
		if err := writeBrokerMeta(cfg.LogDir, clusterID, cfg.NodeID); err != nil {
			z.Close()
			return nil, fmt.Errorf("start zk broker %d: %w", cfg.NodeID, err)
		}
	}
	n.broker = newBroker(cfg.NodeID, clusterID, n.log.With("component", "broker"))
	if cfg.LogDir != "" && !cfg.ReplicaLogsDisabled {
		if n.broker.logs, err = replicalog.Open(cfg.LogDir, replicalog.Options{}); err != nil {
			z.Close()
			return nil, fmt.Errorf("start zk broker %d: %w", cfg.NodeID, err)
		}
	}
	n.broker.registerHandlers(srv)
	srv.Handle(kmsg.ControlledShutdown, 1, controlledShutdownVersion, n.handleControlledShutdown)
	n.session.Store(z.SessionID())
	if err := n.broker.register(ctx, z, zkmeta.EncodeBroker(cfg.Endpoints, cfg.Rack), cfg.SessionTimeout+cfg.SessionTimeout/2); err != nil {
		n.broker.dead.Store(true)
		z.Close()
		return nil, fmt.Errorf("start zk broker %d: %w", cfg.NodeID, err)
	}
	n.ctrl.enqueue("Startup", n.ctrl.startup)
	go n.ctrl.run()
	go n.configs.run()
	return n, nil
}

// initZK creates the persistent paths and reads (or creates) the cluster id,
// as a Kafka broker does on start-up.
func (n *Node) initZK() (string, error) {
	for _, p := range zkmeta.PersistentPaths {
		if err := n.z.EnsurePath(p); err != nil {
			return "", err
		}
	}
	n.rmu.Lock()
	fresh := cluster.NewTopicID(n.cfg.Rand).String()
	n.rmu.Unlock()
	data, _ := json.Marshal(zkmeta.ClusterIDZNode{Version: "1", ID: fresh})
	err := n.z.Create(zkmeta.ClusterIDPath, data, 0)
	if err != nil && !errors.Is(err, zk.ErrNodeExists) {
		if errors.Is(err, zk.ErrNoNode) {
			if err = n.z.EnsurePath("/cluster"); err == nil {
				err = n.z.Create(zkmeta.ClusterIDPath, data, 0)
			}
		}
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return "", err
		}
	}
	b, _, err := n.z.Get(zkmeta.ClusterIDPath)
	if err != nil {
		return "", err
	}
	var z zkmeta.ClusterIDZNode
	if err := json.Unmarshal(b, &z); err != nil {
		return "", fmt.Errorf("decode %s: %w", zkmeta.ClusterIDPath, err)
	}
	return z.ID, nil
}

// onSessionEvent reacts to the session's life (go-zookeeper's callback; it
// must not block). Expiry makes the controller resign (Kafka's Expire
// event); the next session re-registers the broker and runs for election
// again (RegisterBrokerAndReelect).
func (n *Node) onSessionEvent(ev zk.Event) {
	if ev.Type != zk.EventSession {
		return
	}
	switch ev.State {
	case zk.StateExpired:
		n.ctrl.enqueue("Expire", n.onExpired)
	case zk.StateHasSession:
		if n.z == nil || n.broker == nil {
			return
		}
		if id := n.z.SessionID(); id != 0 && id != n.session.Load() {
			n.ctrl.enqueue("RegisterBrokerAndReelect", func() error { return n.reregister(id) })
		}
	}
}

func (n *Node) onExpired() error {
	n.log.Warn("zookeeper session expired")
	n.broker.registered.Store(false)
	n.ctrl.resign("zookeeper session expired")
	n.ctrl.activeID.Store(-1)
	return nil
}

func (n *Node) reregister(id int64) error {
	if n.broker.dead.Load() {
		return nil
	}
	n.session.Store(id)
	n.ctrl.armed = map[string]int64{} // a new session has no watches
	if err := n.broker.register(context.Background(), n.z, zkmeta.EncodeBroker(n.cfg.Endpoints, n.cfg.Rack), n.cfg.SessionTimeout); err != nil {
		return err
	}
	return n.ctrl.reelect() // processRegisterBrokerAndReelect
}

// Image returns the metadata this broker serves: its cache, as the
// controller's pushes left it.
func (n *Node) Image() *cluster.Image { return n.broker.img.Load() }

// digestMemo caches the digest of one image: Status must stay cheap.
type digestMemo struct {
	img    *cluster.Image
	digest string
}

// Status reports the node's view; it never touches the network.
func (n *Node) Status() cluster.Status {
	img := n.broker.img.Load()
	d := n.digest.Load()
	if d == nil || d.img != img {
		d = &digestMemo{img: img, digest: img.Digest()}
		n.digest.Store(d)
	}
	// An active controller claims the epoch it was elected in. Its broker
	// may already hold a newer one, from a successor's push that came before
	// this controller saw /controller change and resigned: reporting that
	// with Active would claim the successor's epoch for the old controller.
	active := n.ctrl.isActive.Load()
	epoch := n.ctrl.epochSeen.Load()
	if !active {
		n.broker.mu.Lock()
		epoch = max(n.broker.controllerEpoch, epoch)
		n.broker.mu.Unlock()
	}
	live := len(img.LiveBrokerIDs())
	return cluster.Status{
		NodeID: n.cfg.NodeID, Mode: cluster.ModeZK, Roles: []cluster.Role{cluster.RoleBroker},
		ActiveControllerID: n.ctrl.activeID.Load(), Active: active,
		ControllerEpoch: int64(epoch), MetadataOffset: img.Offset,
		Registered: n.broker.registered.Load(), Digest: d.digest, LiveBrokers: &live,
	}
}

// LastFailover returns the statistics of the last time this node became the
// controller and pushed the full metadata; false if it never did.
func (n *Node) LastFailover() (FailoverStats, bool) {
	s := n.ctrl.failover.Load()
	if s == nil {
		return FailoverStats{}, false
	}
	return *s, true
}

// Close shuts the node down cleanly: first Kafka's controlled shutdown (the
// controller moves this broker's leaderships and ISR memberships away; see
// shutdown.go), then the controller resigns, the session is closed
// (ZooKeeper deletes /brokers/ids/<id> and, if held, /controller at once, so
// the others react without waiting for a session timeout), and the broker
// refuses further pushes. The front server is not closed.
func (n *Node) Close() error {
	n.stop(false)
	return nil
}

// Kill stops the node as kill -9 would: the ZooKeeper connection is cut
// without closing the session, so its ephemeral znodes (registration, and
// /controller if held) stay until ZooKeeper expires the session after
// zookeeper.session.timeout.ms; the others notice only then. The caller
// closes the front server too, as the process's death would.
func (n *Node) Kill() {
	n.stop(true)
}

func (n *Node) stop(kill bool) {
	n.closeOnce.Do(func() {
		if !kill {
			n.controlledShutdown() // shutdown.go
		}
		n.closeLink(kill)
		n.configs.close()
		n.broker.dead.Store(true)
		if kill {
			n.z.Dialer.Kill()
		}
		n.ctrl.shutdown()
		if kill {
			n.z.Kill()
		} else {
			n.z.Close()
		}
		n.broker.registered.Store(false)
		if n.broker.logs != nil {
			_ = n.broker.logs.Close()
		}
		n.log.Info("node stopped", "killed", kill)
	})
}
