package kraftmode

import (
	"errors"
	"fmt"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kbin"
)

// Record is one metadata record of the __cluster_metadata log. The types and
// their API keys are Kafka's (metadata/src/main/resources/common/metadata);
// the fields are the subset kraftbench's image needs.
//
// Each record is framed as Kafka frames metadata records: frame version,
// API key and record version (unsigned varints), then the body. A node refuses
// a record version newer than it knows instead of misreading it.
type Record interface {
	apiKey() int16
	version() int16
	appendBody(dst []byte) []byte
	readBody(r *kbin.Reader, version int16)
}

// Kafka's metadata record API keys.
const (
	keyRegisterBroker           int16 = 0
	keyTopic                    int16 = 2
	keyPartition                int16 = 3
	keyConfig                   int16 = 4
	keyPartitionChange          int16 = 5
	keyRemoveTopic              int16 = 9
	keyBrokerRegistrationChange int16 = 17
	keyNoOp                     int16 = 20
	keyZkMigrationState         int16 = 21
)

// frameVersion is the metadata record frame version (Kafka's is 1).
const frameVersion = 1

// BrokerEndpoint is one listener of a RegisterBrokerRecord.
type BrokerEndpoint struct {
	Name string
	Host string
	Port int32
}

// RegisterBrokerRecord registers (or re-registers) a broker. BrokerEpoch -1
// means "the offset this record commits at", which only the log knows: every
// node that applies the record stamps the same value.
type RegisterBrokerRecord struct {
	BrokerID      int32
	IncarnationID [16]byte
	BrokerEpoch   int64
	Endpoints     []BrokerEndpoint
	Rack          string
	Fenced        bool
}

// TopicRecord creates a topic.
type TopicRecord struct {
	Name    string
	TopicID cluster.TopicID
}

// PartitionRecord creates one partition of a topic.
type PartitionRecord struct {
	PartitionID int32
	TopicID     cluster.TopicID
	Replicas    []int32
	ISR         []int32
	Leader      int32
	LeaderEpoch int32
}

// NoLeaderChange is PartitionChangeRecord.Leader when the leader is unchanged
// (Kafka's NO_LEADER_CHANGE).
const NoLeaderChange int32 = -2

// PartitionChangeRecord changes a partition's ISR and/or leader, and in a
// reassignment its replicas and the replicas being added and removed. A nil
// ISR, Replicas, Adding or Removing is unchanged; a Leader other than
// NoLeaderChange sets the leader and, as in Kafka, bumps the leader epoch
// when applied (PartitionRegistration.merge, 3.9
// metadata/src/main/java/org/apache/kafka/metadata/PartitionRegistration.java),
// even when it names the same leader: that is how a reassignment that drops
// replicas bumps it (PartitionChangeBuilder
// triggerLeaderEpochBumpForReplicaReassignmentIfNeeded). Version 1 carries
// the assignment fields; a record without them is written at version 0, as
// before.
type PartitionChangeRecord struct {
	PartitionID int32
	TopicID     cluster.TopicID
	ISR         []int32
	Leader      int32
	Replicas    []int32
	Adding      []int32
	Removing    []int32
}

// RemoveTopicRecord deletes a topic and its partitions.
type RemoveTopicRecord struct {
	TopicID cluster.TopicID
}

// ConfigResourceTopic is ConfigRecord.ResourceType for a topic (Kafka's
// ConfigResource.Type.TOPIC).
const ConfigResourceTopic int8 = 2

// ConfigRecord sets (Value non-nil) or removes one config of a resource.
type ConfigRecord struct {
	ResourceType int8
	ResourceName string
	Name         string
	Value        *string
}

// Fenced values of a BrokerRegistrationChangeRecord, as Kafka defines them.
const (
	FenceUnfenced int8 = -1
	FenceNoChange int8 = 0
	FenceFenced   int8 = 1
)

// BrokerRegistrationChangeRecord fences or unfences a registered broker.
type BrokerRegistrationChangeRecord struct {
	BrokerID    int32
	BrokerEpoch int64
	Fenced      int8
}

// NoOpRecord carries nothing: the active controller appends one when it takes
// over and when the log has been idle, so the high watermark keeps moving.
type NoOpRecord struct{}

func (*RegisterBrokerRecord) apiKey() int16           { return keyRegisterBroker }
func (*TopicRecord) apiKey() int16                    { return keyTopic }
func (*PartitionRecord) apiKey() int16                { return keyPartition }
func (*ConfigRecord) apiKey() int16                   { return keyConfig }
func (*PartitionChangeRecord) apiKey() int16          { return keyPartitionChange }
func (*RemoveTopicRecord) apiKey() int16              { return keyRemoveTopic }
func (*BrokerRegistrationChangeRecord) apiKey() int16 { return keyBrokerRegistrationChange }
func (*NoOpRecord) apiKey() int16                     { return keyNoOp }

