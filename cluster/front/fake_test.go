package front

import (
	"context"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// fakeController is an in-memory stand-in for a mode's control plane, for
// tests only: one committed metadata image under a mutex, which fake nodes
// apply after a configurable lag. It validates and places with
// cluster.PlanCreate and cluster.PlanDelete, so its answers are Kafka's, but
// it has no log, no ZooKeeper, no elections and no failures. It behaves like
// ZooKeeper mode where that matters to clients: only the node whose id is
// controllerID takes writes, the others answer NOT_CONTROLLER; CreateTopics
// returns once every broker serves the new topics, DeleteTopics once the
// deletion is committed (brokers catch up after the lag).
type fakeController struct {
	mu           sync.Mutex
	img          *cluster.Image // committed
	rng          *rand.Rand
	defaults     cluster.Defaults
	lag          time.Duration // 0: nodes apply synchronously
	controllerID int32
	nodes        []*fakeNode
	changed      chan struct{} // closed and replaced whenever a node applies an image
}

func newFakeController(clusterID string, controllerID int32, lag time.Duration) *fakeController {
	img := cluster.NewImage(clusterID)
	img.ControllerID = controllerID
	return &fakeController{
		img: img, rng: rand.New(rand.NewPCG(7, 7)), defaults: cluster.KafkaDefaults(),
		lag: lag, controllerID: controllerID, changed: make(chan struct{}),
	}
}

// addNode creates a node of the fake with the given roles; it serves the
// committed image at once.
func (fc *fakeController) addNode(id int32, roles ...cluster.Role) *fakeNode {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	n := &fakeNode{fc: fc, id: id, roles: roles}
	n.img.Store(fc.img)
	fc.nodes = append(fc.nodes, n)
	return n
}

// mutate commits a change made by f to a clone of the committed image.
func (fc *fakeController) mutate(f func(img *cluster.Image)) *cluster.Image {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	next := fc.img.Clone()
	f(next)
	fc.commitLocked(next)
	return next
}

// commitLocked makes next the committed image and sends it to every node.
func (fc *fakeController) commitLocked(next *cluster.Image) {
	next.Offset = fc.img.Offset + 1
	next.ControllerID = fc.controllerID
	fc.img = next
	for _, n := range fc.nodes {
		if fc.lag == 0 {
			n.apply(next)
			continue
		}
		time.AfterFunc(fc.lag, func() { n.apply(next) })
	}
}

func (fc *fakeController) broadcast() {
	fc.mu.Lock()
	close(fc.changed)
	fc.changed = make(chan struct{})
	fc.mu.Unlock()
}

// waitApplied waits until every broker node serves offset or later.
func (fc *fakeController) waitApplied(ctx context.Context, offset int64) error {
	for {
		fc.mu.Lock()
		ch, done := fc.changed, true
		for _, n := range fc.nodes {
			if n.isBroker() && n.img.Load().Offset < offset {
				done = false
			}
		}
		fc.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// fakeNode is one node of a fakeController; it implements cluster.Controller
// and cluster.WriteChecker.
type fakeNode struct {
	fc    *fakeController
	id    int32
	roles []cluster.Role
	img   atomic.Pointer[cluster.Image]
}

var (
	_ cluster.Controller   = (*fakeNode)(nil)
	_ cluster.WriteChecker = (*fakeNode)(nil)
)

func (n *fakeNode) isBroker() bool { return n.Status().HasRole(cluster.RoleBroker) }

// apply serves img if it is newer than what the node serves.
func (n *fakeNode) apply(img *cluster.Image) {
	for {
		cur := n.img.Load()
		if cur.Offset >= img.Offset {
			return
		}
		if n.img.CompareAndSwap(cur, img) {
			break
		}
	}
	if n.fc.lag > 0 {
		n.fc.broadcast()
	}
}

func (n *fakeNode) CheckWrite() error {
	if n.id != n.fc.controllerID {
		return cluster.Errorf(kerr.NotController, "This is not the correct controller for this cluster.")
	}
	return nil
}

func (n *fakeNode) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	if err := n.CheckWrite(); err != nil {
		return nil, err
	}
	total := int64(0)
	for _, s := range specs {
		total += max(int64(s.NumPartitions), int64(len(s.Assignment)))
	}
	// as KRaft bounds one operation's records (cluster.MaxRecordsPerUserOp);
	// it keeps a fuzzed NumPartitions of 2^31-1 from exhausting memory
	if total > cluster.MaxRecordsPerUserOp {
		return nil, cluster.ErrExcessivelyLargeBatch()
	}
	fc := n.fc
	fc.mu.Lock()
	plans := cluster.PlanCreate(fc.img, specs, fc.defaults, fc.rng)
	next := fc.img.Clone()
	results := make([]cluster.TopicResult, len(specs))
	for i, p := range plans {
		if p.Err != nil {
			results[i] = cluster.ResultFor(specs[i].Name, p.Err)
			continue
		}
		next.Topics[p.Topic.Name] = p.Topic
		results[i] = cluster.TopicResult{Name: p.Topic.Name, ID: p.Topic.ID,
			NumPartitions: int32(len(p.Topic.Partitions)), ReplicationFactor: p.Topic.ReplicationFactor()}
	}
	fc.commitLocked(next)
	fc.mu.Unlock()
	if err := fc.waitApplied(ctx, next.Offset); err != nil {
		return nil, err
	}
	return results, nil
}

func (n *fakeNode) DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	if err := n.CheckWrite(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fc := n.fc
	fc.mu.Lock()
	defer fc.mu.Unlock()
	results := cluster.PlanDelete(fc.img, names)
	next := fc.img.Clone()
	for _, r := range results {
		if r.Code == 0 {
			delete(next.Topics, r.Name)
		}
	}
	fc.commitLocked(next)
	return results, nil
}

func (n *fakeNode) Image() *cluster.Image { return n.img.Load() }

func (n *fakeNode) Status() cluster.Status {
	img := n.img.Load()
	b, registered := img.Brokers[n.id]
	return cluster.Status{
		NodeID: n.id, Mode: "fake", Roles: n.roles,
		ActiveControllerID: n.fc.controllerID, Active: n.id == n.fc.controllerID,
		MetadataOffset: img.Offset, Registered: registered, Fenced: registered && b.Fenced,
		Digest: img.Digest(),
	}
}

func (n *fakeNode) Close() error { return nil }

// fakeQuorumNode adds cluster.QuorumDescriber to a fake node.
type fakeQuorumNode struct {
	*fakeNode
	info cluster.QuorumInfo
	err  error
}

func (q *fakeQuorumNode) DescribeQuorum(context.Context) (cluster.QuorumInfo, error) {
	return q.info, q.err
}

// FakeCluster is a set of fake broker nodes sharing one fakeController, each
// served by a real Server with RegisterKafkaAPIs on 127.0.0.1. It is exported
// (in tests only) so that the external tests in this directory can drive it
// with kadm, kcat and the conformance suite.
type FakeCluster struct {
	fc        *fakeController
	Brokers   []int32
	Addrs     map[int32]string // broker id -> host:port
	Bootstrap []string
	Nodes     map[int32]*fakeNode
}

// StartFakeCluster starts brokers 0..n-1; broker 0 is the controller. The
// nodes apply each change after lag (0: at once).
func StartFakeCluster(t testing.TB, n int, lag time.Duration) *FakeCluster {
	t.Helper()
	c := &FakeCluster{fc: newFakeController("fake-cluster-id", 0, lag),
		Addrs: map[int32]string{}, Nodes: map[int32]*fakeNode{}}
	lns := map[int32]net.Listener{}
	for id := int32(0); id < int32(n); id++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		lns[id] = ln
		c.Brokers = append(c.Brokers, id)
		c.Addrs[id] = ln.Addr().String()
		c.Bootstrap = append(c.Bootstrap, ln.Addr().String())
		c.Nodes[id] = c.fc.addNode(id, cluster.RoleBroker)
	}
	c.fc.mutate(func(img *cluster.Image) {
		for id, ln := range lns {
			host, port, _ := net.SplitHostPort(ln.Addr().String())
			p, _ := strconv.Atoi(port)
			img.Brokers[id] = &cluster.Broker{ID: id, Epoch: 1,
				Endpoints: []cluster.Endpoint{{Listener: "PLAINTEXT", Host: host, Port: int32(p)}}}
		}
	})
	if err := c.fc.waitApplied(context.Background(), c.fc.img.Offset); err != nil {
		t.Fatal(err)
	}
	for id, ln := range lns {
		s := NewServer(Options{MaxFrameBytes: 1 << 20})
		RegisterKafkaAPIs(s, c.Nodes[id])
		go s.Serve(ln)
		t.Cleanup(func() { s.Close() })
	}
	return c
}
