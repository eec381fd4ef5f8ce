package kraftmode

import (
	"reflect"
	"slices"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

// PartitionChangeBuilder's cases: a move stays in progress with the target
// first and the removed replicas after; the AlterPartition that brings the
// new replica into the ISR completes it (replicas the target, the ISR less
// the removed, a new leader when the old one leaves, its epoch bumped); a
// reorder completes at once; a record that changes nothing is not written.
func TestBuildChangeAsPartitionChangeBuilder(t *testing.T) {
	all := func(int32) bool { return true }
	id := cluster.TopicID{1}
	p := cluster.Partition{ID: 0, Replicas: []int32{1, 2}, ISR: []int32{1, 2}, Leader: 1, LeaderEpoch: 3}

	// [1 2] -> [2 3]: adding 3, removing 1.
	rec := buildChange(id, p, p.ISR, []int32{2, 3, 1}, []int32{3}, []int32{1}, all)
	if rec == nil || !slices.Equal(rec.Replicas, []int32{2, 3, 1}) || !slices.Equal(rec.Adding, []int32{3}) ||
		!slices.Equal(rec.Removing, []int32{1}) || rec.Leader != NoLeaderChange || rec.ISR != nil {
		t.Fatalf("start of the move: %+v", rec)
	}
	moving := applyChange(p, rec)
	if !moving.IsReassigning() || moving.LeaderEpoch != 3 {
		t.Fatalf("in progress: %+v", moving)
	}

	// 3 joins the ISR: complete.
	rec = buildChange(id, moving, []int32{1, 2, 3}, nil, nil, nil, all)
	done := applyChange(moving, rec)
	if done.IsReassigning() || !slices.Equal(done.Replicas, []int32{2, 3}) || !slices.Equal(done.ISR, []int32{2, 3}) ||
		done.Leader != 2 || done.LeaderEpoch != 4 {
		t.Fatalf("completed: %+v from %+v", done, rec)
	}

	// A reorder of [1 2]: no replica added or dropped, complete at once,
	// the leader kept (it stays valid), no epoch bump.
	rec = buildChange(id, p, p.ISR, []int32{2, 1}, []int32{}, []int32{}, all)
	re := applyChange(p, rec)
	if re.IsReassigning() || !slices.Equal(re.Replicas, []int32{2, 1}) || re.Leader != 1 || re.LeaderEpoch != 3 {
		t.Fatalf("reorder: %+v from %+v", re, rec)
	}

	// A pure removal [1 2] -> [2]: the ISR covers it, so it completes, the
	// leader moves to 2 and the epoch bumps.
	rec = buildChange(id, p, p.ISR, []int32{2, 1}, []int32{}, []int32{1}, all)
	rm := applyChange(p, rec)
	if rm.IsReassigning() || !slices.Equal(rm.Replicas, []int32{2}) || rm.Leader != 2 || rm.LeaderEpoch != 4 {
		t.Fatalf("removal: %+v from %+v", rm, rec)
	}

	if rec := buildChange(id, p, p.ISR, nil, nil, nil, all); rec != nil {
		t.Fatalf("no change, yet a record %+v", rec)
	}
}

// applyChange applies rec to p as the applier does.
func applyChange(p cluster.Partition, rec *PartitionChangeRecord) cluster.Partition {
	img := cluster.NewImage("c")
	img.Topics["t"] = &cluster.Topic{Name: "t", ID: rec.TopicID, Partitions: []cluster.Partition{p.Clone()}}
	st := &metaState{img: img, ids: map[cluster.TopicID]string{rec.TopicID: "t"}}
	a := &applier{st: st, owned: map[string]bool{}}
	if err := a.changePartition(rec); err != nil {
		panic(err)
	}
	return st.img.Topics["t"].Partitions[0]
}

func TestListReassignments(t *testing.T) {
	img := cluster.NewImage("c")
	img.Topics["b"] = &cluster.Topic{Name: "b", Partitions: []cluster.Partition{
		{ID: 0, Replicas: []int32{1}}, {ID: 1, Replicas: []int32{3, 1}, Adding: []int32{3}, Removing: []int32{1}}}}
	img.Topics["a"] = &cluster.Topic{Name: "a", Partitions: []cluster.Partition{{ID: 0, Replicas: []int32{2, 1}, Adding: []int32{2}}}}
	all := listReassignments(img, nil)
	if len(all) != 2 || all[0].Topic != "a" || all[1].Topic != "b" || all[1].Partition != 1 || all[0].Removing == nil {
		t.Fatalf("every reassignment: %+v", all)
	}
	some := listReassignments(img, []cluster.TopicPartitions{{Topic: "b", Partitions: []int32{0, 1, 9}}, {Topic: "x", Partitions: []int32{0}}})
	if len(some) != 1 || some[0].Topic != "b" || some[0].Partition != 1 {
		t.Fatalf("named: %+v (not reassigning, unknown partitions and topics are left out)", some)
	}
}

// The assignment fields need version 1 and survive the round trip; a change
// without them stays at version 0 (the bytes earlier nodes wrote).
func TestPartitionChangeRecordVersions(t *testing.T) {
	in := []Record{
		&PartitionChangeRecord{PartitionID: 1, TopicID: cluster.TopicID{1, 2}, Leader: NoLeaderChange,
			Replicas: []int32{7, 4, 5}, Adding: []int32{7}, Removing: []int32{5}},
		&PartitionChangeRecord{PartitionID: 1, TopicID: cluster.TopicID{1, 2}, ISR: []int32{7, 4}, Leader: 7,
			Replicas: []int32{7, 4}, Adding: []int32{}, Removing: []int32{}},
		&PartitionChangeRecord{PartitionID: 1, TopicID: cluster.TopicID{1, 2}, ISR: []int32{4}, Leader: NoLeaderChange},
	}
	out, err := decodeBatch(encodeBatch(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the records:\n in  %#v\n out %#v", in, out)
	}
	if in[0].version() != 1 || in[2].version() != 0 {
		t.Fatalf("versions %d and %d, want 1 and 0", in[0].version(), in[2].version())
	}
}

// A new replica whose broker was fenced when the move began joins the ISR
// when it is unfenced, and that change completes the move: every ISR change
// goes through buildChange, or the move would wait for a catch-up its
// broker never sends.
func TestUnfenceCompletesAReassignment(t *testing.T) {
	img := cluster.NewImage("c")
	for _, id := range []int32{1, 2, 3} {
		img.Brokers[id] = &cluster.Broker{ID: id, Fenced: id == 3}
	}
	tid := cluster.TopicID{9}
	img.Topics["t"] = &cluster.Topic{Name: "t", ID: tid, Partitions: []cluster.Partition{
		{ID: 0, Replicas: []int32{2, 3, 1}, ISR: []int32{1, 2}, Leader: 1, LeaderEpoch: 5, Adding: []int32{3}, Removing: []int32{1}}}}
	st := &metaState{img: img, ids: map[cluster.TopicID]string{tid: "t"}}
	var change *PartitionChangeRecord
	for _, r := range unfenceRecords(st, 3, 7) {
		if c, ok := r.(*PartitionChangeRecord); ok {
			change = c
		}
	}
	if change == nil {
		t.Fatal("no PartitionChangeRecord on unfence")
	}
	done := applyChange(img.Topics["t"].Partitions[0], change)
	if done.IsReassigning() || !slices.Equal(done.Replicas, []int32{2, 3}) || done.Leader != 2 || !slices.Equal(done.ISR, []int32{2, 3}) {
		t.Fatalf("after unfence: %+v (record %+v)", done, change)
	}
}
