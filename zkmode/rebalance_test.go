package zkmode

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kraftbench/kraftbench/cluster"
)

// rotatingAssignment gives n partitions replicas [1 2 3], [2 3 1], [3 1 2],
// ...: each broker is the preferred replica of a third of them.
func rotatingAssignment(n int32) map[int32][]int32 {
	a := map[int32][]int32{}
	for p := int32(0); p < n; p++ {
		a[p] = []int32{p%3 + 1, (p+1)%3 + 1, (p+2)%3 + 1}
	}
	return a
}

// notPreferred lists the partitions of topic whose leader in img is not
// their preferred replica.
func notPreferred(img *cluster.Image, topic string) []int32 {
	var out []int32
	for _, p := range img.Topics[topic].Partitions {
		if p.Leader != p.Replicas[0] {
			out = append(out, p.ID)
		}
	}
	return out
}

// kadmFor is a kadm client bootstrapped on every broker of c.
func kadmFor(t *testing.T, c *testCluster) *kadm.Client {
	t.Helper()
	var seeds []string
	for _, id := range c.ids() {
		ep := c.node(id).cfg.Endpoint
		seeds = append(seeds, net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port))))
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ClientID(t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// stopFollower stops a broker that is not the controller and is the
// preferred replica of some partitions of topic, so a controlled shutdown
// moves their leadership away. It returns the broker.
func stopFollower(t *testing.T, c *testCluster, topic string) int32 {
	t.Helper()
	ctrl := c.waitActive(10 * time.Second).cfg.NodeID
	id := int32(1)
	for id == ctrl {
		id++
	}
	c.stop(id)
	waitFor(t, 10*time.Second, "leadership to leave the stopped broker", func() bool {
		return len(notPreferred(c.active().Image(), topic)) > 0
	})
	return id
}

// TestPreferredLeadersComeBackOnlyWhenElected: after a broker restarts, the
// leadership it lost stays where the controlled shutdown put it (Kafka's
// onBrokerStartup elects only offline partitions) until ElectLeaders
// (PREFERRED), sent by kadm, moves it back; the answer comes once the
// controller's own cache has the new leaders (DelayedElectLeader).
func TestPreferredLeadersComeBackOnlyWhenElected(t *testing.T) {
	c := newEmptyCluster(t)
	c.kafka = true
	for id := int32(1); id <= 3; id++ {
		c.start(id)
	}
	ctrl := c.ready()
	// The controller's first check runs 5 s after the failover; the next
	// only after leader.imbalance.check.interval.seconds (300 s).
	waitFor(t, 10*time.Second, "the post-failover rebalance check", func() bool { return ctrl.ctrl.rb.checks.Load() >= 1 })
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "t", NumPartitions: -1, ReplicationFactor: -1, Assignment: rotatingAssignment(6)})
	c.waitConverged(10 * time.Second)
	if np := notPreferred(ctrl.Image(), "t"); len(np) != 0 {
		t.Fatalf("new topic led by non-preferred replicas on partitions %v", np)
	}
	bounced := stopFollower(t, c, "t")
	c.start(bounced)
	c.waitConverged(10 * time.Second)
	time.Sleep(2 * time.Second)
	img := c.active().Image()
	if np := notPreferred(img, "t"); len(np) != 2 {
		t.Fatalf("partitions %v not led by their preferred replica 2 s after broker %d restarted; want the 2 it prefers, led elsewhere", np, bounced)
	}

	adm := kadmFor(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, kadm.TopicsSet{"t": {0: {}, 1: {}, 2: {}, 3: {}, 4: {}, 5: {}}})
	if err != nil {
		t.Fatalf("ElectLeaders: %v", err)
	}
	if len(res["t"]) != 6 {
		t.Fatalf("ElectLeaders answered %v, want the 6 partitions asked", res)
	}
	for p, r := range res["t"] {
		switch prefersBounced := img.Topics["t"].Partitions[p].Replicas[0] == bounced; {
		case prefersBounced && r.Err != nil:
			t.Errorf("t-%d (preferred replica %d back): %v, want its election", p, bounced, r.Err)
		case !prefersBounced && !errors.Is(r.Err, kerr.ElectionNotNeeded):
			t.Errorf("t-%d: %v, want ELECTION_NOT_NEEDED", p, r.Err)
		}
	}
	if np := notPreferred(c.active().Image(), "t"); len(np) != 0 {
		t.Fatalf("after ElectLeaders answered, the controller's cache still has partitions %v off their preferred replica", np)
	}
}

// TestElectLeadersAnswersKafkasErrors: ELECTION_NOT_NEEDED on a balanced
// partition, UNKNOWN_TOPIC_OR_PARTITION for an unknown topic or partition,
// and for every partition (a null request) nothing at all when nothing
// needs electing.
func TestElectLeadersAnswersKafkasErrors(t *testing.T) {
	c := newEmptyCluster(t)
	c.kafka = true
	for id := int32(1); id <= 3; id++ {
		c.start(id)
	}
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "t", NumPartitions: -1, ReplicationFactor: -1, Assignment: rotatingAssignment(3)})
	c.waitConverged(10 * time.Second)
	adm := kadmFor(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, kadm.TopicsSet{"t": {0: {}, 7: {}}, "nope": {0: {}}})
	if err != nil {
		t.Fatalf("ElectLeaders: %v", err)
	}
	for _, w := range []struct {
		topic string
		part  int32
		err   error
	}{{"t", 0, kerr.ElectionNotNeeded}, {"t", 7, kerr.UnknownTopicOrPartition}, {"nope", 0, kerr.UnknownTopicOrPartition}} {
		if r, ok := res[w.topic][w.part]; !ok || !errors.Is(r.Err, w.err) {
			t.Errorf("%s-%d: %+v, want %v", w.topic, w.part, r, w.err)
		}
	}
	all, err := adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, nil)
	if err != nil {
		t.Fatalf("ElectLeaders for every partition: %v", err)
	}
	if len(all) != 0 {
		t.Fatalf("a balanced cluster answered %v for every partition, want nothing listed", all)
	}
}

// TestAutoRebalanceMovesLeadersBack: with a 1 s
// leader.imbalance.check.interval.seconds, the controller's scheduled check
// finds the restarted broker's imbalance (100% > 10%) and moves its
// partitions back; they come back only after a check that ran since the
// restart.
func TestAutoRebalanceMovesLeadersBack(t *testing.T) {
	c := newEmptyCluster(t)
	c.rebalanceEvery = time.Second
	for id := int32(1); id <= 3; id++ {
		c.start(id)
	}
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "t", NumPartitions: -1, ReplicationFactor: -1, Assignment: rotatingAssignment(6)})
	c.waitConverged(10 * time.Second)
	bounced := stopFollower(t, c, "t")
	active := c.active()
	// A check that can elect the restarted broker runs after its
	// BrokerChange event, so after this count.
	checksAtRestart := active.ctrl.rb.checks.Load()
	c.start(bounced)
	// The next check is at most one interval away, plus the pushes.
	waitFor(t, 5*time.Second, "the rebalance to move leaders back", func() bool {
		back := len(notPreferred(active.Image(), "t")) == 0
		if back && active.ctrl.rb.checks.Load() == checksAtRestart {
			t.Fatalf("leadership came back to broker %d without a rebalance check", bounced)
		}
		return back
	})
}
