package clustertest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// The AlterPartitionReassignments and ListPartitionReassignments cases,
// through a cluster.ReassignAdmin.

func (s *suite) reassignAdmin(t *testing.T) cluster.ReassignAdmin {
	t.Helper()
	return adminAs[cluster.ReassignAdmin](t, s, "cluster.ReassignAdmin")
}

func (s *suite) alterReassignments(t *testing.T, specs ...cluster.ReassignSpec) []cluster.PartitionResult {
	t.Helper()
	rs, err := s.reassignAdmin(t).AlterPartitionReassignments(s.ctx(t), specs)
	if err != nil {
		t.Fatalf("AlterPartitionReassignments: %v", err)
	}
	if len(rs) != len(specs) {
		t.Fatalf("AlterPartitionReassignments: %d results for %d partitions", len(rs), len(specs))
	}
	return rs
}

func expectPartitionCodes(t *testing.T, rs []cluster.PartitionResult, want ...int16) {
	t.Helper()
	for i, r := range rs {
		if r.Code != want[i] {
			t.Errorf("%s-%d: got %s (%s), want %s", r.Topic, r.Partition, cluster.ErrorName(r.Code), r.Message,
				cluster.ErrorName(want[i]))
		}
	}
}

// waitMoved polls until the controller lists none of topic's partitions as
// being reassigned and every broker serves each of want's partitions with
// exactly its target replicas (as a set), an ISR of them and a leader among
// them.
func (s *suite) waitMoved(t *testing.T, topic string, want map[int32][]int32) {
	t.Helper()
	ra := s.reassignAdmin(t)
	s.eventually(t, fmt.Sprintf("%s moved to %v", topic, want), func(ctx context.Context) error {
		got, err := ra.ListPartitionReassignments(ctx, []cluster.TopicPartitions{{Topic: topic, Partitions: keys(want)}})
		if err != nil {
			return err
		}
		if len(got) > 0 {
			return fmt.Errorf("still reassigning: %+v", got)
		}
		views, err := s.views(ctx)
		if err != nil {
			return err
		}
		for id, img := range views {
			tp := img.Topics[topic]
			if tp == nil {
				return fmt.Errorf("broker %d does not serve %s", id, topic)
			}
			for p, target := range want {
				part := tp.Partitions[p]
				if !cluster.SameSet(part.Replicas, target) || !cluster.SameSet(part.ISR, target) || !slices.Contains(target, part.Leader) {
					return fmt.Errorf("broker %d: partition %d replicas %v ISR %v leader %d, want replicas and ISR %v",
						id, p, part.Replicas, part.ISR, part.Leader, target)
				}
			}
		}
		return nil
	})
}

func keys(m map[int32][]int32) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// outside returns a broker not in replicas, or -1.
func (s *suite) outside(replicas []int32) int32 {
	for _, b := range s.c.Brokers {
		if !slices.Contains(replicas, b) {
			return b
		}
	}
	return -1
}

