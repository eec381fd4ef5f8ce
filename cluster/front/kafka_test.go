package front

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

func request[R kmsg.Response](t *testing.T, c *Conn, req kmsg.Request) R {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Request(ctx, req)
	if err != nil {
		t.Fatalf("%s v%d: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	return resp.(R)
}

func createReq(version int16, topics ...kmsg.CreateTopicsRequestTopic) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Version = version
	req.TimeoutMillis = 5000
	req.Topics = topics
	return req
}

func createTopic(name string, partitions int32, rf int16) kmsg.CreateTopicsRequestTopic {
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic, t.NumPartitions, t.ReplicationFactor = name, partitions, rf
	return t
}

func metadataReq(version int16, topics ...string) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.Version = version
	if topics != nil {
		req.Topics = []kmsg.MetadataRequestTopic{}
	}
	for _, n := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(n)
		req.Topics = append(req.Topics, rt)
	}
	return req
}

func mustCreate(t *testing.T, c *Conn, topics ...kmsg.CreateTopicsRequestTopic) *kmsg.CreateTopicsResponse {
	t.Helper()
	resp := request[*kmsg.CreateTopicsResponse](t, c, createReq(7, topics...))
	for _, rt := range resp.Topics {
		if rt.ErrorCode != 0 {
			t.Fatalf("create %s: %s", rt.Topic, cluster.ErrorName(rt.ErrorCode))
		}
	}
	return resp
}

