package front

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// fakeElectorNode adds cluster.LeaderElector to a fake node: it records what
// it was asked and answers with results or err.
type fakeElectorNode struct {
	*fakeNode
	asked   [][]cluster.TopicPartitions
	results []cluster.TopicElection
	err     error
}

func (e *fakeElectorNode) ElectPreferredLeaders(_ context.Context, parts []cluster.TopicPartitions) ([]cluster.TopicElection, error) {
	e.asked = append(e.asked, parts)
	return e.results, e.err
}

func electReq(version int16, typ int8, topics map[string][]int32) *kmsg.ElectLeadersRequest {
	req := kmsg.NewPtrElectLeadersRequest()
	req.Version, req.ElectionType, req.TimeoutMillis = version, typ, 5000
	if topics != nil {
		req.Topics = []kmsg.ElectLeadersRequestTopic{}
	}
	for name, ps := range topics {
		rt := kmsg.NewElectLeadersRequestTopic()
		rt.Topic, rt.Partitions = name, ps
		req.Topics = append(req.Topics, rt)
	}
	return req
}

// electorWithTopic is a broker-and-controller fake serving one topic "t"
// with partition 0 led by live broker 1 and partition 1 leaderless.
func electorWithTopic(t *testing.T) (*fakeElectorNode, *Conn) {
	t.Helper()
	fc := newFakeController("e", 1, 0)
	node := &fakeElectorNode{fakeNode: fc.addNode(1, cluster.RoleBroker)}
	fc.mutate(func(img *cluster.Image) {
		img.Brokers[1] = &cluster.Broker{ID: 1, Endpoints: []cluster.Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 1}}}
		img.Topics["t"] = &cluster.Topic{Name: "t", ID: cluster.TopicID{1}, Partitions: []cluster.Partition{
			{ID: 0, Replicas: []int32{1, 2}, ISR: []int32{1}, Leader: 1},
			{ID: 1, Replicas: []int32{2, 1}, ISR: []int32{2}, Leader: cluster.NoLeader},
		}}
	})
	return node, dial(t, serveNode(t, node))
}

func TestElectLeadersPreferredGoesToTheNode(t *testing.T) {
	node, c := electorWithTopic(t)
	node.results = []cluster.TopicElection{{Topic: "t", Partitions: []cluster.PartitionElection{
		{Partition: 0, Code: kerr.ElectionNotNeeded.Code}}}}
	resp := request[*kmsg.ElectLeadersResponse](t, c, electReq(2, electPreferred, map[string][]int32{"t": {0}}))
	if resp.ErrorCode != 0 || len(resp.Topics) != 1 || resp.Topics[0].Partitions[0].ErrorCode != kerr.ElectionNotNeeded.Code {
		t.Fatalf("answer %+v, want the node's ELECTION_NOT_NEEDED for t-0", resp)
	}
	if len(node.asked) != 1 || len(node.asked[0]) != 1 || node.asked[0][0].Topic != "t" {
		t.Fatalf("node asked %+v, want t [0]", node.asked)
	}
	// Null TopicPartitions (every partition) reaches the node as nil; v0
	// has no election type and is always preferred.
	request[*kmsg.ElectLeadersResponse](t, c, electReq(0, electUnclean, nil))
	if len(node.asked) != 2 || node.asked[1] != nil {
		t.Fatalf("v0 null request reached the node as %+v, want nil", node.asked)
	}
}

func TestElectLeadersWholeRequestError(t *testing.T) {
	node, c := electorWithTopic(t)
	node.err = cluster.Errorf(kerr.NotController, "not the controller")
	resp := request[*kmsg.ElectLeadersResponse](t, c, electReq(1, electPreferred, map[string][]int32{"t": {0, 1}}))
	if resp.ErrorCode != kerr.NotController.Code || len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 2 {
		t.Fatalf("answer %+v, want NOT_CONTROLLER at the top and on both partitions", resp)
	}
	for _, p := range resp.Topics[0].Partitions {
		if p.ErrorCode != kerr.NotController.Code {
			t.Fatalf("partition %d answered %s, want NOT_CONTROLLER", p.Partition, cluster.ErrorName(p.ErrorCode))
		}
	}
	resp = request[*kmsg.ElectLeadersResponse](t, c, electReq(2, 7, map[string][]int32{"t": {0}}))
	if resp.ErrorCode != kerr.InvalidRequest.Code {
		t.Fatalf("election type 7 answered %s, want INVALID_REQUEST", cluster.ErrorName(resp.ErrorCode))
	}
}

func TestElectLeadersUncleanFromTheImage(t *testing.T) {
	node, c := electorWithTopic(t)
	resp := request[*kmsg.ElectLeadersResponse](t, c, electReq(2, electUnclean, map[string][]int32{"t": {0, 1, 9}, "nope": {0}}))
	got := map[string]int16{}
	for _, rt := range resp.Topics {
		for _, p := range rt.Partitions {
			got[rt.Topic+"-"+itoa(p.Partition)] = p.ErrorCode
		}
	}
	want := map[string]int16{"t-0": kerr.ElectionNotNeeded.Code, "t-1": kerr.InvalidRequest.Code,
		"t-9": kerr.UnknownTopicOrPartition.Code, "nope-0": kerr.UnknownTopicOrPartition.Code}
	for k, code := range want {
		if got[k] != code {
			t.Fatalf("%s answered %s, want %s (all: %v)", k, cluster.ErrorName(got[k]), cluster.ErrorName(code), got)
		}
	}
	if len(node.asked) != 0 {
		t.Fatal("an unclean election reached the node")
	}
	// For every partition, those needing no election are left out.
	resp = request[*kmsg.ElectLeadersResponse](t, c, electReq(2, electUnclean, nil))
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 || resp.Topics[0].Partitions[0].Partition != 1 {
		t.Fatalf("null unclean request answered %+v, want only t-1", resp.Topics)
	}
}