// reassign: a replica moves to a broker that had none of the partition (a
// replication factor 1 partition and, with three brokers or more, one of
// factor 2), the leader follows where its broker left, and the controller
// lists nothing in progress once done; a reorder keeps the replicas.
func (s *suite) reassign(t *testing.T) {
	if len(s.c.Brokers) < 2 {
		t.Skipf("clustertest: a move needs two brokers, the cluster has %d", len(s.c.Brokers))
	}
	name := s.topic(t, "t")
	s.mustCreateServed(t, spec(name, 2, 1))
	before := s.waitPartitions(t, name, 2)
	p0 := before.Partitions[0].Replicas
	target := []int32{s.outside(p0)}
	expectPartitionCodes(t, s.alterReassignments(t, cluster.ReassignSpec{Topic: name, Partition: 0, Replicas: target}), 0)
	s.waitMoved(t, name, map[int32][]int32{0: target})
	if got := s.waitPartitions(t, name, 2).Partitions[1].Replicas; !slices.Equal(got, before.Partitions[1].Replicas) {
		t.Errorf("partition 1, not reassigned, moved from %v to %v", before.Partitions[1].Replicas, got)
	}
	all, err := s.reassignAdmin(t).ListPartitionReassignments(s.ctx(t), nil)
	if err != nil {
		t.Fatalf("ListPartitionReassignments: %v", err)
	}
	for _, r := range all {
		if r.Topic == name {
			t.Errorf("listed as reassigning after it completed: %+v", r)
		}
	}
	if len(s.c.Brokers) < 3 {
		return
	}
	two := s.topic(t, "rf2")
	s.mustCreateServed(t, spec(two, 1, 2))
	reps := s.waitPartitions(t, two, 1).Partitions[0].Replicas
	// Keep the second replica, replace the first (often the leader).
	moved := []int32{reps[1], s.outside(reps)}
	expectPartitionCodes(t, s.alterReassignments(t, cluster.ReassignSpec{Topic: two, Partition: 0, Replicas: moved}), 0)
	s.waitMoved(t, two, map[int32][]int32{0: moved})
	// A reorder of the same replicas adds and removes none.
	reordered := []int32{moved[1], moved[0]}
	expectPartitionCodes(t, s.alterReassignments(t, cluster.ReassignSpec{Topic: two, Partition: 0, Replicas: reordered}), 0)
	s.waitMoved(t, two, map[int32][]int32{0: reordered})
}

// badReassign: an unknown topic or partition, an empty or duplicated
// replica list, a broker that does not exist, a cancellation with nothing
// to cancel and a topic deleted or being deleted get Kafka's codes, and
// nothing moves.
func (s *suite) badReassign(t *testing.T) {
	name := s.topic(t, "t")
	s.mustCreateServed(t, spec(name, 2, 1))
	before := s.waitPartitions(t, name, 2)
	b := s.c.Brokers[0]
	expectPartitionCodes(t, s.alterReassignments(t,
		cluster.ReassignSpec{Topic: s.topic(t, "missing"), Partition: 0, Replicas: []int32{b}},
		cluster.ReassignSpec{Topic: name, Partition: 7, Replicas: []int32{b}},
	), kerr.UnknownTopicOrPartition.Code, kerr.UnknownTopicOrPartition.Code)
	expectPartitionCodes(t, s.alterReassignments(t, cluster.ReassignSpec{Topic: name, Partition: 0, Replicas: []int32{}}),
		kerr.InvalidReplicaAssignment.Code)
	expectPartitionCodes(t, s.alterReassignments(t, cluster.ReassignSpec{Topic: name, Partition: 0, Replicas: []int32{b, b}}),
		kerr.InvalidReplicaAssignment.Code)
	expectPartitionCodes(t, s.alterReassignments(t, cluster.ReassignSpec{Topic: name, Partition: 0, Replicas: []int32{99999}}),
		kerr.InvalidReplicaAssignment.Code)
	expectPartitionCodes(t, s.alterReassignments(t, cluster.ReassignSpec{Topic: name, Partition: 1}),
		kerr.NoReassignmentInProgress.Code)
	got := s.waitPartitions(t, name, 2)
	for p := range 2 {
		if !slices.Equal(got.Partitions[p].Replicas, before.Partitions[p].Replicas) {
			t.Errorf("partition %d moved from %v to %v on a refused reassignment", p, before.Partitions[p].Replicas, got.Partitions[p].Replicas)
		}
	}
	// Deleted (KRaft: at once) or queued for deletion (ZooKeeper mode):
	// both are UNKNOWN_TOPIC_OR_PARTITION.
	rs, err := s.c.Admin.DeleteTopics(s.ctx(t), []string{name})
	if err != nil {
		t.Fatalf("DeleteTopics: %v", err)
	}
	expectCodes(t, rs, 0)
	expectPartitionCodes(t, s.alterReassignments(t, cluster.ReassignSpec{Topic: name, Partition: 0, Replicas: []int32{b}}),
		kerr.UnknownTopicOrPartition.Code)
}
