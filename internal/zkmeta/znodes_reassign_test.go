package zkmeta

import (
	"slices"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

// A topic znode keeps a reassignment in progress (KIP-455's
// adding_replicas and removing_replicas) and reads it back; partitions
// without one have none.
func TestTopicZNodeKeepsReassignments(t *testing.T) {
	in := &cluster.Topic{Name: "t", ID: cluster.TopicID{1}, Partitions: []cluster.Partition{
		{ID: 0, Replicas: []int32{1, 2}},
		{ID: 1, Replicas: []int32{2, 3, 1}, Adding: []int32{3}, Removing: []int32{1}},
	}}
	id, parts, err := DecodeTopicPartitions("t", EncodeTopic(in))
	if err != nil {
		t.Fatal(err)
	}
	if id != in.ID || len(parts) != 2 || parts[0].IsReassigning() || parts[0].Leader != cluster.NoLeader {
		t.Fatalf("decoded %v %+v", id, parts)
	}
	if !slices.Equal(parts[1].Replicas, []int32{2, 3, 1}) || !slices.Equal(parts[1].Adding, []int32{3}) || !slices.Equal(parts[1].Removing, []int32{1}) {
		t.Fatalf("partition 1 %+v", parts[1])
	}
	_, plain, err := DecodeTopic("t", EncodeTopic(in))
	if err != nil || len(plain) != 2 || !slices.Equal(plain[1], []int32{2, 3, 1}) {
		t.Fatalf("DecodeTopic %v %v", plain, err)
	}
}
