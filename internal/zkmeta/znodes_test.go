package zkmeta

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

func TestParseConnectChroot(t *testing.T) {
	servers, root, err := ParseConnect("a:1,b:2,c:3/kafka/prod/")
	if err != nil || !slices.Equal(servers, []string{"a:1", "b:2", "c:3"}) || root != "/kafka/prod" {
		t.Fatalf("got %v %q %v", servers, root, err)
	}
	if _, _, err := ParseConnect("a:1,,b:2"); err == nil {
		t.Error("empty server accepted")
	}
}

func TestZnodeCodecsRoundTrip(t *testing.T) {
	topic := &cluster.Topic{Name: "t", ID: cluster.NewTopicID(rand.New(rand.NewPCG(1, 2))), Partitions: []cluster.Partition{
		{ID: 0, Replicas: []int32{1, 2}}, {ID: 1, Replicas: []int32{2, 3}}}}
	id, assignment, err := DecodeTopic("t", EncodeTopic(topic))
	if err != nil || id != topic.ID || len(assignment) != 2 || !slices.Equal(assignment[1], []int32{2, 3}) {
		t.Fatalf("topic round trip: %v %v %v", id, assignment, err)
	}
	b, err := DecodeBroker(7, EncodeBroker([]cluster.Endpoint{{Listener: "PLAINTEXT", Host: "10.0.0.1", Port: 9093}, {Listener: "INTERNAL", Host: "kb-1", Port: 19093}}, "r1"), 42)
	if err != nil || b.Rack != "r1" || b.Epoch != 42 || len(b.Endpoints) != 2 ||
		b.Endpoints[0] != (cluster.Endpoint{Listener: "PLAINTEXT", Host: "10.0.0.1", Port: 9093}) {
		t.Fatalf("broker round trip: %+v %v", b, err)
	}
	s, err := DecodeState("x", EncodeState(3, 4, []int32{3, 1}, 5))
	if err != nil || s.Leader != 3 || s.LeaderEpoch != 4 || s.ControllerEpoch != 5 || s.Version != 1 || !slices.Equal(s.ISR, []int32{3, 1}) {
		t.Fatalf("state round trip: %+v %v", s, err)
	}
}
