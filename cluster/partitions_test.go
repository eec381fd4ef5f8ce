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

func TestReassignToAsKafka(t *testing.T) {
	// ControllerContext.scala's example: ORS {1,2,3} to TRS {4,5,6}.
	full, add, remove := ReassignTo([]int32{1, 2, 3}, nil, []int32{4, 5, 6})
	if !slices.Equal(full, []int32{4, 5, 6, 1, 2, 3}) || !slices.Equal(add, []int32{4, 5, 6}) || !slices.Equal(remove, []int32{1, 2, 3}) {
		t.Fatalf("full %v add %v remove %v", full, add, remove)
	}
	// Overlapping ([1 2 3] to [3 4 2]): the target first, then the removed.
	full, add, remove = ReassignTo([]int32{1, 2, 3}, nil, []int32{3, 4, 2})
	if !slices.Equal(full, []int32{3, 4, 2, 1}) || !slices.Equal(add, []int32{4}) || !slices.Equal(remove, []int32{1}) {
		t.Fatalf("full %v add %v remove %v", full, add, remove)
	}
	// A new target during a move counts from the origin replicas: [4 1 2]
	// adding 4 is origin [1 2]; to [2 5] adds 5 and removes 1.
	full, add, remove = ReassignTo([]int32{4, 1, 2}, []int32{4}, []int32{2, 5})
	if !slices.Equal(full, []int32{2, 5, 1}) || !slices.Equal(add, []int32{5}) || !slices.Equal(remove, []int32{1}) {
		t.Fatalf("full %v add %v remove %v", full, add, remove)
	}
	p := Partition{Replicas: []int32{4, 5, 1}, Adding: []int32{4, 5}, Removing: []int32{1}}
	if !p.IsReassigning() || !slices.Equal(p.Target(), []int32{4, 5}) {
		t.Fatalf("target %v", p.Target())
	}
}
