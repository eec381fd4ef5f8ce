package safety

import (
	"github.com/twmb/franz-go/pkg/kerr"
)

// Outcome is what the answer to one topic's create or delete proves about
// the cluster's topic set.
//
// The classification must hold for the admin client this package wraps, and
// that client retries: franz-go's kgo resends a CreateTopics or DeleteTopics
// after a broken connection (EOF, reset: a controller killed mid-answer
// breaks exactly this way) and after NOT_CONTROLLER, up to its retry limit.
// So the answer a caller sees may be the answer to the second attempt of a
// request whose first attempt was committed and never answered. Every
// outcome below is stated so that it stays true under such retries.
type Outcome uint8

const (
	// OK: the write took effect at one moment between the call and the
	// return. A retried request cannot produce OK for a write an earlier
	// attempt already made (the retry would find the topic there, or gone),
	// unless another client undid that write in between; see the package
	// doc for that corner.
	OK Outcome = iota
	// Exists: a create answered TOPIC_ALREADY_EXISTS. The controller checked
	// its state and found the topic, so the topic existed at a moment
	// between the call and the return. It does not prove the topic existed
	// before the call: an earlier attempt of this same request, retried by
	// the client, may have created it. The model therefore accepts either
	// state before and requires "exists" after.
	Exists
	// Absent: a delete answered UNKNOWN_TOPIC_OR_PARTITION. By the same
	// reasoning as Exists, the topic was absent at a moment inside the call,
	// perhaps because an earlier attempt of this request deleted it.
	Absent
	// Rejected: the request was refused for what it is, whatever the
	// cluster's state (INVALID_REQUEST, INVALID_PARTITIONS, INVALID_CONFIG,
	// POLICY_VIOLATION, UNSUPPORTED_VERSION, TOPIC_DELETION_DISABLED, the
	// authorization codes). Every attempt of the request would be refused
	// the same way, so it wrote nothing; it says nothing about the state
	// either, and is left out of the model.
	Rejected
	// Unknown: the write may or may not have taken effect, and if it did, at
	// any moment after the call, even after the answer came back. This is
	// every request error (no answer, connection lost, ctx ended) and every
	// code not listed above, in particular:
	//   - REQUEST_TIMED_OUT: the controller stopped waiting, not writing.
	//     ZooKeeper mode answers it when the topic znodes were written but
	//     the brokers had not all confirmed the leaders in time; KRaft mode
	//     when the record was appended but its commit was not seen in time.
	//     Either way the change may still land.
	//   - NOT_CONTROLLER (after the client's own retries ran out): the last
	//     attempt did nothing, but an earlier attempt may have been committed
	//     by the controller that then lost its post.
	//   - INVALID_REPLICATION_FACTOR, INVALID_REPLICA_ASSIGNMENT,
	//     INVALID_TOPIC_EXCEPTION: the answering attempt was refused, but
	//     these depend on the cluster's state (live brokers, a colliding
	//     name), so an earlier attempt under other conditions may have
	//     succeeded. INVALID_TOPIC_EXCEPTION also covers malformed names,
	//     which never succeed; treating those as Unknown too costs nothing.
	//   - UNKNOWN_SERVER_ERROR and any code this list does not know.
	// Unknown is always a safe classification: it can hide a bug but never
	// invent one.
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case OK:
		return "ok"
	case Exists:
		return "exists"
	case Absent:
		return "absent"
	case Rejected:
		return "rejected"
	case Unknown:
		return "unknown"
	}
	return "invalid"
}

// rejectedCodes are decided by the request alone: no state of the cluster,
// and so no earlier attempt of the same request, could have made them
// succeed.
var rejectedCodes = map[int16]bool{
	kerr.InvalidRequest.Code:             true,
	kerr.InvalidPartitions.Code:          true,
	kerr.InvalidConfig.Code:              true,
	kerr.PolicyViolation.Code:            true,
	kerr.UnsupportedVersion.Code:         true,
	kerr.TopicAuthorizationFailed.Code:   true,
	kerr.ClusterAuthorizationFailed.Code: true,
	kerr.TopicDeletionDisabled.Code:      true,
}

// CreateOutcome classifies the code a CreateTopics answer gave one topic.
func CreateOutcome(code int16) Outcome {
	switch {
	case code == 0:
		return OK
	case code == kerr.TopicAlreadyExists.Code:
		return Exists
	case rejectedCodes[code]:
		return Rejected
	}
	return Unknown
}

// DeleteOutcome classifies the code a DeleteTopics answer gave one topic.
// UNKNOWN_TOPIC_ID is not Absent: it answers a delete by id, and an id that
// is unknown says nothing about a topic of the same name.
func DeleteOutcome(code int16) Outcome {
	switch {
	case code == 0:
		return OK
	case code == kerr.UnknownTopicOrPartition.Code:
		return Absent
	case rejectedCodes[code]:
		return Rejected
	}
	return Unknown
}
