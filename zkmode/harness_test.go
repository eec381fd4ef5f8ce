package zkmode

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/internal/zkensemble"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// testSessionTimeout is short so that crash tests wait seconds, not Kafka's
// 18 s. The shared ensemble's tickTime (200 ms) allows sessions from 400 ms.
const testSessionTimeout = 2 * time.Second

// testCSBackoff is controlled.shutdown.retry.backoff.ms in tests.
const testCSBackoff = 100 * time.Millisecond

var shared struct {
	once sync.Once
	ens  *zkensemble.Ensemble
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, e := range []*zkensemble.Ensemble{shared.ens, benchEns.ens} {
		if e != nil {
			e.Stop()
		}
	}
	os.Exit(code)
}

// sharedEnsemble is one real 3-server ensemble for the package's tests; each
// test works under its own chroot. A missing ZooKeeper fails the test.
func sharedEnsemble(t testing.TB) *zkensemble.Ensemble {
	t.Helper()
	testbin.NeedIntegration(t, "a 3-server ZooKeeper ensemble")
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		shared.ens, shared.err = zkensemble.Start(ctx, zkensemble.Options{Servers: 3, TickTime: 200 * time.Millisecond})
	})
	if shared.err != nil {
		t.Fatalf("these tests need a real ZooKeeper (CI installs Debian's zookeeper package): %v", shared.err)
	}
	return shared.ens
}

var chrootSeq atomic.Int64

// testLog collects a test's logs and prints them only if it fails.
type testLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.buf.Write(p)
	}
	return len(p), nil
}

