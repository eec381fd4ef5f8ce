package zkmode

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// TestStaleControllerWriteIsFenced makes a controller stale for real: its
// event loop is paused (as a long GC pause would), /controller is deleted
// (as an operator forcing a re-election would) and another broker wins. When
// the paused controller resumes and writes a partition state, ZooKeeper
// refuses the multi with BADVERSION on /controller_epoch, the state is
// unchanged, and the stale controller resigns.
func TestStaleControllerWriteIsFenced(t *testing.T) {
	c := newTestCluster(t, 3)
	old := c.ready()
	mustCreate(t, old, cluster.TopicSpec{Name: "fence", NumPartitions: 1, ReplicationFactor: 3})
	z := c.zk()
	before, _, err := z.Get(zkmeta.StatePath("fence", 0))
	if err != nil {
		t.Fatal(err)
	}

	release, result := make(chan struct{}), make(chan error, 1)
	paused := make(chan struct{})
	old.ctrl.enqueue("test: paused controller resumes with a leader change", func() error {
		close(paused)
		<-release
		p := old.ctrl.cc.partition(tp{"fence", 0})
		next := slices.DeleteFunc(slices.Clone(p.Replicas), func(r int32) bool { return r == p.Leader })
		_, err := old.ctrl.writeStates([]leaderChange{{p: tp{"fence", 0}, leader: next[0], isr: next}}, old.ctrl.newBatch(),
			func(tp) []int32 { return nil })
		result <- err
		return err
	})
	<-paused
	if err := z.Delete(zkmeta.ControllerPath, -1); err != nil {
		t.Fatal(err)
	}
	var successor *Node
	waitFor(t, 10*time.Second, "another broker to win the election", func() bool {
		for _, id := range c.ids() {
			if n := c.node(id); n != old && n.Status().Active {
				successor = n
				return true
			}
		}
		return false
	})
	if st := successor.Status(); st.ControllerEpoch != 2 {
		t.Fatalf("successor epoch %d, want 2", st.ControllerEpoch)
	}
	if !old.Status().Active {
		t.Fatal("the paused controller should still believe it is active")
	}
	close(release)
	err = <-result
	if !errors.Is(err, zk.ErrBadVersion) || !errors.Is(err, errControllerMoved) {
		t.Fatalf("stale controller's write: %v; want BADVERSION (controller moved)", err)
	}
	after, _, err := z.Get(zkmeta.StatePath("fence", 0))
	if err != nil || string(after) != string(before) {
		t.Fatalf("state znode changed by a fenced write: %s -> %s (%v)", before, after, err)
	}
	waitFor(t, 5*time.Second, "the stale controller to resign", func() bool { return !old.Status().Active })
	if id := old.Status().ActiveControllerID; id != successor.cfg.NodeID {
		t.Fatalf("old controller names %d as controller, want %d", id, successor.cfg.NodeID)
	}
	c.waitConverged(10 * time.Second)
}

// TestBrokerFailureMovesLeaders kills a broker that is not the controller:
// after its session expires, its partitions get new leaders (state znodes
// rewritten with leader_epoch 1), it leaves every ISR, and the survivors
// converge on that.
func TestBrokerFailureMovesLeaders(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "moving", NumPartitions: 6, ReplicationFactor: 3})
	victim := int32(1)
	if ctrl.cfg.NodeID == victim {
		victim = 2
	}
	led := map[int32]bool{}
	for _, p := range ctrl.Image().Topics["moving"].Partitions {
		if p.Leader == victim {
			led[p.ID] = true
		}
	}
	if len(led) == 0 {
		t.Fatalf("broker %d leads no partition; placement %+v", victim, ctrl.Image().Topics["moving"])
	}
	start := time.Now()
	c.kill(victim)
	// The survivors agree at once on the image from before the kill; wait
	// for the controller to act on the expired session, then for them to
	// agree on that.
	waitFor(t, 4*testSessionTimeout+5*time.Second, "the controller to move the victim's leaders", func() bool {
		for _, p := range ctrl.Image().Topics["moving"].Partitions {
			if p.Leader == victim || slices.Contains(p.ISR, victim) {
				return false
			}
		}
		return true
	})
	c.waitConverged(10 * time.Second)
	t.Logf("leaders moved %v after the kill (session timeout %v)", time.Since(start), testSessionTimeout)
	z := c.zk()
	for _, p := range ctrl.Image().Topics["moving"].Partitions {
		if p.Leader == victim || slices.Contains(p.ISR, victim) {
			t.Errorf("partition %d still has broker %d: leader %d isr %v", p.ID, victim, p.Leader, p.ISR)
		}
		b, _, err := z.Get(zkmeta.StatePath("moving", p.ID))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := zkmeta.DecodeState("", b)
		if s.Leader != p.Leader || s.LeaderEpoch != 1 {
			t.Errorf("partition %d state znode %s, cache leader %d; want leader_epoch 1", p.ID, b, p.Leader)
		}
	}
}

