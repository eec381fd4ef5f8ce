package front

import (
	"context"

	"github.com/kraftbench/kraftbench/cluster"
)

// The fake's CreatePartitions, for tests only: the controller node plans
// with cluster.PlanAddPartitions against the committed image and commits
// the new partitions (leader the first replica, every replica in the ISR);
// the answer waits until every node serves them, as the fake's CreateTopics
// does.

var _ cluster.PartitionCreator = (*fakeNode)(nil)

func (n *fakeNode) CreatePartitions(ctx context.Context, specs []cluster.PartitionsSpec, validateOnly bool) ([]cluster.TopicResult, error) {
	if err := n.CheckWrite(); err != nil {
		return nil, err
	}
	fc := n.fc
	fc.mu.Lock()
	for _, s := range specs {
		// as KRaft, refused before placement (cluster.MaxRecordsPerUserOp);
		// placing two billion partitions hung the fuzz target
		if t := fc.img.Topics[s.Topic]; t != nil && int64(s.Count)-int64(len(t.Partitions)) > cluster.MaxRecordsPerUserOp {
			fc.mu.Unlock()
			return nil, cluster.ErrExcessivelyLargeBatch()
		}
	}
	next := fc.img.Clone()
	live := next.LiveBrokerIDs()
	out := make([]cluster.TopicResult, len(specs))
	for i, s := range specs {
		t := next.Topics[s.Topic]
		added, err := cluster.PlanAddPartitions(t, s, next.BrokerIDs(), live)
		out[i] = cluster.ResultFor(s.Topic, err)
		if err != nil || validateOnly {
			continue
		}
		c := t.Clone()
		for _, reps := range added {
			c.Partitions = append(c.Partitions, cluster.Partition{ID: int32(len(c.Partitions)), Replicas: reps,
				ISR: append([]int32(nil), reps...), Leader: reps[0]})
		}
		next.Topics[s.Topic] = c
	}
	if validateOnly {
		fc.mu.Unlock()
		return out, nil
	}
	fc.commitLocked(next)
	fc.mu.Unlock()
	if err := fc.waitApplied(ctx, next.Offset); err != nil {
		return nil, err
	}
	return out, nil
}
