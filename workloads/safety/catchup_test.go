package safety

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// fakeStatuses answers Status from a function of the node and how many
// times it was asked.
type fakeStatuses struct {
	nodes []cluster.NodeInfo
	mu    sync.Mutex
	asked map[int32]int
	st    func(id int32, asked int) cluster.Status
}

func newFakeStatuses(ids []int32, st func(id int32, asked int) cluster.Status) *fakeStatuses {
	f := &fakeStatuses{asked: map[int32]int{}, st: st}
	for _, id := range ids {
		f.nodes = append(f.nodes, cluster.NodeInfo{ID: id, Kind: "node"})
	}
	return f
}

func (f *fakeStatuses) Nodes() []cluster.NodeInfo { return f.nodes }

func (f *fakeStatuses) Status(_ context.Context, id int32) (cluster.Status, error) {
	f.mu.Lock()
	f.asked[id]++
	n := f.asked[id]
	f.mu.Unlock()
	return f.st(id, n), nil
}

// KRaft brokers that all serve the same old image are waited for until
// each reaches the offset the active controller held at the call: the
// controller acknowledged writes they do not have yet (Kafka 3.9 brokers
// learn a commit with the next append).
func TestCatchUpWaitsForTheControllersOffset(t *testing.T) {
	f := newFakeStatuses([]int32{1, 2, 3, 1001}, func(id int32, asked int) cluster.Status {
		if id == 1001 {
			// The controller's offset moves on (NoOpRecords): only the
			// first answer is the target.
			return cluster.Status{Mode: cluster.ModeKRaft, Active: true, MetadataOffset: int64(40 + asked)}
		}
		off := int64(38) // two entries behind: the last acknowledged create
		if asked > 4 {
			off = 45
		}
		return cluster.Status{Mode: cluster.ModeKRaft, MetadataOffset: off}
	})
	got, err := CatchUp(context.Background(), f, []int32{1, 2, 3}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got.Target != 41 || got.Controller != 1001 || got.Took < 3*convergePoll {
		t.Fatalf("%+v: want target 41 from node 1001, after at least three polls", got)
	}
}

// ZooKeeper-mode brokers are not waited for: their offsets count pushes,
// and the controller answered once its own broker had the write.
func TestCatchUpSkipsZooKeeperMode(t *testing.T) {
	f := newFakeStatuses([]int32{1, 2, 3}, func(id int32, _ int) cluster.Status {
		return cluster.Status{Mode: cluster.ModeZK, Active: id == 1, MetadataOffset: int64(id)}
	})
	start := time.Now()
	got, err := CatchUp(context.Background(), f, []int32{1, 2, 3}, 10*time.Second)
	if err != nil || got.Target != 0 || time.Since(start) > time.Second {
		t.Fatalf("%+v, %v after %v", got, err, time.Since(start))
	}
}

// A broker that never catches up, or a cluster with no active KRaft
// controller, fails the wait, saying which.
func TestCatchUpNamesBrokersBehind(t *testing.T) {
	f := newFakeStatuses([]int32{1, 2, 1001}, func(id int32, _ int) cluster.Status {
		switch id {
		case 1001:
			return cluster.Status{Mode: cluster.ModeKRaft, Active: true, MetadataOffset: 50}
		case 2:
			return cluster.Status{Mode: cluster.ModeKRaft, MetadataOffset: 49}
		}
		return cluster.Status{Mode: cluster.ModeKRaft, MetadataOffset: 50}
	})
	_, err := CatchUp(context.Background(), f, []int32{1, 2}, 400*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "broker 2 serves offset 49") || strings.Contains(err.Error(), "broker 1 ") ||
		!strings.Contains(err.Error(), "offset 50 on node 1001") {
		t.Errorf("a broker behind: %v", err)
	}
	none := newFakeStatuses([]int32{1, 2}, func(int32, int) cluster.Status {
		return cluster.Status{Mode: cluster.ModeKRaft, MetadataOffset: 50}
	})
	if _, err := CatchUp(context.Background(), none, []int32{1, 2}, 300*time.Millisecond); err == nil ||
		!strings.Contains(err.Error(), "no active KRaft controller") {
		t.Errorf("no active controller: %v", err)
	}
	if _, err := CatchUp(context.Background(), f, nil, time.Second); err == nil {
		t.Error("no brokers: no error")
	}
}