func newTestLogger(t testing.TB) *slog.Logger {
	l := &testLog{}
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.done = true
		if t.Failed() || os.Getenv("KB_TEST_LOG") != "" {
			t.Log("node logs:\n" + l.buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// testCluster is n in-process brokers over real TCP on loopback, each with
// its own ZooKeeper session and front server.
type testCluster struct {
	t       testing.TB
	connect string // with the chroot
	log     *slog.Logger
	seed    uint64
	// kafka registers the client Kafka APIs (front.RegisterKafkaAPIs) on
	// each broker's server; set it before starting brokers.
	kafka bool
	// rebalanceEvery is leader.imbalance.check.interval.seconds for brokers
	// started from now on (0: Kafka's 300 s).
	rebalanceEvery time.Duration

	mu    sync.Mutex
	nodes map[int32]*Node
	srvs  map[int32]*front.Server
	// logRoot holds each broker's log.dirs (replica logs).
	logRoot string
}

func newTestCluster(t testing.TB, n int) *testCluster {
	t.Helper()
	c := newEmptyCluster(t)
	for id := int32(1); id <= int32(n); id++ {
		c.start(id)
	}
	return c
}

// newEmptyCluster prepares a cluster on its own chroot of the shared
// ensemble, without brokers.
func newEmptyCluster(t testing.TB) *testCluster {
	t.Helper()
	return newEmptyClusterOn(t, sharedEnsemble(t))
}

func newEmptyClusterOn(t testing.TB, ens *zkensemble.Ensemble) *testCluster {
	t.Helper()
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	c := &testCluster{
		t: t, log: newTestLogger(t), seed: uint64(chrootSeq.Add(1)),
		connect: fmt.Sprintf("%s/kbtest-%s-%d", ens.Connect(), name, chrootSeq.Load()),
		nodes:   map[int32]*Node{}, srvs: map[int32]*front.Server{}, logRoot: t.TempDir(),
	}
	t.Cleanup(c.stopAll)
	return c
}

// start starts broker id (again) on a fresh port.
func (c *testCluster) start(id int32) *Node {
	c.t.Helper()
	n, err := c.startErr(id)
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

// startErr is start for goroutines other than the test's.
func (c *testCluster) startErr(id int32) (*Node, error) {
	srv := front.NewServer(front.Options{Logger: c.log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	cfg := Config{
		NodeID: id, ZKConnect: c.connect, SessionTimeout: testSessionTimeout,
		Endpoint: cluster.Endpoint{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: int32(ln.Addr().(*net.TCPAddr).Port)},
		Defaults: cluster.Defaults{NumPartitions: 1, ReplicationFactor: 1},
		Logger:   c.log, Rand: rand.New(rand.NewPCG(c.seed, uint64(id))),
		LogDir: filepath.Join(c.logRoot, fmt.Sprintf("broker-%d", id)),

		// The last broker of a cluster cannot hand its leaderships over and
		// retries; Kafka's 5 s backoff would add 10 s to every teardown.
		ControlledShutdownRetryBackoff: testCSBackoff,
		LeaderImbalanceCheckInterval:   c.rebalanceEvery,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Start(ctx, cfg, srv)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("start broker %d: %w", id, err)
	}
	if c.kafka {
		front.RegisterKafkaAPIs(srv, n, front.WithDefaults(cfg.Defaults))
	}
	c.mu.Lock()
	c.nodes[id], c.srvs[id] = n, srv
	c.mu.Unlock()
	return n, nil
}

// kill stops broker id as kill -9 would: its session is left to expire.
func (c *testCluster) kill(id int32) {
	c.mu.Lock()
	n, srv := c.nodes[id], c.srvs[id]
	delete(c.nodes, id)
	delete(c.srvs, id)
	c.mu.Unlock()
	n.Kill()
	srv.Close()
}

// stop closes broker id cleanly.
func (c *testCluster) stop(id int32) {
	c.mu.Lock()
	n, srv := c.nodes[id], c.srvs[id]
	delete(c.nodes, id)
	delete(c.srvs, id)
	c.mu.Unlock()
	n.Close()
	srv.Close()
}

func (c *testCluster) stopAll() {
	for _, id := range c.ids() {
		c.stop(id)
	}
}

func (c *testCluster) ids() []int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return sortedKeys(c.nodes)
}

func (c *testCluster) node(id int32) *Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[id]
}

// active returns the node that is the active controller, or nil.
func (c *testCluster) active() *Node {
	for _, id := range c.ids() {
		if n := c.node(id); n != nil && n.Status().Active {
			return n
		}
	}
	return nil
}

func (c *testCluster) waitActive(timeout time.Duration) *Node {
	c.t.Helper()
	var a *Node
	waitFor(c.t, timeout, "an active controller", func() bool { a = c.active(); return a != nil })
	return a
}

// waitCachedController waits until broker id's metadata cache names the
// active controller: the controller a broker sends ControlledShutdown to.
func (c *testCluster) waitCachedController(id int32, timeout time.Duration) {
	c.t.Helper()
	waitFor(c.t, timeout, fmt.Sprintf("broker %d's cache to name the active controller", id), func() bool {
		a := c.active()
		return a != nil && c.node(id).Image().ControllerID == a.cfg.NodeID
	})
}

// ready waits for an active controller and for every broker to know every
// other, and returns the controller.
func (c *testCluster) ready() *Node {
	c.t.Helper()
	a := c.waitActive(10 * time.Second)
	c.waitConverged(10 * time.Second)
	return a
}

// waitConverged waits until every live broker serves the same digest, with
// the given brokers registered and every partition led by a live broker.
func (c *testCluster) waitConverged(timeout time.Duration) string {
	c.t.Helper()
	var digest string
	waitFor(c.t, timeout, "brokers to converge", func() bool {
		digest = ""
		ids := c.ids()
		for _, id := range ids {
			img := c.node(id).Image()
			if len(img.Brokers) != len(ids) || !allLed(img) {
				return false
			}
			d := c.node(id).Status().Digest
			if digest != "" && d != digest {
				return false
			}
			digest = d
		}
		return true
	})
	return digest
}

func allLed(img *cluster.Image) bool {
	for _, t := range img.Topics {
		for _, p := range t.Partitions {
			if _, ok := img.Brokers[p.Leader]; !ok {
				return false
			}
		}
	}
	return true
}

// zk opens a plain session on the cluster's chroot, as zkCli.sh would.
func (c *testCluster) zk() *zkmeta.Client {
	c.t.Helper()
	z, err := zkmeta.Connect(context.Background(), c.connect, 4*time.Second, 10*time.Second, c.log, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(z.Close)
	return z
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustCreate(t testing.TB, n *Node, specs ...cluster.TopicSpec) []cluster.TopicResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := n.CreateTopics(ctx, specs)
	if err != nil {
		t.Fatalf("CreateTopics: %v", err)
	}
	for _, r := range res {
		if r.Code != 0 {
			t.Fatalf("CreateTopics %s: %s %s", r.Name, cluster.ErrorName(r.Code), r.Message)
		}
	}
	return res
}

var _ = zk.ErrNoNode
