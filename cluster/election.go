package cluster

import "context"

// TopicPartitions names some partitions of one topic, as ElectLeaders
// carries them.
type TopicPartitions struct {
	Topic      string
	Partitions []int32
}

// PartitionElection is the outcome of an election for one partition. Code
// is a Kafka error code (0 when the partition got its new leader), Message
// says why (empty when Kafka sends none).
type PartitionElection struct {
	Partition int32
	Code      int16
	Message   string
}

// TopicElection is the outcome for the partitions of one topic.
type TopicElection struct {
	Topic      string
	Partitions []PartitionElection
}

// LeaderElector is the optional extra of a node that elects preferred
// leaders on request: Kafka's ElectLeaders with election type PREFERRED, as
// kafka-leader-election.sh and the admin clients send it. Both modes
// implement it; the front checks for it by type assertion.
//
// ElectPreferredLeaders moves the leadership of each named partition to its
// preferred replica (the first of its assignment) where that replica may
// lead (live, in the ISR). parts nil means every partition; the results then
// leave out the partitions whose preferred replica leads already, as Kafka
// does. Which topics and partitions are listed, in which order, and with
// which codes (ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
// UNKNOWN_TOPIC_OR_PARTITION, NOT_CONTROLLER, REQUEST_TIMED_OUT) follow the
// mode's Kafka code. It blocks until the elections are visible as the mode
// defines it (ZooKeeper mode: in the handling broker's cache; KRaft mode:
// committed) or ctx ends. A non-nil error fails the whole request (for
// example NOT_CONTROLLER in KRaft mode); no results come with it.
//
// Safe for concurrent use.
type LeaderElector interface {
	ElectPreferredLeaders(ctx context.Context, parts []TopicPartitions) ([]TopicElection, error)
}