// Every record type is at version 0 of kraftbench's encoding.
func (*RegisterBrokerRecord) version() int16 { return 0 }
func (*TopicRecord) version() int16          { return 0 }
func (*PartitionRecord) version() int16      { return 0 }
func (*ConfigRecord) version() int16         { return 0 }

// maxVersion is the newest PartitionChangeRecord version a node reads.
func (*PartitionChangeRecord) maxVersion() int16 { return 1 }

func (r *PartitionChangeRecord) version() int16 {
	if r.Replicas != nil || r.Adding != nil || r.Removing != nil {
		return 1
	}
	return 0
}
func (*RemoveTopicRecord) version() int16              { return 0 }
func (*BrokerRegistrationChangeRecord) version() int16 { return 0 }
func (*NoOpRecord) version() int16                     { return 0 }

func (r *RegisterBrokerRecord) appendBody(dst []byte) []byte {
	dst = kbin.AppendInt32(dst, r.BrokerID)
	dst = kbin.AppendUuid(dst, r.IncarnationID)
	dst = kbin.AppendInt64(dst, r.BrokerEpoch)
	dst = kbin.AppendCompactArrayLen(dst, len(r.Endpoints))
	for _, e := range r.Endpoints {
		dst = kbin.AppendCompactString(dst, e.Name)
		dst = kbin.AppendCompactString(dst, e.Host)
		dst = kbin.AppendInt32(dst, e.Port)
	}
	dst = kbin.AppendCompactString(dst, r.Rack)
	return kbin.AppendBool(dst, r.Fenced)
}

func (r *RegisterBrokerRecord) readBody(b *kbin.Reader, _ int16) {
	r.BrokerID = b.Int32()
	r.IncarnationID = b.Uuid()
	r.BrokerEpoch = b.Int64()
	n := b.CompactArrayLen()
	for i := int32(0); i < n && b.Ok(); i++ {
		r.Endpoints = append(r.Endpoints, BrokerEndpoint{Name: b.CompactString(), Host: b.CompactString(), Port: b.Int32()})
	}
	r.Rack = b.CompactString()
	r.Fenced = b.Bool()
}

func (r *TopicRecord) appendBody(dst []byte) []byte {
	dst = kbin.AppendCompactString(dst, r.Name)
	return kbin.AppendUuid(dst, r.TopicID)
}

func (r *TopicRecord) readBody(b *kbin.Reader, _ int16) {
	r.Name = b.CompactString()
	r.TopicID = b.Uuid()
}

func (r *PartitionRecord) appendBody(dst []byte) []byte {
	dst = kbin.AppendInt32(dst, r.PartitionID)
	dst = kbin.AppendUuid(dst, r.TopicID)
	dst = appendInt32s(dst, r.Replicas)
	dst = appendInt32s(dst, r.ISR)
	dst = kbin.AppendInt32(dst, r.Leader)
	return kbin.AppendInt32(dst, r.LeaderEpoch)
}

func (r *PartitionRecord) readBody(b *kbin.Reader, _ int16) {
	r.PartitionID = b.Int32()
	r.TopicID = b.Uuid()
	r.Replicas = readInt32s(b)
	r.ISR = readInt32s(b)
	r.Leader = b.Int32()
	r.LeaderEpoch = b.Int32()
}

func (r *PartitionChangeRecord) appendBody(dst []byte) []byte {
	dst = kbin.AppendInt32(dst, r.PartitionID)
	dst = kbin.AppendUuid(dst, r.TopicID)
	dst = kbin.AppendCompactNullableArrayLen(dst, len(r.ISR), r.ISR == nil)
	for _, v := range r.ISR {
		dst = kbin.AppendInt32(dst, v)
	}
	dst = kbin.AppendInt32(dst, r.Leader)
	if r.version() >= 1 {
		for _, ids := range [][]int32{r.Replicas, r.Adding, r.Removing} {
			dst = kbin.AppendCompactNullableArrayLen(dst, len(ids), ids == nil)
			for _, v := range ids {
				dst = kbin.AppendInt32(dst, v)
			}
		}
	}
	return dst
}

func (r *PartitionChangeRecord) readBody(b *kbin.Reader, version int16) {
	r.PartitionID = b.Int32()
	r.TopicID = b.Uuid()
	r.ISR = readInt32s(b)
	r.Leader = b.Int32()
	if version >= 1 {
		r.Replicas, r.Adding, r.Removing = readInt32s(b), readInt32s(b), readInt32s(b)
	}
}

func (r *RemoveTopicRecord) appendBody(dst []byte) []byte     { return kbin.AppendUuid(dst, r.TopicID) }
func (r *RemoveTopicRecord) readBody(b *kbin.Reader, _ int16) { r.TopicID = b.Uuid() }

func (r *ConfigRecord) appendBody(dst []byte) []byte {
	dst = kbin.AppendInt8(dst, r.ResourceType)
	dst = kbin.AppendCompactString(dst, r.ResourceName)
	dst = kbin.AppendCompactString(dst, r.Name)
	return kbin.AppendCompactNullableString(dst, r.Value)
}

