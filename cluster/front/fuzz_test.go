package front

import (
	"context"
	"encoding/binary"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// errorCounter is a slog.Handler counting error records: the server logs a
// recovered handler panic at error level, which the fuzz target turns into a
// failure (the recovery would otherwise hide it).
type errorCounter struct{ n atomic.Int64 }

func (e *errorCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (e *errorCounter) Handle(context.Context, slog.Record) error    { e.n.Add(1); return nil }
func (e *errorCounter) WithAttrs([]slog.Attr) slog.Handler           { return e }
func (e *errorCounter) WithGroup(string) slog.Handler                { return e }

// fuzzNode is the fake quorum node with preferred-leader elections too, so
// that every API the front serves is registered: each asked partition is
// answered as elected.
type fuzzNode struct{ *fakeQuorumNode }

func (n fuzzNode) ElectPreferredLeaders(_ context.Context, parts []cluster.TopicPartitions) ([]cluster.TopicElection, error) {
	out := make([]cluster.TopicElection, 0, len(parts))
	for _, tp := range parts {
		e := cluster.TopicElection{Topic: tp.Topic}
		for _, p := range tp.Partitions {
			e.Partitions = append(e.Partitions, cluster.PartitionElection{Partition: p})
		}
		out = append(out, e)
	}
	return out, nil
}

// fuzzServer is a server over a fake KRaft-like node with every Kafka API
// registered, not listening anywhere: frames go straight to handleFrame.
func fuzzServer() (*Server, *fakeController, *errorCounter) {
	fc := newFakeController("fuzz", 0, 0)
	node := fuzzNode{&fakeQuorumNode{fakeNode: fc.addNode(0, cluster.RoleBroker, cluster.RoleController),
		info: cluster.QuorumInfo{LeaderID: 0, LeaderEpoch: 1, HighWatermark: 5,
			Voters: []cluster.ReplicaState{{ID: 0, LogEndOffset: 5}}}}}
	fc.mutate(func(img *cluster.Image) {
		for id := int32(0); id < 3; id++ {
			img.Brokers[id] = &cluster.Broker{ID: id, Fenced: id == 2,
				Endpoints: []cluster.Endpoint{{Host: "127.0.0.1", Port: 9092 + id}}}
		}
		img.Topics["t"] = &cluster.Topic{Name: "t", ID: cluster.TopicID{1}, Partitions: []cluster.Partition{
			{ID: 0, Replicas: []int32{0, 1}, ISR: []int32{0, 1}, Leader: 0},
			{ID: 1, Replicas: []int32{2, 0}, ISR: []int32{2}, Leader: 2, LeaderEpoch: 3}}}
	})
	errs := &errorCounter{}
	s := NewServer(Options{MaxFrameBytes: 1 << 20, Logger: slog.New(errs)})
	RegisterKafkaAPIs(s, node)
	return s, fc, errs
}

// fuzzSeeds are valid frames (without the size prefix) of every served API
// at several versions, and some broken ones.
func fuzzSeeds() [][]byte {
	var reqs []kmsg.Request
	at := func(r kmsg.Request, versions ...int16) {
		for _, v := range versions {
			r.SetVersion(v)
			reqs = append(reqs, cloneRequest(r))
		}
	}
	at(kmsg.NewPtrApiVersionsRequest(), 0, 3, apiVersionsMax)
	at(metadataReq(0, []string{}...), 0)
	at(metadataReq(12, "t", "missing", "bad/name"), 1, 4, 9, 12)
	at(metadataReq(12), 12)
	create := createReq(7, createTopic("n", 2, 2), createTopic("t", 1, 1))
	manual := createTopic("m", -1, -1)
	manual.ReplicaAssignment = []kmsg.CreateTopicsRequestTopicReplicaAssignment{{Partition: 0, Replicas: []int32{1, 0}}}
	manual.Configs = []kmsg.CreateTopicsRequestTopicConfig{{Name: "retention.ms", Value: kmsg.StringPtr("1")}, {Name: "x"}}
	create.Topics = append(create.Topics, manual)
	at(create, 0, 4, 5, 7)
	create.ValidateOnly = true
	at(create, 1, 7)
	del := kmsg.NewPtrDeleteTopicsRequest()
	del.TimeoutMillis, del.TopicNames = 1000, []string{"t", "nope", "t"}
	del.Topics = []kmsg.DeleteTopicsRequestTopic{{Topic: kmsg.StringPtr("t")}, {TopicID: [16]byte{1}}, {TopicID: [16]byte{2}}}
	at(del, 0, 5, 6)
	dc := kmsg.NewPtrDescribeClusterRequest()
	at(dc, 0, 1)
	dq := kmsg.NewPtrDescribeQuorumRequest()
	dq.Topics = []kmsg.DescribeQuorumRequestTopic{{Topic: metadataTopicName, Partitions: []kmsg.DescribeQuorumRequestTopicPartition{{}, {Partition: 3}}}}
	at(dq, 0, 1)

	// the operations' APIs: configs, partitions, reassignments, elections
	dcf := kmsg.NewPtrDescribeConfigsRequest()
	dcf.IncludeSynonyms, dcf.IncludeDocumentation = true, true
	dcf.Resources = []kmsg.DescribeConfigsRequestResource{
		{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "t", ConfigNames: []string{"retention.ms", "nope"}},
		{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "missing"},
		{ResourceType: kmsg.ConfigResourceTypeBroker, ResourceName: "0"},
		{ResourceType: kmsg.ConfigResourceTypeBroker, ResourceName: "x"},
		{ResourceType: 42, ResourceName: "t"}}
	at(dcf, 0, 1, 3, 4)
	ac := kmsg.NewPtrAlterConfigsRequest()
	ac.Resources = []kmsg.AlterConfigsRequestResource{
		{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "t", Configs: []kmsg.AlterConfigsRequestResourceConfig{
			{Name: "retention.ms", Value: kmsg.StringPtr("60000")}, {Name: "cleanup.policy", Value: kmsg.StringPtr("compact,delete")}}},
		{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "t", Configs: []kmsg.AlterConfigsRequestResourceConfig{{Name: "retention.ms"}}},
		{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "missing"},
		{ResourceType: kmsg.ConfigResourceTypeBroker, ResourceName: "0"}}
	at(ac, 0, 2)
	ac.ValidateOnly = true
	at(ac, 1)
	iac := kmsg.NewPtrIncrementalAlterConfigsRequest()
	iac.Resources = []kmsg.IncrementalAlterConfigsRequestResource{
		{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "t", Configs: []kmsg.IncrementalAlterConfigsRequestResourceConfig{
			{Name: "retention.ms", Op: kmsg.IncrementalAlterConfigOpSet, Value: kmsg.StringPtr("1000")},
			{Name: "cleanup.policy", Op: kmsg.IncrementalAlterConfigOpAppend, Value: kmsg.StringPtr("compact")},
			{Name: "cleanup.policy", Op: kmsg.IncrementalAlterConfigOpSubtract, Value: kmsg.StringPtr("delete")},
			{Name: "segment.bytes", Op: kmsg.IncrementalAlterConfigOpDelete},
			{Name: "min.insync.replicas", Op: kmsg.IncrementalAlterConfigOpSet, Value: kmsg.StringPtr("two")},
			{Name: "nope", Op: 9}}},
		{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "missing", Configs: []kmsg.IncrementalAlterConfigsRequestResourceConfig{
			{Name: "retention.ms", Op: kmsg.IncrementalAlterConfigOpSet, Value: kmsg.StringPtr("1")}}}}
	at(iac, 0, 1)
	cp := kmsg.NewPtrCreatePartitionsRequest()
	cp.TimeoutMillis = 1000
	cp.Topics = []kmsg.CreatePartitionsRequestTopic{
		{Topic: "t", Count: 4, Assignment: []kmsg.CreatePartitionsRequestTopicAssignment{{Replicas: []int32{0, 1}}, {Replicas: []int32{1, 1}}}},
		{Topic: "t", Count: 3}, {Topic: "missing", Count: 2}, {Topic: "t", Count: 1}}
	at(cp, 0, 1, 3)
	cp.ValidateOnly = true
	at(cp, 2)
	apr := kmsg.NewPtrAlterPartitionAssignmentsRequest()
	apr.TimeoutMillis = 1000
	apr.Topics = []kmsg.AlterPartitionAssignmentsRequestTopic{
		{Topic: "t", Partitions: []kmsg.AlterPartitionAssignmentsRequestTopicPartition{
			{Partition: 0, Replicas: []int32{1, 0}}, {Partition: 1}, {Partition: 7, Replicas: []int32{0}}, {Partition: 0, Replicas: []int32{9, 9}}}},
		{Topic: "missing", Partitions: []kmsg.AlterPartitionAssignmentsRequestTopicPartition{{Partition: 0, Replicas: []int32{}}}}}
	at(apr, 0)
	lpr := kmsg.NewPtrListPartitionReassignmentsRequest()
	lpr.TimeoutMillis = 1000
	at(lpr, 0)
	lpr.Topics = []kmsg.ListPartitionReassignmentsRequestTopic{{Topic: "t", Partitions: []int32{0, 1, 5}}, {Topic: "missing", Partitions: []int32{0}}}
	at(lpr, 0)
	at(electReq(2, 0, map[string][]int32{"t": {0, 1, 3}, "missing": {0}}), 0, 1, 2)
	at(electReq(2, 1, nil), 1, 2)
	var seeds [][]byte
	for i, r := range reqs {
		seeds = append(seeds, AppendRequest(nil, r, int32(i), "fuzz")[4:])
	}
	broken := AppendRequest(nil, metadataReq(12, "t"), 1, "fuzz")[4:]
	unknown := append([]byte(nil), broken...)
	binary.BigEndian.PutUint16(unknown, 999)
	return append(seeds, nil, []byte{0, 3, 0}, broken[:len(broken)-3], unknown,
		AppendRequest(nil, metadataReq(13), 1, "")[4:])
}

// cloneRequest copies r by encoding and decoding it at its version.
func cloneRequest(r kmsg.Request) kmsg.Request {
	c := kmsg.RequestForKey(r.Key())
	c.SetVersion(r.GetVersion())
	if err := c.ReadFrom(r.AppendTo(nil)); err != nil {
		panic(err)
	}
	return c
}

// FuzzHandleFrame feeds arbitrary frames to the server's decoder and
// dispatch. Properties: nothing panics (in decoding or in a handler), and
// every answer encodes and decodes as the response to its request at the
// version answered, which is the version asked (ApiVersions aside).
func FuzzHandleFrame(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	s, fc, errs := fuzzServer()
	base := fc.img
	f.Fuzz(func(t *testing.T, frame []byte) {
		fc.mutate(func(img *cluster.Image) { img.Topics = base.Clone().Topics }) // forget earlier writes
		before := errs.n.Load()
		resp, corr, err := s.handleFrame("", frame)
		if n := errs.n.Load(); n != before {
			t.Fatalf("a handler panicked on frame %x", frame)
		}
		if err != nil {
			return
		}
		hdr, _, _ := ParseRequestHeader(frame)
		if hdr.Key != kmsg.ApiVersions.Int16() && resp.GetVersion() != hdr.Version {
			t.Fatalf("%s v%d answered at v%d", kmsg.NameForKey(hdr.Key), hdr.Version, resp.GetVersion())
		}
		out := appendResponse(nil, resp, corr)
		req := kmsg.RequestForKey(hdr.Key)
		req.SetVersion(resp.GetVersion())
		if _, err := parseResponse(out[4:], req, corr); err != nil {
			t.Fatalf("answer to %x does not decode: %v", frame, err)
		}
	})
}

// TestFuzzSeedsAreAnswered keeps the seed corpus honest: every valid seed
// gets an answer, so the fuzzer starts from frames that reach the handlers.
func TestFuzzSeedsAreAnswered(t *testing.T) {
	s, _, errs := fuzzServer()
	seeds := fuzzSeeds()
	const broken = 5 // the last seeds are broken on purpose
	for i, frame := range seeds[:len(seeds)-broken] {
		if _, _, err := s.handleFrame("", frame); err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
	for i, frame := range seeds[len(seeds)-broken:] {
		if _, _, err := s.handleFrame("", frame); err == nil {
			t.Errorf("broken seed %d answered", i)
		}
	}
	if errs.n.Load() != 0 {
		t.Fatal("a handler panicked on a seed")
	}
	// every API the server registers has a seed at its lowest and highest
	// version, and no valid seed asks for an API it does not register
	seeded := map[int16]map[int16]bool{}
	for _, frame := range seeds[:len(seeds)-broken] {
		hdr, _, err := ParseRequestHeader(frame)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.apis[hdr.Key]; !ok && hdr.Key != kmsg.ApiVersions.Int16() {
			t.Errorf("seed for %s, which the fuzz server does not register", kmsg.NameForKey(hdr.Key))
		}
		if seeded[hdr.Key] == nil {
			seeded[hdr.Key] = map[int16]bool{}
		}
		seeded[hdr.Key][hdr.Version] = true
	}
	for _, a := range s.Supported() {
		if !seeded[a.ApiKey][a.MinVersion] || !seeded[a.ApiKey][a.MaxVersion] {
			t.Errorf("%s v%d-v%d: seeds at versions %v", kmsg.NameForKey(a.ApiKey), a.MinVersion, a.MaxVersion, seeded[a.ApiKey])
		}
	}
}