func TestMetadataTopicSelection(t *testing.T) {
	fc := StartFakeCluster(t, 3, 0)
	c := dial(t, fc.Addrs[0])
	mustCreate(t, c, createTopic("a", 2, 2), createTopic("b", 1, 1))
	cases := []struct {
		name    string
		req     *kmsg.MetadataRequest
		want    []string
		wantErr map[string]int16
	}{
		{"v1 null is all", metadataReq(1), []string{"a", "b"}, nil},
		{"v1 empty is none", metadataReq(1, []string{}...), nil, nil},
		{"v0 empty is all", metadataReq(0, []string{}...), []string{"a", "b"}, nil},
		{"one named", metadataReq(12, "b"), []string{"b"}, nil},
		{"unknown and illegal", metadataReq(12, "nope", "bad/name", "a"), []string{"nope", "bad/name", "a"},
			map[string]int16{"nope": kerr.UnknownTopicOrPartition.Code, "bad/name": kerr.InvalidTopicException.Code}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := request[*kmsg.MetadataResponse](t, c, tc.req)
			var got []string
			for _, mt := range resp.Topics {
				got = append(got, *mt.Topic)
				if mt.ErrorCode != tc.wantErr[*mt.Topic] {
					t.Errorf("topic %s: code %s, want %s", *mt.Topic,
						cluster.ErrorName(mt.ErrorCode), cluster.ErrorName(tc.wantErr[*mt.Topic]))
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("topics %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("topics %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestMetadataDescribesBrokersAndPartitions(t *testing.T) {
	fc := StartFakeCluster(t, 3, 0)
	c := dial(t, fc.Addrs[1])
	created := mustCreate(t, dial(t, fc.Addrs[0]), createTopic("t", 3, 3))
	// Fence broker 2 and make it the leader of partition 0: Kafka reports no
	// leader, LEADER_NOT_AVAILABLE, and 2 as an offline replica.
	fc.fc.mutate(func(img *cluster.Image) {
		b := *img.Brokers[2]
		b.Fenced = true
		img.Brokers[2] = &b
		topic := img.Topics["t"].Clone()
		topic.Partitions[0].Leader = 2
		img.Topics["t"] = topic
	})
	resp := request[*kmsg.MetadataResponse](t, c, metadataReq(12))
	if resp.ControllerID != 0 || resp.ClusterID == nil || *resp.ClusterID != "fake-cluster-id" {
		t.Fatalf("controller %d cluster %v", resp.ControllerID, resp.ClusterID)
	}
	if len(resp.Brokers) != 2 || resp.Brokers[0].NodeID != 0 || resp.Brokers[1].NodeID != 1 {
		t.Fatalf("brokers %+v, want 0 and 1 (2 is fenced)", resp.Brokers)
	}
	if want := fc.Addrs[1]; net.JoinHostPort(resp.Brokers[1].Host, itoa(resp.Brokers[1].Port)) != want {
		t.Fatalf("broker 1 at %s:%d, want %s", resp.Brokers[1].Host, resp.Brokers[1].Port, want)
	}
	mt := resp.Topics[0]
	if mt.TopicID != created.Topics[0].TopicID || mt.TopicID == [16]byte{} {
		t.Fatalf("topic id %x, created %x", mt.TopicID, created.Topics[0].TopicID)
	}
	p0 := mt.Partitions[0]
	if p0.ErrorCode != kerr.LeaderNotAvailable.Code || p0.Leader != -1 || len(p0.OfflineReplicas) != 1 || p0.OfflineReplicas[0] != 2 {
		t.Fatalf("partition 0: %+v", p0)
	}
	for _, p := range mt.Partitions[1:] {
		if p.ErrorCode != 0 || len(p.Replicas) != 3 || len(p.ISR) != 3 || p.Leader != p.Replicas[0] {
			t.Fatalf("partition %d: %+v", p.Partition, p)
		}
	}
	if got, want := ImageFromMetadata(resp).Digest(), fc.Nodes[1].Image().Digest(); got != want {
		t.Fatalf("digest of the answer %s, of the served image %s", got, want)
	}
}

func itoa(v int32) string { return fmtInt(int64(v)) }

func TestMetadataByTopicID(t *testing.T) {
	fc := StartFakeCluster(t, 1, 0)
	c := dial(t, fc.Addrs[0])
	id := mustCreate(t, c, createTopic("byid", 1, 1)).Topics[0].TopicID
	req := kmsg.NewPtrMetadataRequest()
	req.Version = 12
	for _, tid := range [][16]byte{id, {1, 2, 3}} {
		rt := kmsg.NewMetadataRequestTopic()
		rt.TopicID = tid
		req.Topics = append(req.Topics, rt)
	}
	resp := request[*kmsg.MetadataResponse](t, c, req)
	if resp.Topics[0].Topic == nil || *resp.Topics[0].Topic != "byid" || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("known id: %+v", resp.Topics[0])
	}
	if resp.Topics[1].ErrorCode != kerr.UnknownTopicID.Code {
		t.Fatalf("unknown id: %s", cluster.ErrorName(resp.Topics[1].ErrorCode))
	}
}

func TestCreateTopicsAnswers(t *testing.T) {
	fc := StartFakeCluster(t, 3, 0)
	c := dial(t, fc.Addrs[0])
	withCfg := createTopic("cfg", -1, -1)
	cfg := kmsg.NewCreateTopicsRequestTopicConfig()
	cfg.Name, cfg.Value = "retention.ms", kmsg.StringPtr("1000")
	withCfg.Configs = append(withCfg.Configs, cfg)
	nullCfg := createTopic("nullcfg", 1, 1)
	nullCfg.Configs = []kmsg.CreateTopicsRequestTopicConfig{{Name: "retention.ms"}}
	manual := createTopic("manual", -1, -1)
	manual.ReplicaAssignment = []kmsg.CreateTopicsRequestTopicReplicaAssignment{
		{Partition: 0, Replicas: []int32{2, 1}}, {Partition: 1, Replicas: []int32{1, 0}}}
	resp := request[*kmsg.CreateTopicsResponse](t, c, createReq(7, withCfg, nullCfg, manual, createTopic("p0", 0, 1)))
	want := []struct {
		code  int16
		parts int32
		rf    int16
	}{{0, 1, 1}, {kerr.InvalidConfig.Code, -1, -1}, {0, 2, 2}, {kerr.InvalidPartitions.Code, -1, -1}}
	for i, w := range want {
		rt := resp.Topics[i]
		if rt.ErrorCode != w.code || rt.NumPartitions != w.parts || rt.ReplicationFactor != w.rf {
			t.Errorf("%s: code %s parts %d rf %d, want %s %d %d", rt.Topic, cluster.ErrorName(rt.ErrorCode),
				rt.NumPartitions, rt.ReplicationFactor, cluster.ErrorName(w.code), w.parts, w.rf)
		}
		if (w.code == 0) != (rt.TopicID != [16]byte{}) || (w.code != 0) != (rt.ErrorMessage != nil) {
			t.Errorf("%s: topic id %x message %v", rt.Topic, rt.TopicID, rt.ErrorMessage)
		}
	}
	if c := resp.Topics[0].Configs; len(c) != 1 || c[0].Name != "retention.ms" || *c[0].Value != "1000" {
		t.Errorf("configs %+v", c)
	}
	if p := fc.Nodes[0].Image().Topics["manual"].Partitions; p[0].Replicas[0] != 2 || p[1].Leader != 1 {
		t.Errorf("manual assignment not kept: %+v", p)
	}
}

func TestCreateTopicsNotController(t *testing.T) {
	fc := StartFakeCluster(t, 2, 0)
	c := dial(t, fc.Addrs[1])
	for _, validate := range []bool{false, true} {
		req := createReq(4, createTopic("x", 1, 1), createTopic("y", 1, 1))
		req.ValidateOnly = validate
		resp := request[*kmsg.CreateTopicsResponse](t, c, req)
		for _, rt := range resp.Topics {
			if rt.ErrorCode != kerr.NotController.Code {
				t.Fatalf("validate=%v %s: %s, want NOT_CONTROLLER", validate, rt.Topic, cluster.ErrorName(rt.ErrorCode))
			}
		}
	}
}

func TestCreateTopicsValidateOnlyDoesNotWrite(t *testing.T) {
	fc := StartFakeCluster(t, 2, 0)
	c := dial(t, fc.Addrs[0])
	mustCreate(t, c, createTopic("exists", 1, 1))
	req := createReq(7, createTopic("new", -1, 2), createTopic("exists", 1, 1), createTopic("rf", 1, 3))
	req.ValidateOnly = true
	resp := request[*kmsg.CreateTopicsResponse](t, c, req)
	codes := []int16{0, kerr.TopicAlreadyExists.Code, kerr.InvalidReplicationFactor.Code}
	for i, rt := range resp.Topics {
		if rt.ErrorCode != codes[i] {
			t.Errorf("%s: %s, want %s", rt.Topic, cluster.ErrorName(rt.ErrorCode), cluster.ErrorName(codes[i]))
		}
	}
	if r := resp.Topics[0]; r.NumPartitions != 1 || r.ReplicationFactor != 2 {
		t.Errorf("validated counts %d/%d, want 1/2", r.NumPartitions, r.ReplicationFactor)
	}
	if _, ok := fc.Nodes[0].Image().Topics["new"]; ok {
		t.Fatal("ValidateOnly created the topic")
	}
}

func TestCreateTopicsTimeoutIsRequestTimedOut(t *testing.T) {
	fc := StartFakeCluster(t, 2, 0)
	fc.fc.lag = time.Hour // brokers never catch up: the create cannot finish
	c := dial(t, fc.Addrs[0])
	req := createReq(7, createTopic("slow", 1, 1))
	req.TimeoutMillis = 50
	resp := request[*kmsg.CreateTopicsResponse](t, c, req)
	if code := resp.Topics[0].ErrorCode; code != kerr.RequestTimedOut.Code {
		t.Fatalf("code %s, want REQUEST_TIMED_OUT", cluster.ErrorName(code))
	}
}

func TestDeleteTopicsByNameAndID(t *testing.T) {
	fc := StartFakeCluster(t, 1, 0)
	c := dial(t, fc.Addrs[0])
	created := mustCreate(t, c, createTopic("byname", 1, 1), createTopic("byid", 1, 1))
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.Version, req.TimeoutMillis = 6, 5000
	entries := []kmsg.DeleteTopicsRequestTopic{
		{Topic: kmsg.StringPtr("byname")},
		{TopicID: created.Topics[1].TopicID},
		{TopicID: [16]byte{9}},
		{Topic: kmsg.StringPtr("x"), TopicID: [16]byte{9}},
		{Topic: kmsg.StringPtr("unknown")},
	}
	req.Topics = entries
	resp := request[*kmsg.DeleteTopicsResponse](t, c, req)
	want := []int16{0, 0, kerr.UnknownTopicID.Code, kerr.InvalidRequest.Code, kerr.UnknownTopicOrPartition.Code}
	for i, rt := range resp.Topics {
		if rt.ErrorCode != want[i] {
			t.Errorf("entry %d: %s, want %s", i, cluster.ErrorName(rt.ErrorCode), cluster.ErrorName(want[i]))
		}
	}
	if n := resp.Topics[1].Topic; n == nil || *n != "byid" {
		t.Errorf("delete by id answered name %v", n)
	}
	if len(fc.Nodes[0].Image().Topics) != 0 {
		t.Errorf("topics left: %v", fc.Nodes[0].Image().TopicNames())
	}
	old := kmsg.NewPtrDeleteTopicsRequest()
	old.Version, old.TimeoutMillis, old.TopicNames = 3, 5000, []string{"byname"}
	if code := request[*kmsg.DeleteTopicsResponse](t, c, old).Topics[0].ErrorCode; code != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("v3 delete of a deleted topic: %s", cluster.ErrorName(code))
	}
}

func TestDescribeCluster(t *testing.T) {
	fc := StartFakeCluster(t, 2, 0)
	c := dial(t, fc.Addrs[1])
	req := kmsg.NewPtrDescribeClusterRequest()
	req.Version = 1
	resp := request[*kmsg.DescribeClusterResponse](t, c, req)
	if resp.ErrorCode != 0 || resp.ClusterID != "fake-cluster-id" || resp.ControllerID != 0 || len(resp.Brokers) != 2 {
		t.Fatalf("answer %+v", resp)
	}
	req.EndpointType = endpointTypeController
	if code := request[*kmsg.DescribeClusterResponse](t, c, req).ErrorCode; code != kerr.MismatchedEndpointType.Code {
		t.Fatalf("controller endpoints from a broker: %s", cluster.ErrorName(code))
	}
}

// serveNode serves one node on a fresh server and returns its address.
func serveNode(t *testing.T, node cluster.Controller) string {
	t.Helper()
	s, addr := startServer(t)
	RegisterKafkaAPIs(s, node)
	return addr
}

func TestDescribeQuorum(t *testing.T) {
	fc := newFakeController("q", 1, 0)
	now := time.UnixMilli(1700000000000)
	q := &fakeQuorumNode{fakeNode: fc.addNode(1, cluster.RoleController), info: cluster.QuorumInfo{
		LeaderID: 1, LeaderEpoch: 4, HighWatermark: 99,
		Voters:    []cluster.ReplicaState{{ID: 1, LogEndOffset: 99, LastFetch: now, LastCaughtUp: now}},
		Observers: []cluster.ReplicaState{{ID: 7, LogEndOffset: 90}},
	}}
	c := dial(t, serveNode(t, q))
	req := kmsg.NewPtrDescribeQuorumRequest()
	req.Version = 1
	req.Topics = []kmsg.DescribeQuorumRequestTopic{
		{Topic: metadataTopicName, Partitions: []kmsg.DescribeQuorumRequestTopicPartition{{Partition: 0}, {Partition: 1}}}}
	resp := request[*kmsg.DescribeQuorumResponse](t, c, req)
	p := resp.Topics[0].Partitions[0]
	if p.ErrorCode != 0 || p.LeaderID != 1 || p.LeaderEpoch != 4 || p.HighWatermark != 99 {
		t.Fatalf("partition 0: %+v", p)
	}
	if v := p.CurrentVoters; len(v) != 1 || v[0].LastFetchTimestamp != now.UnixMilli() || v[0].LogEndOffset != 99 {
		t.Fatalf("voters %+v", v)
	}
	if o := p.Observers; len(o) != 1 || o[0].ReplicaID != 7 || o[0].LastCaughtUpTimestamp != -1 {
		t.Fatalf("observers %+v", o)
	}
	if code := resp.Topics[0].Partitions[1].ErrorCode; code != kerr.UnknownTopicOrPartition.Code {
		t.Fatalf("partition 1: %s", cluster.ErrorName(code))
	}
	q.err = cluster.Errorf(kerr.NotLeaderForPartition, "not the leader")
	if code := request[*kmsg.DescribeQuorumResponse](t, c, req).Topics[0].Partitions[0].ErrorCode; code != kerr.NotLeaderForPartition.Code {
		t.Fatalf("describer error answered as %s", cluster.ErrorName(code))
	}
}

func TestControllerOnlyNodeServesNoMetadata(t *testing.T) {
	fc := newFakeController("c", 100, 0)
	node := fc.addNode(100, cluster.RoleController)
	addr := serveNode(t, node)
	c := dial(t, addr)
	av := request[*kmsg.ApiVersionsResponse](t, c, kmsg.NewPtrApiVersionsRequest())
	for _, k := range av.ApiKeys {
		if k.ApiKey == kmsg.Metadata.Int16() || k.ApiKey == kmsg.DescribeCluster.Int16() {
			t.Fatalf("controller-only node advertises %s", kmsg.NameForKey(k.ApiKey))
		}
	}
	// CreateTopics is a controller API: the active controller answers it.
	if code := request[*kmsg.CreateTopicsResponse](t, c, createReq(7, createTopic("t", 1, 1))).Topics[0].ErrorCode; code != kerr.InvalidReplicationFactor.Code {
		t.Fatalf("create on a controller with no brokers: %s, want INVALID_REPLICATION_FACTOR", cluster.ErrorName(code))
	}
	_, err := c.Request(context.Background(), metadataReq(12))
	if err == nil || !errors.Is(err, net.ErrClosed) && !isConnClosed(err) {
		t.Fatalf("Metadata to a controller-only node: %v, want the connection closed", err)
	}
}

// TestValidateOnlyHugeTopicIsCheap is the regression test for a fuzz find:
// a ValidateOnly request for 2^31-1 partitions made the front place every
// partition in memory; validation must not place.
func TestValidateOnlyHugeTopicIsCheap(t *testing.T) {
	fc := StartFakeCluster(t, 2, 0)
	c := dial(t, fc.Addrs[0])
	req := createReq(7, createTopic("huge", 1<<31-1, 2))
	req.ValidateOnly = true
	resp := request[*kmsg.CreateTopicsResponse](t, c, req)
	if r := resp.Topics[0]; r.ErrorCode != 0 || r.NumPartitions != 1<<31-1 || r.ReplicationFactor != 2 {
		t.Fatalf("answer %+v", r)
	}
}
