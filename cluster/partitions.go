package cluster

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// PartitionsSpec is one topic of a CreatePartitions request: the total
// partition count wanted, and optionally the replicas of each new partition
// (nil: Kafka places them).
type PartitionsSpec struct {
	Topic      string
	Count      int32
	Assignment [][]int32
}

// PartitionCreator is the optional extra of a node that adds partitions to
// existing topics: Kafka's CreatePartitions, as kafka-topics.sh --alter
// --partitions and the admin clients send it. Both modes implement it; the
// front checks for it by type assertion.
//
// CreatePartitions checks (or with validateOnly only checks) each spec and
// returns one result per spec, in order, with Kafka's codes
// (UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS,
// INVALID_REPLICA_ASSIGNMENT, INVALID_REPLICATION_FACTOR). It blocks until
// the new partitions are visible as the mode defines it (ZooKeeper mode:
// the handling broker's cache has a leader for each, DelayedCreatePartitions;
// KRaft mode: the PartitionRecords committed) or ctx ends
// (REQUEST_TIMED_OUT on the topics not done). A non-nil error fails the
// whole request (NOT_CONTROLLER). Safe for concurrent use.
type PartitionCreator interface {
	CreatePartitions(ctx context.Context, specs []PartitionsSpec, validateOnly bool) ([]TopicResult, error)
}

// PlanAddPartitions checks growing topic t (nil when it does not exist) as
// s asks, and returns the replicas of the new partitions. registered are
// the brokers a manual assignment may name, placeable those Kafka places
// new replicas on. The checks and messages are ZooKeeper mode's (Kafka 3.9
// core/src/main/scala/kafka/server/ZkAdminManager.scala createPartitions,
// AdminZkClient.scala createNewPartitionsAssignment and
// validateReplicaAssignment); the KRaft controller's
// (ReplicationControlManager.createPartitions) give the same codes in the
// same cases:
//
//   - an unknown topic is UNKNOWN_TOPIC_OR_PARTITION;
//   - a count at or below today's is INVALID_PARTITIONS;
//   - a manual assignment naming an unregistered broker, giving another
//     number of partitions than are added, an empty or duplicated replica
//     list, or a replication factor other than partition 0's is
//     INVALID_REPLICA_ASSIGNMENT;
//   - without one, the new partitions are placed by AssignAddedReplicas
//     with partition 0's replication factor, INVALID_REPLICATION_FACTOR
//     when fewer brokers can take them.
func PlanAddPartitions(t *Topic, s PartitionsSpec, registered, placeable []int32) ([][]int32, error) {
	if t == nil || len(t.Partitions) == 0 {
		return nil, Errorf(kerr.UnknownTopicOrPartition, "The topic '%s' does not exist.", s.Topic)
	}
	old := int32(len(t.Partitions))
	switch {
	case s.Count < old:
		return nil, Errorf(kerr.InvalidPartitions,
			"Topic currently has %d partitions, which is higher than the requested %d.", old, s.Count)
	case s.Count == old:
		return nil, Errorf(kerr.InvalidPartitions, "Topic already has %d partitions.", old)
	}
	add := s.Count - old
	rf := len(t.Partitions[0].Replicas)
	if s.Assignment == nil {
		if len(placeable) < rf {
			return nil, Errorf(kerr.InvalidReplicationFactor,
				"Replication factor: %d larger than available brokers: %d.", rf, len(placeable))
		}
		return AssignAddedReplicas(placeable, t.Partitions[0].Replicas[0], old, add, int16(rf)), nil
	}
	var unknown []string
	seen := map[int32]bool{}
	for _, reps := range s.Assignment {
		for _, r := range reps {
			if !slices.Contains(registered, r) && !seen[r] {
				seen[r] = true
				unknown = append(unknown, strconv.Itoa(int(r)))
			}
		}
	}
	if len(unknown) > 0 {
		return nil, Errorf(kerr.InvalidReplicaAssignment, "Unknown broker(s) in replica assignment: %s.", strings.Join(unknown, ", "))
	}
	if int32(len(s.Assignment)) != add {
		return nil, Errorf(kerr.InvalidReplicaAssignment,
			"Increasing the number of partitions by %d but %d assignments provided.", add, len(s.Assignment))
	}
	out := make([][]int32, len(s.Assignment))
	for i, reps := range s.Assignment {
		id := old + int32(i)
		if len(reps) == 0 {
			return nil, Errorf(kerr.InvalidReplicaAssignment, "Cannot have replication factor of 0 for partition id %d.", id)
		}
		if len(reps) != len(dedup(reps)) {
			return nil, Errorf(kerr.InvalidReplicaAssignment,
				"Duplicate brokers not allowed in replica assignment: %s for partition id %d.", joinIDs(reps), id)
		}
		if len(reps) != rf {
			return nil, Errorf(kerr.InvalidReplicaAssignment,
				"Inconsistent replication factor between partitions, partition 0 has %d while partitions [%d] have replication factors [%d], respectively.",
				rf, id, len(reps))
		}
		out[i] = slices.Clone(reps)
	}
	return out, nil
}

func dedup(ids []int32) []int32 {
	c := slices.Clone(ids)
	slices.Sort(c)
	return slices.Compact(c)
}

func joinIDs(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ", ")
}

// PartitionAdmin is the optional extra of an Admin that adds partitions
// over the Kafka protocol (cluster/admin implements it): one
// CreatePartitions request, routed to the controller as Kafka's admin
// client routes it. Per-topic errors come back in the results. Safe for
// concurrent use.
type PartitionAdmin interface {
	CreatePartitions(ctx context.Context, specs []PartitionsSpec, validateOnly bool) ([]TopicResult, error)
}
