package kraftmode

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kbin"
)

func allRecords() []Record {
	v := "60000"
	return []Record{
		&RegisterBrokerRecord{BrokerID: 4, IncarnationID: [16]byte{9}, BrokerEpoch: -1,
			Endpoints: []BrokerEndpoint{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 9092}}, Rack: "r1", Fenced: true},
		&TopicRecord{Name: "orders", TopicID: cluster.TopicID{1, 2}},
		&ConfigRecord{ResourceType: ConfigResourceTopic, ResourceName: "orders", Name: "retention.ms", Value: &v},
		&ConfigRecord{ResourceType: ConfigResourceTopic, ResourceName: "orders", Name: "cleanup.policy"},
		&PartitionRecord{PartitionID: 0, TopicID: cluster.TopicID{1, 2}, Replicas: []int32{4, 5, 6}, ISR: []int32{4, 5, 6}, Leader: 4},
		&PartitionChangeRecord{PartitionID: 0, TopicID: cluster.TopicID{1, 2}, ISR: []int32{5, 6}, Leader: 5},
		&PartitionChangeRecord{PartitionID: 0, TopicID: cluster.TopicID{1, 2}, Leader: NoLeaderChange},
		&BrokerRegistrationChangeRecord{BrokerID: 4, BrokerEpoch: 12, Fenced: FenceUnfenced},
		&RemoveTopicRecord{TopicID: cluster.TopicID{1, 2}},
		&NoOpRecord{},
	}
}

func TestBatchRoundTrip(t *testing.T) {
	in := allRecords()
	out, err := decodeBatch(encodeBatch(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the records:\n in  %#v\n out %#v", in, out)
	}
}

func TestDecodeBatchRejects(t *testing.T) {
	good := encodeBatch(allRecords())
	one := encodeBatch(allRecords()[:1])
	newer := append([]byte{batchVersion}, kbin.AppendUvarint(nil, 1)...)
	newer = kbin.AppendUvarint(newer, frameVersion)
	newer = kbin.AppendUvarint(newer, uint32(keyTopic))
	newer = kbin.AppendUvarint(newer, 7) // TopicRecord v7: from a newer node
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"empty":          {nil, "batch version"},
		"truncated":      {one[:len(one)-3], "truncated"},
		"trailing bytes": {append(append([]byte{}, good...), 0), "trailing"},
		"unknown key":    {[]byte{batchVersion, 1, frameVersion, 99, 0}, "unknown API key 99"},
		"newer version":  {newer, "newer than this node knows"},
	} {
		_, err := decodeBatch(tc.b)
		if !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

// Replaying records builds the image Kafka would: the broker epoch is the
// registration's offset, a leader change bumps the epoch, an ISR-only change
// does not, and images published before a batch are left untouched.
func TestApplyRecords(t *testing.T) {
	st := newMetaState("c")
	recs := allRecords()
	if err := newApplier(st, true).apply(7, recs[:5]); err != nil {
		t.Fatal(err)
	}
	before := st.img
	if b := before.Brokers[4]; b.Epoch != 7 || !b.Fenced || b.Rack != "r1" {
		t.Fatalf("broker %+v", b)
	}
	if tp := before.Topics["orders"]; tp.Configs["retention.ms"] != "60000" || len(tp.Configs) != 1 {
		t.Fatalf("configs %v", tp.Configs)
	}
	if err := newApplier(st, true).apply(8, recs[5:8]); err != nil {
		t.Fatal(err)
	}
	p := st.img.Topics["orders"].Partitions[0]
	if p.Leader != 5 || p.LeaderEpoch != 1 || !reflect.DeepEqual(p.ISR, []int32{5, 6}) || st.img.Brokers[4].Fenced {
		t.Fatalf("after change: %+v fenced=%v", p, st.img.Brokers[4].Fenced)
	}
	if old := before.Topics["orders"].Partitions[0]; old.Leader != 4 || len(old.ISR) != 3 || !before.Brokers[4].Fenced {
		t.Fatalf("the earlier image was mutated: %+v", old)
	}
	if err := newApplier(st, true).apply(9, recs[8:]); err != nil {
		t.Fatal(err)
	}
	if len(st.img.Topics) != 0 || len(st.ids) != 0 || st.img.Offset != 9 {
		t.Fatalf("after RemoveTopicRecord: %v, ids %v, offset %d", st.img.TopicNames(), st.ids, st.img.Offset)
	}
	if err := newApplier(st, true).apply(10, []Record{&PartitionChangeRecord{TopicID: cluster.TopicID{7}}}); err == nil {
		t.Fatal("a change to an unknown topic was applied without error")
	}
}

// An entry of NoOpRecords moves the offset without copying the image's maps;
// the published image keeps its offset.
func TestNoOpBatchDoesNotCopyImage(t *testing.T) {
	st := newMetaState("c")
	if err := newApplier(st, true).apply(3, allRecords()[:5]); err != nil {
		t.Fatal(err)
	}
	published := st.img
	if err := newApplier(st, true).apply(4, []Record{&NoOpRecord{}}); err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(st.img.Topics).Pointer() != reflect.ValueOf(published.Topics).Pointer() {
		t.Fatal("a NoOpRecord copied the topic map")
	}
	if st.img.Offset != 4 || published.Offset != 3 {
		t.Fatalf("offsets: new %d, published %d", st.img.Offset, published.Offset)
	}
}
