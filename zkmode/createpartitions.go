package zkmode

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// CreatePartitions is Kafka 3.9's ZooKeeper-mode path
// (core/src/main/scala/kafka/server/ZkAdminManager.scala:307-400,
// core/src/main/scala/kafka/zk/AdminZkClient.scala:219-308): only the
// controller takes it (KafkaApis answers NOT_CONTROLLER elsewhere). It reads
// every broker registration (getBrokerMetadatas: the children of
// /brokers/ids and a getData of each), then per topic, in turn, the topic
// znode (getFullReplicaAssignmentForTopics), checks and places the new
// partitions (cluster.PlanAddPartitions) and, unless validateOnly, rewrites
// the topic znode with the whole assignment (writeTopicPartitionAssignment
// with isUpdate: a setData of any version). The controller's watch on the
// topic znode then creates the new partitions (onPartitionModification).
// The answer waits, as DelayedCreatePartitions does, until the controller's
// own broker serves a leader for every partition of the topic, or ctx ends
// (REQUEST_TIMED_OUT).

var _ cluster.PartitionCreator = (*Node)(nil)

// CreatePartitions implements cluster.PartitionCreator (see above).
func (n *Node) CreatePartitions(ctx context.Context, specs []cluster.PartitionsSpec, validateOnly bool) ([]cluster.TopicResult, error) {
	if n.forwardTo() != nil {
		return nil, cluster.Errorf(kerr.NotController, "a KRaft controller is active: kraftbench does not forward CreatePartitions during a migration")
	}
	if err := n.CheckWrite(); err != nil {
		return nil, err
	}
	brokers, err := n.registeredBrokers()
	if err != nil {
		return nil, err
	}
	results := make([]cluster.TopicResult, len(specs))
	waits := make([]chan int16, len(specs))
	for i, s := range specs {
		results[i] = cluster.TopicResult{Name: s.Topic}
		t, err := n.readAssignment(s.Topic)
		if err == nil && t != nil && beingReassigned(t) {
			err = cluster.Errorf(kerr.ReassignmentInProgress, "A partition reassignment is in progress for the topic '%s'.", s.Topic)
		}
		if err == nil && t != nil && len(t.Partitions) > 0 && s.Assignment == nil && s.Count > int32(len(t.Partitions)) {
			// refused before placing what the znode could not hold
			err = cluster.ErrAssignmentTooLarge(s.Topic, int64(s.Count), len(t.Partitions[0].Replicas))
		}
		if err == nil {
			var added [][]int32
			if added, err = cluster.PlanAddPartitions(t, s, brokers, brokers); err == nil && !validateOnly {
				waits[i] = n.ctrl.waiters.add(createWait, s.Topic)
				if err = n.writeAssignment(t, added); err != nil {
					n.ctrl.waiters.remove(createWait, s.Topic, waits[i])
					waits[i] = nil
				}
			}
		}
		if err != nil {
			results[i] = cluster.ResultFor(s.Topic, err)
		}
	}
	n.await(ctx, createWait, results, waits)
	return results, nil
}

// beingReassigned is ZkAdminManager.createPartitions's refusal
// (ZkAdminManager.scala:320-326 at 3.9): a topic with any partition whose
// adding or removing replicas are not empty (ReplicaAssignment.isBeingReassigned,
// ControllerContext.scala:49) takes no new partitions while the move runs.
// KRaft has no such check (ReplicationControlManager.createPartitions).
func beingReassigned(t *cluster.Topic) bool {
	return slices.ContainsFunc(t.Partitions, cluster.Partition.IsReassigning)
}

// registeredBrokers is AdminZkClient.getBrokerMetadatas: the ids under
// /brokers/ids whose registration could be read, sorted.
func (n *Node) registeredBrokers() ([]int32, error) {
	kids, err := n.z.Children(zkmeta.BrokerIDsPath)
	if err != nil {
		return nil, err
	}
	ids := make([]int32, 0, len(kids))
	paths := make([]string, 0, len(kids))
	for _, k := range kids {
		id, err := strconv.ParseInt(k, 10, 32)
		if err != nil {
			continue
		}
		ids = append(ids, int32(id))
		paths = append(paths, zkmeta.BrokerPath(int32(id)))
	}
	var out []int32
	for i, r := range n.z.GetMany(paths, n.cfg.MaxInFlightRequests) {
		if r.Err == nil {
			out = append(out, ids[i])
		} else if !errors.Is(r.Err, zk.ErrNoNode) {
			return nil, r.Err
		}
	}
	slices.Sort(out)
	return out, nil
}

// readAssignment reads the topic znode; nil (no error) when it is absent.
func (n *Node) readAssignment(topic string) (*cluster.Topic, error) {
	b, _, err := n.z.Get(zkmeta.TopicPath(topic))
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// A partition being reassigned keeps its adding and removing replicas,
	// so the rewrite keeps them (getFullReplicaAssignmentForTopics).
	id, parts, err := zkmeta.DecodeTopicPartitions(topic, b)
	if err != nil {
		return nil, err
	}
	return &cluster.Topic{Name: topic, ID: id, Partitions: parts}, nil
}

// writeAssignment is createPartitionsWithAssignment: the existing and the
// added partitions in one setData of the topic znode.
func (n *Node) writeAssignment(t *cluster.Topic, added [][]int32) error {
	all := t.Clone()
	for _, reps := range added {
		all.Partitions = append(all.Partitions, cluster.Partition{ID: int32(len(all.Partitions)), Replicas: reps})
	}
	_, err := n.z.Set(zkmeta.TopicPath(t.Name), zkmeta.EncodeTopic(all), -1)
	return err
}
