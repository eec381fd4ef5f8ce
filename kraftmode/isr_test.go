package kraftmode

import (
	"slices"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

// After a cold start the brokers come back one by one. A follower unfenced
// while its partition had no leader is caught up (there is no data to
// fetch), so when the last ISR member returns and leads again, the follower
// rejoins the ISR in the same change; otherwise nothing would ever add it.
func TestUnfencedLeaderBringsBackLiveFollowers(t *testing.T) {
	st := newMetaState("c")
	recs := []Record{
		&RegisterBrokerRecord{BrokerID: 1, BrokerEpoch: 10, Fenced: true},
		&RegisterBrokerRecord{BrokerID: 2, BrokerEpoch: 11},
		&RegisterBrokerRecord{BrokerID: 3, BrokerEpoch: 12, Fenced: true},
		&TopicRecord{Name: "t", TopicID: cluster.TopicID{1}},
		&PartitionRecord{PartitionID: 0, TopicID: cluster.TopicID{1}, Replicas: []int32{1, 2, 3}, ISR: []int32{1}, Leader: cluster.NoLeader, LeaderEpoch: 4},
	}
	if err := newApplier(st, false).apply(20, recs); err != nil {
		t.Fatal(err)
	}
	if err := newApplier(st, true).apply(21, unfenceRecords(st, 1, 10)); err != nil {
		t.Fatal(err)
	}
	p := st.img.Topics["t"].Partitions[0]
	if p.Leader != 1 || !slices.Equal(p.ISR, []int32{1, 2}) {
		t.Fatalf("after unfencing the last ISR member: leader %d ISR %v; want leader 1, ISR [1 2] (3 is still fenced)", p.Leader, p.ISR)
	}
}
