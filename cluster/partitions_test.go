package cluster

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// TestAssignAddedReplicas pins Kafka's continuation of the rack-unaware
// pattern (AdminUtils.assignReplicasToBrokersRackUnaware with
// fixedStartIndex 2 and startPartitionId 3, worked out by hand).
func TestAssignAddedReplicas(t *testing.T) {
	got := AssignAddedReplicas([]int32{4, 3, 2, 1, 0}, 2, 3, 2, 3)
	want := [][]int32{{0, 3, 4}, {1, 4, 0}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestPlanAddPartitions(t *testing.T) {
	topic := &Topic{Name: "t", Partitions: []Partition{{ID: 0, Replicas: []int32{1, 2}}, {ID: 1, Replicas: []int32{2, 3}}}}
	brokers := []int32{1, 2, 3}
	for _, c := range []struct {
		name string
		t    *Topic
		s    PartitionsSpec
		want *kerr.Error
	}{
		{"unknown", nil, PartitionsSpec{Topic: "x", Count: 3}, kerr.UnknownTopicOrPartition},
		{"fewer", topic, PartitionsSpec{Topic: "t", Count: 1}, kerr.InvalidPartitions},
		{"same", topic, PartitionsSpec{Topic: "t", Count: 2}, kerr.InvalidPartitions},
		{"unknown broker", topic, PartitionsSpec{Topic: "t", Count: 3, Assignment: [][]int32{{1, 9}}}, kerr.InvalidReplicaAssignment},
		{"too few assignments", topic, PartitionsSpec{Topic: "t", Count: 4, Assignment: [][]int32{{1, 2}}}, kerr.InvalidReplicaAssignment},
		{"duplicate", topic, PartitionsSpec{Topic: "t", Count: 3, Assignment: [][]int32{{1, 1}}}, kerr.InvalidReplicaAssignment},
		{"rf", topic, PartitionsSpec{Topic: "t", Count: 3, Assignment: [][]int32{{1}}}, kerr.InvalidReplicaAssignment},
		{"empty", topic, PartitionsSpec{Topic: "t", Count: 3, Assignment: [][]int32{{}}}, kerr.InvalidReplicaAssignment},
	} {
		if _, err := PlanAddPartitions(c.t, c.s, brokers, brokers); ErrorCode(err) != c.want.Code {
			t.Errorf("%s: %v, want %s", c.name, err, c.want.Message)
		}
	}
	if _, err := PlanAddPartitions(topic, PartitionsSpec{Topic: "t", Count: 3}, brokers, []int32{1}); ErrorCode(err) != kerr.InvalidReplicationFactor.Code {
		t.Errorf("one placeable broker for RF 2: %v", err)
	}
	got, err := PlanAddPartitions(topic, PartitionsSpec{Topic: "t", Count: 4}, brokers, brokers)
	if err != nil || len(got) != 2 || len(got[0]) != 2 {
		t.Fatalf("placed %v, %v", got, err)
	}
	got, err = PlanAddPartitions(topic, PartitionsSpec{Topic: "t", Count: 3, Assignment: [][]int32{{3, 1}}}, brokers, brokers)
	if err != nil || !slices.Equal(got[0], []int32{3, 1}) {
		t.Fatalf("manual %v, %v", got, err)
	}
}
