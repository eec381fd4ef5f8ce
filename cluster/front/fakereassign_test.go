package front

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// The fake's reassignments, for tests only: the controller node checks each
// spec as KRaft's ReplicationControlManager does and commits the target at
// once (replicas, ISR, leader the first target replica), so nothing is ever
// listed in progress; the answer waits until every node serves it.

var _ cluster.Reassigner = (*fakeNode)(nil)

func (n *fakeNode) AlterPartitionReassignments(ctx context.Context, specs []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
	if err := n.CheckWrite(); err != nil {
		return nil, err
	}
	fc := n.fc
	fc.mu.Lock()
	next := fc.img.Clone()
	out := make([]cluster.PartitionResult, len(specs))
	for i, s := range specs {
		out[i] = cluster.PartitionResult{Topic: s.Topic, Partition: s.Partition}
		t := next.Topics[s.Topic]
		var err *cluster.Error
		switch {
		case t == nil || s.Partition < 0 || int(s.Partition) >= len(t.Partitions):
			err = cluster.Errorf(kerr.UnknownTopicOrPartition, "Unable to find partition %s:%d.", s.Topic, s.Partition)
		case s.Replicas == nil:
			err = cluster.Errorf(kerr.NoReassignmentInProgress, "No partition reassignment is in progress.")
		case len(s.Replicas) == 0:
			err = cluster.Errorf(kerr.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
		case len(slices.Compact(slices.Sorted(slices.Values(s.Replicas)))) != len(s.Replicas):
			err = cluster.Errorf(kerr.InvalidReplicaAssignment, "The manual partition assignment includes a broker more than once.")
		default:
			for _, r := range s.Replicas {
				if _, ok := next.Brokers[r]; !ok {
					err = cluster.Errorf(kerr.InvalidReplicaAssignment, "The manual partition assignment includes broker %d, but no such broker is registered.", r)
					break
				}
			}
		}
		if err != nil {
			out[i].Code, out[i].Message = err.Code, err.Message
			continue
		}
		c := t.Clone()
		p := &c.Partitions[s.Partition]
		p.Replicas, p.ISR, p.Leader = slices.Clone(s.Replicas), slices.Clone(s.Replicas), s.Replicas[0]
		p.LeaderEpoch++
		next.Topics[s.Topic] = c
	}
	fc.commitLocked(next)
	fc.mu.Unlock()
	if err := fc.waitApplied(ctx, next.Offset); err != nil {
		return nil, err
	}
	return out, nil
}

func (n *fakeNode) ListPartitionReassignments(context.Context, []cluster.TopicPartitions) ([]cluster.Reassignment, error) {
	if err := n.CheckWrite(); err != nil {
		return nil, err
	}
	return nil, nil
}
