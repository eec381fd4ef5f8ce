package cluster

import (
	"context"
	"slices"
	"strings"
)

// ReassignSpec is one partition of an AlterPartitionReassignments request:
// the target replicas, in the order wanted (the first is the preferred
// leader), or nil to cancel the partition's reassignment in progress.
type ReassignSpec struct {
	Topic     string
	Partition int32
	Replicas  []int32
}

// PartitionResult is one partition's answer, with a Kafka error code (0 on
// success) and Kafka's message.
type PartitionResult struct {
	Topic     string
	Partition int32
	Code      int16
	Message   string
}

// Reassignment is one partition in a reassignment, as
// ListPartitionReassignments answers it: the full replica set during the
// move (target replicas first, then the ones being removed), and the
// replicas being added and removed.
type Reassignment struct {
	Topic     string
	Partition int32
	Replicas  []int32
	Adding    []int32
	Removing  []int32
}

// Reassigner is the optional extra of a node that moves partition
// replicas between brokers: Kafka's AlterPartitionReassignments and
// ListPartitionReassignments (KIP-455), as kafka-reassign-partitions.sh
// and the admin clients send them. Both modes implement it; the front
// checks for it by type assertion.
//
// AlterPartitionReassignments starts (or with a nil Replicas cancels) each
// spec's reassignment and answers once each is accepted, not when it is
// done, with one result per spec, in order (UNKNOWN_TOPIC_OR_PARTITION,
// INVALID_REPLICA_ASSIGNMENT, NO_REASSIGNMENT_IN_PROGRESS); ZooKeeper mode
// answers a partition named twice once, for its last spec, as KafkaApis'
// toMap does, in the order partitions first appear. A non-nil
// error fails the whole request (NOT_CONTROLLER, REQUEST_TIMED_OUT).
//
// ListPartitionReassignments answers the partitions of which that are being
// reassigned (nil which: every one), sorted by topic and partition.
//
// Safe for concurrent use.
type Reassigner interface {
	AlterPartitionReassignments(ctx context.Context, specs []ReassignSpec) ([]PartitionResult, error)
	ListPartitionReassignments(ctx context.Context, which []TopicPartitions) ([]Reassignment, error)
}

// ReassignAdmin is the optional extra of an Admin that reassigns over the
// Kafka protocol (cluster/admin implements it), each call one request sent
// to the controller as Kafka's admin client sends it.
type ReassignAdmin interface {
	AlterPartitionReassignments(ctx context.Context, specs []ReassignSpec) ([]PartitionResult, error)
	ListPartitionReassignments(ctx context.Context, which []TopicPartitions) ([]Reassignment, error)
}

// OriginReplicas are the replicas a partition had before its reassignment
// in progress: its replicas less the ones being added (Kafka 3.9
// core/src/main/scala/kafka/controller/ControllerContext.scala
// ReplicaAssignment.originReplicas; KRaft's PartitionReassignmentRevert
// keeps the same set).
func OriginReplicas(replicas, adding []int32) []int32 {
	out := make([]int32, 0, len(replicas))
	for _, r := range replicas {
		if !slices.Contains(adding, r) {
			out = append(out, r)
		}
	}
	return out
}

// ReassignTo is the replica set of a partition whose replicas are replicas
// (adding being added, if a reassignment is in progress) once target is
// requested, as both modes compute it (ReplicaAssignment.reassignTo in
// ZooKeeper mode; PartitionReassignmentReplicas in KRaft, which gives the
// same sets): the full set is the target followed by the origin replicas
// not in it, adding is target less origin, removing origin less target.
func ReassignTo(replicas, adding, target []int32) (full, add, remove []int32) {
	origin := OriginReplicas(replicas, adding)
	full = slices.Clone(target)
	for _, r := range origin {
		if !slices.Contains(target, r) {
			full = append(full, r)
			remove = append(remove, r)
		}
	}
	for _, r := range target {
		if !slices.Contains(origin, r) {
			add = append(add, r)
		}
	}
	return full, add, remove
}

// IsReassigning reports whether p has a reassignment in progress.
func (p Partition) IsReassigning() bool { return len(p.Adding) > 0 || len(p.Removing) > 0 }

// Target is the replica set a partition in reassignment moves to: its
// replicas less the ones being removed.
func (p Partition) Target() []int32 { return OriginReplicas(p.Replicas, p.Removing) }

// SortReassignments sorts rs by topic, then partition.
func SortReassignments(rs []Reassignment) {
	slices.SortFunc(rs, func(a, b Reassignment) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition - b.Partition)
	})
}

// Err is r's error: nil on success, else a *Error with its code.
func (r PartitionResult) Err() error {
	if r.Code == 0 {
		return nil
	}
	return &Error{Code: r.Code, Message: r.Message}
}

// ContainsAll reports whether set holds every id of of.
func ContainsAll(set, of []int32) bool {
	for _, r := range of {
		if !slices.Contains(set, r) {
			return false
		}
	}
	return true
}

// SameSet reports whether a and b hold the same ids, in any order (neither
// holds one twice).
func SameSet(a, b []int32) bool { return len(a) == len(b) && ContainsAll(b, a) }

// IDs is a copy of ids that is never nil: an empty list where ids is nil.
// Kafka's records and responses tell an empty replica list (set, none) from
// an absent one, so the adding and removing lists a mode writes or answers
// go through it.
func IDs(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return slices.Clone(ids)
}
