package safety

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func active(epoch int64) cluster.Status {
	return cluster.Status{Active: true, ControllerEpoch: epoch}
}

// Two nodes active in one epoch is flagged, once, naming both.
func TestEpochWatchFlagsTwoActivesInOneEpoch(t *testing.T) {
	w := NewEpochWatch()
	t0 := time.Now()
	w.Observe(1, active(5), t0)
	w.Observe(2, cluster.Status{ActiveControllerID: 1, ControllerEpoch: 5}, t0)
	w.Observe(1, active(5), t0.Add(time.Second))
	w.Observe(2, active(5), t0.Add(time.Second))
	w.Observe(3, active(5), t0.Add(2*time.Second))
	w.Observe(3, active(6), t0.Add(3*time.Second))
	v := w.Violations()
	if len(v) != 1 || v[0].Check != CheckSplitBrain || v[0].Epoch != 5 || !slices.Equal(v[0].Nodes, []int32{1, 2, 3}) ||
		!strings.Contains(v[0].Detail, "epoch 5 had 3 active controllers") {
		t.Fatalf("%v", v)
	}
	if w.Observations() != 6 || len(w.Claims()) != 4 {
		t.Fatalf("observations %d, claims %v", w.Observations(), w.Claims())
	}
}

// A handover across epochs is fine, even when the old controller still
// believes itself active for a while (it is fenced by its older epoch).
func TestEpochWatchAcceptsHandover(t *testing.T) {
	w := NewEpochWatch()
	t0 := time.Now()
	w.Observe(1, active(3), t0)
	w.Observe(2, active(4), t0.Add(time.Second))
	w.Observe(1, active(3), t0.Add(2*time.Second)) // a paused old controller, resumed
	w.Observe(1, cluster.Status{ActiveControllerID: 2, ControllerEpoch: 4}, t0.Add(3*time.Second))
	if v := w.Violations(); len(v) != 0 {
		t.Fatalf("%v", v)
	}
	c := w.Claims()
	want := []Claim{{3, 1, t0, t0.Add(2 * time.Second)}, {4, 2, t0.Add(time.Second), t0.Add(time.Second)}}
	if !slices.Equal(c, want) {
		t.Fatalf("claims %v, want %v", c, want)
	}
}

func TestEpochWatchConcurrentObservers(t *testing.T) {
	w := NewEpochWatch()
	var wg sync.WaitGroup
	for n := range int32(4) {
		wg.Go(func() {
			for e := range int64(100) {
				if e%4 == int64(n) { // one node per epoch
					w.Observe(n, active(e), time.Now())
				} else {
					w.Observe(n, cluster.Status{ControllerEpoch: e}, time.Now())
				}
			}
		})
	}
	wg.Wait()
	if v := w.Violations(); len(v) != 0 || len(w.Claims()) != 100 || w.Observations() != 400 {
		t.Fatalf("violations %v, %d claims, %d observations", v, len(w.Claims()), w.Observations())
	}
}
