package kraftmode

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kraftbench/kraftbench/cluster"
)

// rotatingAssignment gives n partitions replicas [4 5 6], [5 6 4], [6 4 5],
// ...: each broker is the preferred replica of a third of them.
func rotatingAssignment(n int32) map[int32][]int32 {
	a := map[int32][]int32{}
	for p := int32(0); p < n; p++ {
		a[p] = []int32{p%3 + 4, (p+1)%3 + 4, (p+2)%3 + 4}
	}
	return a
}

// notPreferred lists the partitions of topic not led by their preferred
// replica in img.
func notPreferred(img *cluster.Image, topic string) []int32 {
	var out []int32
	for _, p := range img.Topics[topic].Partitions {
		if p.Leader != p.Replicas[0] {
			out = append(out, p.ID)
		}
	}
	return out
}

func kadmFor(t *testing.T, c *tcluster) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.bootstrap()...), kgo.ClientID(t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// balancedTopic creates topic "t" with 6 partitions spread evenly over the
// brokers' preferences, and waits until every node serves it.
func balancedTopic(t *testing.T, c *tcluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.active(10*time.Second).CreateTopics(ctx, []cluster.TopicSpec{{Name: "t",
		NumPartitions: -1, ReplicationFactor: -1, Assignment: rotatingAssignment(6)}})
	if err == nil {
		err = res[0].Err()
	}
	if err != nil {
		t.Fatalf("create t: %v", err)
	}
	c.converged(10 * time.Second)
	if np := notPreferred(c.active(time.Second).Image(), "t"); len(np) != 0 {
		t.Fatalf("new topic led by non-preferred replicas on partitions %v", np)
	}
}

// stopBroker5 stops broker 5 cleanly: its controlled shutdown moves its
// leaderships to other ISR members.
func stopBroker5(t *testing.T, c *tcluster) {
	t.Helper()
	c.stop(5, false)
	eventually(t, 10*time.Second, "leadership to leave broker 5", func() bool {
		return len(notPreferred(c.active(time.Second).fsm.Image(), "t")) == 2
	})
}

// TestPreferredLeadersComeBackOnlyWhenElected: after a broker restarts, the
// leadership it lost stays away (unfencing moves only leaderless
// partitions) until ElectLeaders (PREFERRED), sent by kadm to a broker,
// which forwards it, moves it back in one committed write.
func TestPreferredLeadersComeBackOnlyWhenElected(t *testing.T) {
	c := newTCluster(t, false, nil) // leader.imbalance.check.interval.seconds 300
	c.waitUnfenced(20 * time.Second)
	balancedTopic(t, c)
	stopBroker5(t, c)
	c.start(5)
	c.waitUnfenced(20 * time.Second)
	time.Sleep(2 * time.Second)
	ctrl := c.active(time.Second)
	if np := notPreferred(ctrl.fsm.Image(), "t"); len(np) != 2 {
		t.Fatalf("partitions %v off their preferred replica 2 s after broker 5 came back; want the 2 it prefers", np)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := kadmFor(t, c).ElectLeaders(ctx, kadm.ElectPreferredReplica, kadm.TopicsSet{"t": {0: {}, 1: {}, 2: {}, 3: {}, 4: {}, 5: {}}})
	if err != nil {
		t.Fatalf("ElectLeaders: %v", err)
	}
	if len(res["t"]) != 6 {
		t.Fatalf("ElectLeaders answered %v, want the 6 partitions asked", res)
	}
	for p, r := range res["t"] {
		switch prefers5 := rotatingAssignment(6)[p][0] == 5; {
		case prefers5 && r.Err != nil:
			t.Errorf("t-%d (preferred replica 5 back): %v, want its election", p, r.Err)
		case !prefers5 && !errors.Is(r.Err, kerr.ElectionNotNeeded):
			t.Errorf("t-%d: %v, want ELECTION_NOT_NEEDED", p, r.Err)
		}
	}
	// The answer came after the commit, so the controller has applied it.
	if np := notPreferred(c.active(time.Second).fsm.Image(), "t"); len(np) != 0 {
		t.Fatalf("after ElectLeaders answered, partitions %v are still off their preferred replica", np)
	}
}

// TestElectLeadersAnswersKafkasErrors: UNKNOWN_TOPIC_OR_PARTITION for an
// unknown topic or partition, ELECTION_NOT_NEEDED on a balanced partition,
// and for every partition (a null request) each topic listed with none of
// its partitions, as ReplicationControlManager.electLeaders answers.
func TestElectLeadersAnswersKafkasErrors(t *testing.T) {
	c := newTCluster(t, false, nil)
	c.waitUnfenced(20 * time.Second)
	balancedTopic(t, c)
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
	if len(all) != 1 || len(all["t"]) != 0 {
		t.Fatalf("a balanced cluster answered %v for every partition, want topic t with no partitions", all)
	}
}

// TestAutoRebalanceMovesLeadersBack: with a 1 s
// leader.imbalance.check.interval.seconds the active controller's scheduled
// balancing commits the PartitionChangeRecords that give broker 5 its
// preferred partitions back, within an interval of its unfencing (plus
// margin), and only through a balancing event that ran after it came back.
func TestAutoRebalanceMovesLeadersBack(t *testing.T) {
	c := newTCluster(t, false, func(cfg *Config) { cfg.LeaderImbalanceCheckInterval = time.Second })
	c.waitUnfenced(20 * time.Second)
	balancedTopic(t, c)
	stopBroker5(t, c)
	ctrl := c.active(time.Second)
	runs := ctrl.ctrl.bal.runs.Load()
	c.start(5)
	c.waitUnfenced(20 * time.Second)
	eventually(t, 5*time.Second, "the balancing to move leaders back", func() bool {
		back := len(notPreferred(ctrl.fsm.Image(), "t")) == 0
		if back && ctrl.ctrl.bal.runs.Load() == runs {
			t.Fatal("leadership came back to broker 5 without a balancing event")
		}
		return back
	})
}
