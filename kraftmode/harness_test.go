package kraftmode

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/internal/testbin"
)

// tcluster is an in-process KRaft cluster over real TCP on loopback, with
// test timeouts (heartbeat 200 ms, session 900 ms, election 200 ms).
type tcluster struct {
	t         testing.TB
	clusterID string
	voters    map[int32]string
	cfgs      map[int32]Config
	nodes     map[int32]*Node
	clients   map[int32]*front.Server // brokers' client listeners (front.RegisterKafkaAPIs)
	ports     map[int32]int
	// bound holds listeners bound when their ports were chosen, until their
	// node's first start: a port picked but left unbound could be taken by
	// an outgoing connection in between.
	ctrlLns, clientLns map[int32]net.Listener
	ctrlIDs            []int32
	brokerIDs          []int32
}

func listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	return ln
}

// takeListener returns the listener bound for a node's first start, or
// binds addr again (a restart).
func takeListener(t testing.TB, bound map[int32]net.Listener, id int32, addr string) net.Listener {
	if ln, ok := bound[id]; ok {
		delete(bound, id)
		return ln
	}
	return listen(t, addr)
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("KRAFT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

// newTCluster starts 3 controllers and 3 brokers: separated (ids 1-3
// controllers, 4-6 brokers) or combined (ids 1-3 with both roles).
func newTCluster(t testing.TB, combined bool, tweak func(*Config)) *tcluster {
	t.Helper()
	testbin.NeedIntegration(t, "a 3-controller Raft quorum on disk over loopback TCP")
	c := &tcluster{t: t, clusterID: NewClusterID(rand.New(rand.NewPCG(1, 2))),
		voters: map[int32]string{}, cfgs: map[int32]Config{}, nodes: map[int32]*Node{},
		clients: map[int32]*front.Server{}, ports: map[int32]int{},
		ctrlLns: map[int32]net.Listener{}, clientLns: map[int32]net.Listener{}}
	c.ctrlIDs = []int32{1, 2, 3}
	c.brokerIDs = []int32{4, 5, 6}
	if combined {
		c.brokerIDs = []int32{1, 2, 3}
	}
	for _, id := range c.ctrlIDs {
		c.ctrlLns[id] = listen(t, "127.0.0.1:0")
		c.voters[id] = c.ctrlLns[id].Addr().String()
	}
	base := t.TempDir()
	for _, id := range c.allIDs() {
		cfg := Config{NodeID: id, Voters: c.voters, MetadataLogDir: filepath.Join(base, fmt.Sprint("node-", id)),
			HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 900 * time.Millisecond,
			ElectionTimeout: 200 * time.Millisecond, FetchTimeout: 300 * time.Millisecond,
			RequestTimeout: 5 * time.Second, Seed: 7, Logger: testLogger(t),
			Defaults: cluster.Defaults{NumPartitions: 1, ReplicationFactor: 3}}
		if slices.Contains(c.ctrlIDs, id) {
			cfg.Roles = append(cfg.Roles, cluster.RoleController)
		}
		if slices.Contains(c.brokerIDs, id) {
			cfg.Roles = append(cfg.Roles, cluster.RoleBroker)
			c.clientLns[id] = listen(t, "127.0.0.1:0")
			c.ports[id] = c.clientLns[id].Addr().(*net.TCPAddr).Port
			cfg.BrokerEndpoint = cluster.Endpoint{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: int32(c.ports[id])}
		}
		if tweak != nil {
			tweak(&cfg)
		}
		if err := Format(cfg.MetadataLogDir, c.clusterID, id); err != nil {
			t.Fatal(err)
		}
		c.cfgs[id] = cfg
	}
	c.startAll()
	t.Cleanup(c.closeAll)
	return c
}

func (c *tcluster) allIDs() []int32 {
	ids := slices.Clone(c.ctrlIDs)
	for _, id := range c.brokerIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func (c *tcluster) startAll() {
	for _, id := range c.allIDs() {
		c.start(id)
	}
}

// start starts node id. Separated nodes let Start bind the controller
// listener and make its server; combined nodes are started as kbnode starts
// them: the caller binds both listeners and one front.Server serves the
// broker listener and, through the node, the controller listener.
func (c *tcluster) start(id int32) *Node {
	c.t.Helper()
	cfg := c.cfgs[id]
	var srv *front.Server
	port, broker := c.ports[id]
	combined := broker && cfg.HasRole(cluster.RoleController)
	if combined {
		srv = front.NewServer(front.Options{})
	}
	// First starts take the listener bound when the port was chosen; a
	// separated controller's restart lets Start bind its voter address.
	if ln, ok := c.ctrlLns[id]; ok || combined {
		if !ok {
			ln = listen(c.t, c.voters[id])
		}
		delete(c.ctrlLns, id)
		cfg.ControllerListener = ln
	}
	n, err := Start(context.Background(), cfg, srv)
	if err != nil {
		c.t.Fatalf("start node %d: %v", id, err)
	}
	c.nodes[id] = n
	if broker {
		ln := takeListener(c.t, c.clientLns, id, "127.0.0.1:"+strconv.Itoa(port))
		if srv == nil {
			srv = front.NewServer(front.Options{})
		}
		front.RegisterKafkaAPIs(srv, n, front.WithDefaults(cfg.Defaults))
		go srv.Serve(ln)
		c.clients[id] = srv
	}
	return n
}

// stop closes node id, gracefully or as kill -9 would.
func (c *tcluster) stop(id int32, crash bool) {
	if n := c.nodes[id]; n != nil {
		if crash {
			n.Crash()
		} else {
			n.Close()
		}
		delete(c.nodes, id)
	}
	if srv := c.clients[id]; srv != nil {
		srv.Close()
		delete(c.clients, id)
	}
}

// closeAll stops brokers first, then controllers, so each broker's
// controlled shutdown finds an active controller.
func (c *tcluster) closeAll() {
	for id, n := range c.nodes {
		if !n.cfg.HasRole(cluster.RoleController) {
			c.stop(id, false)
		}
	}
	for id := range c.nodes {
		c.stop(id, false)
	}
	for _, m := range []map[int32]net.Listener{c.ctrlLns, c.clientLns} {
		for id, ln := range m {
			ln.Close()
			delete(m, id)
		}
	}
}

// bootstrap returns the brokers' client addresses.
func (c *tcluster) bootstrap() []string {
	var out []string
	for _, id := range c.brokerIDs {
		out = append(out, "127.0.0.1:"+strconv.Itoa(c.ports[id]))
	}
	return out
}

// active waits for an active controller and returns it.
func (c *tcluster) active(timeout time.Duration) *Node {
	c.t.Helper()
	var found *Node
	eventually(c.t, timeout, "an active controller", func() bool {
		for _, id := range c.ctrlIDs {
			if n := c.nodes[id]; n != nil && n.ctrl.isActive() {
				found = n
				return true
			}
		}
		return false
	})
	return found
}

// waitUnfenced waits until every broker is registered and unfenced in the
// active controller's image.
func (c *tcluster) waitUnfenced(timeout time.Duration) {
	c.t.Helper()
	eventually(c.t, timeout, "all brokers unfenced", func() bool {
		for _, id := range c.brokerIDs {
			if n := c.nodes[id]; n == nil || !n.Status().Registered || n.Status().Fenced {
				return false
			}
		}
		for _, n := range c.nodes {
			if !slices.Equal(n.Image().LiveBrokerIDs(), c.brokerIDs) {
				return false
			}
		}
		return true
	})
}

// converged waits until every running node serves the same digest and
// returns it.
func (c *tcluster) converged(timeout time.Duration) string {
	c.t.Helper()
	var digest string
	eventually(c.t, timeout, "all nodes serving the same image", func() bool {
		digest = ""
		for _, n := range c.nodes {
			d := n.Image().Digest()
			if digest != "" && d != digest {
				return false
			}
			digest = d
		}
		return true
	})
	return digest
}

func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func createOne(ctx context.Context, n *Node, name string, partitions int32) (cluster.TopicResult, error) {
	res, err := n.CreateTopics(ctx, []cluster.TopicSpec{{Name: name, NumPartitions: partitions, ReplicationFactor: 3}})
	if err != nil {
		return cluster.TopicResult{}, err
	}
	return res[0], res[0].Err()
}
