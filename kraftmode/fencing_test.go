package kraftmode

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// A broker that stops heartbeating is fenced after broker.session.timeout.ms;
// its partitions get new leaders (epoch bumped) and it leaves their ISRs in
// every other broker's image; when it heartbeats again it is unfenced and
// rejoins the ISRs.
func TestSilentBrokerIsFencedThenUnfenced(t *testing.T) {
	c := newTCluster(t, false, nil)
	active := c.active(10 * time.Second)
	c.waitUnfenced(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := createOne(ctx, active, "fenced", 12); err != nil {
		t.Fatal(err)
	}
	c.converged(5 * time.Second)
	before := c.nodes[5].Image().Topics["fenced"]
	led := 0
	for _, p := range before.Partitions {
		if p.Leader == 4 {
			led++
		}
	}
	if led == 0 {
		t.Fatal("broker 4 leads no partition: the test would prove nothing")
	}

	const silent = 4
	paused := time.Now()
	c.nodes[silent].brk.paused.Store(true)
	isFenced := func(n *Node) bool { return !slices.Contains(n.Image().LiveBrokerIDs(), silent) }
	eventually(t, 5*time.Second, "broker 4 fenced in brokers 5 and 6", func() bool {
		return isFenced(c.nodes[5]) && isFenced(c.nodes[6])
	})
	took := time.Since(paused)
	session, interval := c.cfgs[1].SessionTimeout, c.cfgs[silent].HeartbeatInterval
	if took < session-interval {
		t.Fatalf("fenced %v after the last heartbeat could have been sent; session timeout is %v", took, session)
	}
	t.Logf("broker %d fenced %v after it stopped heartbeating (session timeout %v)", silent, took.Round(time.Millisecond), session)
	for _, id := range []int32{5, 6} {
		after := c.nodes[id].Image().Topics["fenced"]
		for i, p := range after.Partitions {
			old := before.Partitions[i]
			if p.Leader == silent || slices.Contains(p.ISR, silent) {
				t.Fatalf("broker %d image: partition %d still has %d: %+v", id, i, silent, p)
			}
			if old.Leader == silent && (p.LeaderEpoch != old.LeaderEpoch+1 || p.Leader == cluster.NoLeader) {
				t.Fatalf("broker %d image: partition %d moved from %+v to %+v, want a new leader with epoch+1", id, i, old, p)
			}
			if old.Leader != silent && (p.Leader != old.Leader || p.LeaderEpoch != old.LeaderEpoch) {
				t.Fatalf("broker %d image: partition %d changed leader needlessly: %+v -> %+v", id, i, old, p)
			}
		}
	}

	c.nodes[silent].brk.paused.Store(false)
	eventually(t, 5*time.Second, "broker 4 unfenced everywhere", func() bool {
		for _, n := range c.nodes {
			if isFenced(n) {
				return false
			}
		}
		return !c.nodes[silent].Status().Fenced
	})
	c.converged(5 * time.Second)
	for _, p := range c.nodes[6].Image().Topics["fenced"].Partitions {
		if len(p.ISR) != 3 {
			t.Fatalf("partition %d: ISR %v after broker %d came back, want all 3 replicas", p.ID, p.ISR, silent)
		}
	}
}

// When the last ISR member is fenced the partition has no leader (-1), and
// it is elected again when that broker is unfenced.
func TestFenceLastISRMemberLeavesNoLeader(t *testing.T) {
	st := newMetaState("c")
	a := newApplier(st, false)
	recs := []Record{
		&RegisterBrokerRecord{BrokerID: 1, BrokerEpoch: 10},
		&RegisterBrokerRecord{BrokerID: 2, BrokerEpoch: 11},
		&TopicRecord{Name: "t", TopicID: cluster.TopicID{1}},
		&PartitionRecord{PartitionID: 0, TopicID: cluster.TopicID{1}, Replicas: []int32{1, 2}, ISR: []int32{1}, Leader: 1, LeaderEpoch: 4},
	}
	if err := a.apply(20, recs); err != nil {
		t.Fatal(err)
	}
	if err := a.apply(21, fenceRecords(st, 1, 10)); err != nil {
		t.Fatal(err)
	}
	p := st.img.Topics["t"].Partitions[0]
	if p.Leader != cluster.NoLeader || p.LeaderEpoch != 5 || !slices.Equal(p.ISR, []int32{1}) || !st.img.Brokers[1].Fenced {
		t.Fatalf("after fencing the last ISR member: %+v", p)
	}
	if err := newApplier(st, true).apply(22, unfenceRecords(st, 1, 10)); err != nil {
		t.Fatal(err)
	}
	p = st.img.Topics["t"].Partitions[0]
	if p.Leader != 1 || p.LeaderEpoch != 6 || st.img.Brokers[1].Fenced {
		t.Fatalf("after unfencing: %+v", p)
	}
}