// TestControllerKillDuringCreates kills -9 the controller while a client
// keeps creating topics. A new controller is elected after the session
// expires, reloads from ZooKeeper, and every topic whose CreateTopics was
// acknowledged is served by every surviving broker, which all converge.
func TestControllerKillDuringCreates(t *testing.T) {
	c := newTestCluster(t, 3)
	old := c.ready()
	var (
		mu    sync.Mutex
		acked []string
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := fmt.Sprintf("stream-%04d", i)
			if createRetrying(c, name, 30*time.Second) {
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		}
	}()
	waitFor(t, 20*time.Second, "some topics acknowledged", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 20 })
	killed := time.Now()
	c.kill(old.cfg.NodeID)
	next := c.waitActive(4*testSessionTimeout + 10*time.Second)
	elected := time.Since(killed)
	waitFor(t, 20*time.Second, "topics acknowledged by the new controller", func() bool {
		mu.Lock()
		defer mu.Unlock()
		_, ok := next.Image().Topics[acked[len(acked)-1]]
		return ok && time.Since(killed) > elected+200*time.Millisecond
	})
	close(stop)
	<-done
	digest := c.waitConverged(10 * time.Second)
	stats, ok := next.LastFailover()
	if !ok || stats.Epoch != 2 {
		t.Fatalf("new controller's failover stats %+v, %v", stats, ok)
	}
	t.Logf("controller %d killed; %d elected after %v; reload %v for %d partitions, push %v; %d topics acked; digest %s",
		old.cfg.NodeID, next.cfg.NodeID, elected, stats.Reload, stats.Partitions, stats.Push, len(acked), digest)
	z := c.zk()
	for _, name := range acked {
		for _, id := range c.ids() {
			if _, ok := c.node(id).Image().Topics[name]; !ok {
				t.Errorf("acknowledged topic %s missing on broker %d", name, id)
			}
		}
		if _, _, err := z.Get(zkmeta.StatePath(name, 0)); err != nil {
			t.Errorf("acknowledged topic %s: %v", name, err)
		}
	}
}

// createRetrying creates a 1-partition RF-2 topic through whichever broker is
// the controller, retrying NOT_CONTROLLER as kadm does. It reports whether
// the creation was acknowledged.
func createRetrying(c *testCluster, name string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		n := c.active()
		if n == nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := n.CreateTopics(ctx, []cluster.TopicSpec{{Name: name, NumPartitions: 1, ReplicationFactor: 2}})
		cancel()
		switch {
		case errors.Is(err, kerr.NotController):
			time.Sleep(20 * time.Millisecond)
		case err != nil:
			return false
		case res[0].Code == 0:
			return true
		case res[0].Code == kerr.NotController.Code || res[0].Code == kerr.RequestTimedOut.Code:
			time.Sleep(20 * time.Millisecond)
		default:
			return false // e.g. TOPIC_ALREADY_EXISTS after a retry: not acknowledged
		}
	}
	return false
}

// TestFullRestartRecoversFromZooKeeper stops every broker and starts them
// again: the topics, ids, assignments and leaders all come back from
// ZooKeeper.
func TestFullRestartRecoversFromZooKeeper(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	for i := 0; i < 5; i++ {
		mustCreate(t, ctrl, cluster.TopicSpec{Name: fmt.Sprintf("durable-%d", i), NumPartitions: 4, ReplicationFactor: 3})
	}
	c.waitConverged(10 * time.Second)
	before := ctrl.Image()
	c.stopAll()
	for id := int32(1); id <= 3; id++ {
		c.start(id)
	}
	c.ready()
	after := c.node(1).Image()
	if len(after.Topics) != len(before.Topics) {
		t.Fatalf("%d topics after restart, want %d", len(after.Topics), len(before.Topics))
	}
	for name, bt := range before.Topics {
		at, ok := after.Topics[name]
		if !ok || at.ID != bt.ID || len(at.Partitions) != len(bt.Partitions) {
			t.Fatalf("topic %s after restart: %+v, before %+v", name, at, bt)
		}
		for i, p := range at.Partitions {
			if !slices.Equal(p.Replicas, bt.Partitions[i].Replicas) {
				t.Errorf("%s-%d replicas %v, before %v", name, i, p.Replicas, bt.Partitions[i].Replicas)
			}
		}
	}
}

// TestControllerSessionExpiry partitions the controller from ZooKeeper for
// longer than its session timeout: another broker is elected, and when the
// old controller reconnects it learns its session expired, resigns,
// registers again with a new broker epoch and loses the election; every
// broker converges with it back in the cluster.
func TestControllerSessionExpiry(t *testing.T) {
	c := newTestCluster(t, 3)
	old := c.ready()
	mustCreate(t, old, cluster.TopicSpec{Name: "expiry", NumPartitions: 3, ReplicationFactor: 3})
	epochBefore := old.broker.epoch.Load()
	old.z.Dialer.Partition(2 * testSessionTimeout)
	var successor *Node
	waitFor(t, 4*testSessionTimeout+5*time.Second, "a new controller", func() bool {
		for _, id := range c.ids() {
			if n := c.node(id); n != old && n.Status().Active {
				successor = n
				return true
			}
		}
		return false
	})
	waitFor(t, 4*testSessionTimeout+10*time.Second, "the old controller to re-register", func() bool {
		st := old.Status()
		return st.Registered && !st.Active && old.broker.epoch.Load() != epochBefore
	})
	c.waitConverged(10 * time.Second)
	// Its digest matches before the successor's UpdateMetadata reaches it
	// (the controller id is not part of a digest); that UpdateMetadata
	// names the successor.
	var st cluster.Status
	waitFor(t, 10*time.Second, "the old controller to learn its successor", func() bool {
		st = old.Status()
		return st.ActiveControllerID == successor.cfg.NodeID && st.ControllerEpoch >= 2
	})
	mustCreate(t, successor, cluster.TopicSpec{Name: "after-expiry", NumPartitions: 1, ReplicationFactor: 3})
	// The answer waits for the controller's own broker only (as Kafka's);
	// the re-registered one gets the topic from the UpdateMetadata after it.
	waitFor(t, 10*time.Second, "the re-registered broker to get the new topic", func() bool {
		_, ok := old.Image().Topics["after-expiry"]
		return ok
	})
}
