package cluster

import (
	"github.com/twmb/franz-go/pkg/kerr"
)

// The two modes bound how much one request may create differently, and
// both bound it before the work that would not fit: a CreateTopics or
// CreatePartitions of two billion partitions must be refused, not placed
// (the front's fuzzing found that placing it hung the node).

// MaxRecordsPerUserOp is KRaft's bound on the records one request appends:
// QuorumController.MAX_RECORDS_PER_USER_OP = MAX_RECORDS_PER_BATCH = 10000
// (metadata/src/main/java/org/apache/kafka/controller/QuorumController.java
// :184, :191 at 3.9). ReplicationControlManager collects createTopics' and
// createPartitions' records in a BoundedList of that length (:593, :1726);
// one more throws BoundedListTooLongException, which fails the whole
// request as POLICY_VIOLATION (EventHandlerExceptionInfo.java:83-88).
const MaxRecordsPerUserOp = 10000

// ErrExcessivelyLargeBatch is the error of a request over
// MaxRecordsPerUserOp, with Kafka's message.
func ErrExcessivelyLargeBatch() *Error {
	return Errorf(kerr.PolicyViolation, "Unable to perform excessively large batch operation.")
}

// CreateRecordsAtLeast is how many records KRaft's createTopics appends
// for spec if it passes its checks: its TopicRecord, a PartitionRecord per
// partition and a ConfigRecord per config. -1 counts resolve to d.
func CreateRecordsAtLeast(spec TopicSpec, d Defaults) int64 {
	n, _ := spec.counts(d)
	return 1 + max(n, 0) + int64(len(spec.Configs))
}

// counts are spec's partitions and replication factor with -1 resolved to
// d, or the manual assignment's partition count (and rf 0).
func (spec TopicSpec) counts(d Defaults) (partitions int64, rf int) {
	if len(spec.Assignment) > 0 {
		return int64(len(spec.Assignment)), 0
	}
	partitions, rf = int64(spec.NumPartitions), int(spec.ReplicationFactor)
	if partitions == -1 {
		partitions = int64(d.NumPartitions)
	}
	if rf == -1 {
		rf = int(d.ReplicationFactor)
	}
	return partitions, rf
}

// ErrTopicAssignmentTooLarge is ErrAssignmentTooLarge for a CreateTopics
// spec placed by Kafka (a manual assignment is already in the request).
func ErrTopicAssignmentTooLarge(spec TopicSpec, d Defaults) error {
	if len(spec.Assignment) > 0 {
		return nil
	}
	partitions, rf := spec.counts(d)
	return ErrAssignmentTooLarge(spec.Name, partitions, rf)
}

// JuteMaxBuffer is ZooKeeper's jute.maxbuffer default (0xfffff bytes): the
// largest znode a ZooKeeper server accepts. ZooKeeper mode keeps a topic's
// whole assignment in one znode, /brokers/topics/<t>.
const JuteMaxBuffer = 0xfffff

// ErrAssignmentTooLarge is ZooKeeper mode's refusal of a topic whose
// assignment znode could not fit in jute.maxbuffer, or nil. The bound is a
// lower one on the znode's JSON, at least `"p":[b,...],` (6 bytes and 2 a
// replica) a partition, so what it refuses ZooKeeper would refuse too; Kafka
// finds out only at the write, after placing every partition, and answers
// the ZooKeeper client's failure as UNKNOWN_SERVER_ERROR.
func ErrAssignmentTooLarge(topic string, partitions int64, rf int) error {
	if partitions*int64(6+2*max(rf, 1)) <= JuteMaxBuffer {
		return nil
	}
	return Errorf(kerr.UnknownServerError,
		"The assignment of %d partitions of topic '%s' exceeds ZooKeeper's jute.maxbuffer (%d bytes).", partitions, topic, JuteMaxBuffer)
}
