package kraftmode

import (
	"context"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
)

// createTopics is CreateTopics on the active controller: validation and
// placement by cluster.PlanCreate against the pending state, then one Raft
// entry holding every valid topic's TopicRecord, ConfigRecords and
// PartitionRecords, committed atomically. It answers after the commit. A
// request of more than cluster.MaxRecordsPerUserOp records fails whole,
// every topic POLICY_VIOLATION, as Kafka's; one topic over it is refused
// before it is placed (where Kafka places it first, and a topic whose
// earlier checks fail would get their error there).
func (c *controller) createTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	results := make([]cluster.TopicResult, len(specs))
	if d := c.cfg.TestCommitDelay; d > 0 { // test-only: zero in real runs
		sleep(ctx, d)
	}
	tooLarge := func() ([]cluster.TopicResult, error) {
		for i, s := range specs {
			results[i] = cluster.ResultFor(s.Name, cluster.ErrExcessivelyLargeBatch())
		}
		return results, nil
	}
	for _, s := range specs {
		if cluster.CreateRecordsAtLeast(s, c.cfg.Defaults) > cluster.MaxRecordsPerUserOp {
			return tooLarge()
		}
	}
	over := false
	_, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		plans := cluster.PlanCreate(st.img, specs, c.cfg.Defaults, c.rng)
		var recs []Record
		for i, p := range plans {
			if p.Err != nil {
				results[i] = cluster.ResultFor(specs[i].Name, p.Err)
				continue
			}
			t := p.Topic
			results[i] = cluster.TopicResult{Name: t.Name, ID: t.ID,
				NumPartitions: int32(len(t.Partitions)), ReplicationFactor: t.ReplicationFactor()}
			recs = append(recs, topicRecords(t)...)
		}
		if over = len(recs) > cluster.MaxRecordsPerUserOp; over {
			return nil, nil
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	if over {
		return tooLarge()
	}
	return results, nil
}

// deleteTopics is DeleteTopics on the active controller: one
// RemoveTopicRecord per existing topic, all in one entry.
func (c *controller) deleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	var results []cluster.TopicResult
	_, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		results = cluster.PlanDelete(st.img, names)
		var recs []Record
		for i, r := range results {
			if r.Code != 0 {
				continue
			}
			if c.cfg.DisableTopicDelete {
				results[i] = cluster.ResultFor(r.Name, cluster.Errorf(kerr.TopicDeletionDisabled,
					"Topic deletion is disabled."))
				continue
			}
			recs = append(recs, &RemoveTopicRecord{TopicID: r.ID})
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}
