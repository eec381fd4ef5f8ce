package kraftmode

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// CreatePartitions as Kafka 3.9's KRaft mode does it: a broker forwards it
// to the active controller (KafkaApis maybeForwardToController), which runs
// ReplicationControlManager.createPartitions
// (metadata/src/main/java/org/apache/kafka/controller/
// ReplicationControlManager.java:1658-1770) as one write event: per topic
// the checks of cluster.PlanAddPartitions, then one PartitionRecord per new
// partition, whose ISR is its replicas that are active (registered,
// unfenced, not in controlled shutdown: ClusterControlManager.isActive)
// and whose leader is the first of them. A manual assignment whose brokers
// are all inactive is INVALID_REPLICA_ASSIGNMENT; placed partitions go only
// to unfenced brokers. Every topic's records commit atomically and the
// answer comes after the commit.
//
// The placement is the rack-unaware one ZooKeeper mode uses
// (cluster.AssignAddedReplicas), not KRaft's StripedReplicaPlacer, as for
// CreateTopics: both modes place alike (docs/fidelity.md).

var _ cluster.PartitionCreator = (*Node)(nil)

// CreatePartitions implements cluster.PartitionCreator: on the active
// controller locally, otherwise forwarded.
func (n *Node) CreatePartitions(ctx context.Context, specs []cluster.PartitionsSpec, validateOnly bool) ([]cluster.TopicResult, error) {
	if n.ctrl != nil && n.ctrl.isActive() {
		res, err := n.ctrl.createPartitions(ctx, specs, validateOnly)
		if !isNotController(err) {
			return res, err
		}
	}
	return n.cli.forwardCreatePartitions(ctx, specs, validateOnly)
}

// More than cluster.MaxRecordsPerUserOp new partitions in one request fail
// it whole, every topic POLICY_VIOLATION (validateOnly too: Kafka builds the
// records either way); a topic over it alone is refused before placement.
func (c *controller) createPartitions(ctx context.Context, specs []cluster.PartitionsSpec, validateOnly bool) ([]cluster.TopicResult, error) {
	out := make([]cluster.TopicResult, len(specs))
	over := false
	_, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		for _, s := range specs {
			if t := st.img.Topics[s.Topic]; t != nil && int64(s.Count)-int64(len(t.Partitions)) > cluster.MaxRecordsPerUserOp {
				over = true
				return nil, nil
			}
		}
		var recs []Record
		n := 0
		registered, live := st.img.BrokerIDs(), st.img.LiveBrokerIDs()
		for i, s := range specs {
			r, err := c.addPartitionsLocked(st, s, registered, live)
			out[i] = cluster.ResultFor(s.Topic, err)
			if err == nil {
				n += len(r)
				if !validateOnly {
					recs = append(recs, r...)
				}
			}
		}
		if over = n > cluster.MaxRecordsPerUserOp; over {
			return nil, nil
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	if over {
		for i, s := range specs {
			out[i] = cluster.ResultFor(s.Topic, cluster.ErrExcessivelyLargeBatch())
		}
	}
	return out, nil
}

// addPartitionsLocked returns the PartitionRecords of one topic's new
// partitions, or its error.
func (c *controller) addPartitionsLocked(st *metaState, s cluster.PartitionsSpec, registered, live []int32) ([]Record, error) {
	t := st.img.Topics[s.Topic]
	added, err := cluster.PlanAddPartitions(t, s, registered, live)
	if err != nil {
		return nil, err
	}
	old := int32(len(t.Partitions))
	recs := make([]Record, 0, len(added))
	for i, reps := range added {
		var isr []int32
		for _, r := range reps {
			if b, ok := st.img.Brokers[r]; ok && !b.Fenced && !c.inShutdownLocked(r) {
				isr = append(isr, r)
			}
		}
		if len(isr) == 0 {
			return nil, cluster.Errorf(kerr.InvalidReplicaAssignment,
				"All brokers specified in the manual partition assignment for partition %d are fenced or in controlled shutdown.", old+int32(i))
		}
		recs = append(recs, &PartitionRecord{PartitionID: old + int32(i), TopicID: t.ID,
			Replicas: slices.Clone(reps), ISR: isr, Leader: isr[0], LeaderEpoch: 0})
	}
	return recs, nil
}

// handleCreatePartitions serves the controller listener: what brokers
// forward and what admin clients bootstrapped on the controllers send.
func (n *Node) handleCreatePartitions(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.CreatePartitionsRequest)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout(req.TimeoutMillis, n.cfg.RequestTimeout))
	defer cancel()
	return front.CreatePartitionsResponse(req.Version, front.RunCreatePartitions(ctx, req, n.ctrl.createPartitions)), nil
}

// forwardCreatePartitions sends CreatePartitions to the active controller.
func (c *ctrlClient) forwardCreatePartitions(ctx context.Context, specs []cluster.PartitionsSpec, validateOnly bool) ([]cluster.TopicResult, error) {
	req := front.CreatePartitionsRequestFor(specs, validateOnly, timeoutMillis(ctx, c.timeout))
	resp, err := c.do(ctx, req, func(r kmsg.Response) verdict {
		var codes []int16
		for _, t := range r.(*kmsg.CreatePartitionsResponse).Topics {
			codes = append(codes, t.ErrorCode)
		}
		return verdict{retry: allNotController(codes), leader: -1}
	})
	if err != nil {
		return nil, err
	}
	return front.PartitionsResultsFrom(resp.(*kmsg.CreatePartitionsResponse)), nil
}
