package workloads

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

func TestShiftReplicasMovesEachReplicaToTheNextBroker(t *testing.T) {
	sorted := []int32{1, 2, 3}
	for _, c := range []struct{ in, want []int32 }{
		{[]int32{1, 2}, []int32{2, 3}},
		{[]int32{3, 1}, []int32{1, 2}},
		{[]int32{2}, []int32{3}},
		{[]int32{1, 2, 3}, []int32{2, 3, 1}},
	} {
		got := shiftReplicas(c.in, sorted)
		if !slices.Equal(got, c.want) {
			t.Errorf("shiftReplicas(%v) = %v, want %v", c.in, got, c.want)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
			t.Errorf("shiftReplicas(%v) = %v has duplicates", c.in, got)
		}
	}
}

func TestReassignParams(t *testing.T) {
	if _, err := New("reassign", Params{"topics": "2", "partitions": "3", "move": "7"}); err == nil {
		t.Error("moving more partitions than the run has must be refused")
	}
	if _, err := New("reassign", Params{"moves": "7"}); err == nil {
		t.Error("an unknown parameter must be refused")
	}
	w, err := New("reassign", Params{"topics": "2", "partitions": "3", "move": "6", "batches": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if w.Name() != "reassign" {
		t.Fatal(w.Name())
	}
}

func TestByTopicAndServesTargets(t *testing.T) {
	specs := []cluster.ReassignSpec{{Topic: "a", Partition: 0}, {Topic: "a", Partition: 2}, {Topic: "b", Partition: 1}}
	got := byTopic(specs)
	if len(got) != 2 || got[0].Topic != "a" || !slices.Equal(got[0].Partitions, []int32{0, 2}) || got[1].Topic != "b" {
		t.Fatalf("byTopic = %+v", got)
	}
	img := cluster.NewImage("c")
	img.Topics["a"] = &cluster.Topic{Name: "a", Partitions: []cluster.Partition{
		{ID: 0, Replicas: []int32{3, 2}, Leader: 2}, {ID: 1, Replicas: []int32{1, 2}, Leader: 1}}}
	want := map[string]map[int32][]int32{"a": {0: {2, 3}}}
	if !servesTargets(img, want) {
		t.Error("the replicas as a set, with a leader among them, serve the target")
	}
	img.Topics["a"].Partitions[0].Leader = 1
	if servesTargets(img, want) {
		t.Error("a leader outside the target does not")
	}
	img.Topics["a"].Partitions[0] = cluster.Partition{ID: 0, Replicas: []int32{2, 3, 1}, Leader: 2}
	if servesTargets(img, want) {
		t.Error("a replica set still holding the removed replica does not")
	}
	if servesTargets(img, map[string]map[int32][]int32{"x": {0: {1}}}) {
		t.Error("an unknown topic does not")
	}
}

// A window counts for the batch during which it opened.
func TestReassignUnavailabilityPerBatch(t *testing.T) {
	t0 := time.Now().Add(-time.Minute)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	p := &probe{writes: []probeCall{
		{Op: "create", Start: at(0), End: at(10)},
		{Op: "create", Start: at(100), End: at(1600)}, // stalled: batch 1
		{Op: "create", Start: at(1700), End: at(1710)},
		{Op: "create", Start: at(2100), End: at(2110)},
		{Op: "create", Start: at(2200), End: at(2300), Err: errors.New("fake: request failed")},
		{Op: "create", Start: at(2400), End: at(2410)}, // closes batch 2's window
	}}
	env := testEnv(newFakeAdmin(0, 0))
	w := &reassign{move: 5, stall: time.Second}
	notes := w.unavailability(env, p, []time.Time{at(0), at(2000)})
	var got []float64
	for _, m := range env.Rec.Measures() {
		if m.Name == metrics.MeasureReassignUnavailable {
			got = append(got, m.Value)
		}
	}
	if len(got) != 2 || got[0] != 1.5 || got[1] < 0.209 || got[1] > 0.211 {
		t.Fatalf("per-batch unavailability %v, want [1.5 0.21]; notes %v", got, notes)
	}
}