func (r *ConfigRecord) readBody(b *kbin.Reader, _ int16) {
	r.ResourceType = b.Int8()
	r.ResourceName = b.CompactString()
	r.Name = b.CompactString()
	r.Value = b.CompactNullableString()
}

func (r *BrokerRegistrationChangeRecord) appendBody(dst []byte) []byte {
	dst = kbin.AppendInt32(dst, r.BrokerID)
	dst = kbin.AppendInt64(dst, r.BrokerEpoch)
	return kbin.AppendInt8(dst, r.Fenced)
}

func (r *BrokerRegistrationChangeRecord) readBody(b *kbin.Reader, _ int16) {
	r.BrokerID = b.Int32()
	r.BrokerEpoch = b.Int64()
	r.Fenced = b.Int8()
}

func (*NoOpRecord) appendBody(dst []byte) []byte { return dst }
func (*NoOpRecord) readBody(*kbin.Reader, int16) {}

// appendInt32s writes a compact nullable array (nil stays nil).
func appendInt32s(dst []byte, vs []int32) []byte {
	dst = kbin.AppendCompactNullableArrayLen(dst, len(vs), vs == nil)
	for _, v := range vs {
		dst = kbin.AppendInt32(dst, v)
	}
	return dst
}

func readInt32s(b *kbin.Reader) []int32 {
	n := b.CompactArrayLen()
	if n < 0 || !b.Ok() {
		return nil
	}
	if int(n)*4 > len(b.Src) {
		b.Src = nil // truncated: let Ok report it
		b.Int32()
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = b.Int32()
	}
	return out
}

// newRecord returns an empty record for an API key.
func newRecord(key int16) Record {
	switch key {
	case keyRegisterBroker:
		return new(RegisterBrokerRecord)
	case keyTopic:
		return new(TopicRecord)
	case keyPartition:
		return new(PartitionRecord)
	case keyConfig:
		return new(ConfigRecord)
	case keyPartitionChange:
		return new(PartitionChangeRecord)
	case keyRemoveTopic:
		return new(RemoveTopicRecord)
	case keyBrokerRegistrationChange:
		return new(BrokerRegistrationChangeRecord)
	case keyNoOp:
		return new(NoOpRecord)
	case keyZkMigrationState:
		return new(ZkMigrationStateRecord)
	}
	return nil
}

// batchVersion is the version of kraftbench's record batch encoding: one
// byte, then the record count (uvarint), then each framed record.
const batchVersion = 1

// errCorrupt marks bytes that are not a record batch this node can read.
var errCorrupt = errors.New("corrupt metadata record batch")

// encodeBatch encodes records as one batch: one Raft entry.
func encodeBatch(recs []Record) []byte {
	dst := make([]byte, 0, 16+32*len(recs))
	dst = append(dst, batchVersion)
	dst = kbin.AppendUvarint(dst, uint32(len(recs)))
	return appendRecordBodies(dst, recs)
}

// appendRecordBodies appends each record framed, without the batch header:
// the accumulator concatenates the records of several appends into one
// batch.
func appendRecordBodies(dst []byte, recs []Record) []byte {
	for _, r := range recs {
		dst = kbin.AppendUvarint(dst, frameVersion)
		dst = kbin.AppendUvarint(dst, uint32(r.apiKey()))
		dst = kbin.AppendUvarint(dst, uint32(r.version()))
		dst = r.appendBody(dst)
	}
	return dst
}

// decodeBatch decodes a batch written by encodeBatch.
func decodeBatch(src []byte) ([]Record, error) {
	if len(src) == 0 || src[0] != batchVersion {
		return nil, fmt.Errorf("%w: unknown batch version", errCorrupt)
	}
	b := &kbin.Reader{Src: src[1:]}
	n := b.Uvarint()
	if !b.Ok() || int(n) > len(b.Src) {
		return nil, fmt.Errorf("%w: bad record count", errCorrupt)
	}
	recs := make([]Record, 0, n)
	for i := uint32(0); i < n; i++ {
		fv, key, ver := b.Uvarint(), int16(b.Uvarint()), int16(b.Uvarint())
		if !b.Ok() {
			return nil, fmt.Errorf("%w: record %d truncated", errCorrupt, i)
		}
		if fv != frameVersion {
			return nil, fmt.Errorf("%w: record %d: frame version %d", errCorrupt, i, fv)
		}
		r := newRecord(key)
		if r == nil {
			return nil, fmt.Errorf("%w: record %d: unknown API key %d", errCorrupt, i, key)
		}
		known := r.version()
		if mv, ok := r.(interface{ maxVersion() int16 }); ok {
			known = mv.maxVersion()
		}
		if ver > known {
			return nil, fmt.Errorf("%w: record %d: %T version %d is newer than this node knows (%d)",
				errCorrupt, i, r, ver, known)
		}
		r.readBody(b, ver)
		if !b.Ok() {
			return nil, fmt.Errorf("%w: record %d (%T) truncated", errCorrupt, i, r)
		}
		recs = append(recs, r)
	}
	if len(b.Src) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(b.Src))
	}
	return recs, nil
}
