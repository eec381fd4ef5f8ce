package workloads

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// slowCluster takes 40 ms to stop and counts its stops.
type slowCluster struct {
	bootstrapped
	stops *atomic.Int32
}

func (c slowCluster) Stop(context.Context) error {
	time.Sleep(40 * time.Millisecond)
	c.stops.Add(1)
	return nil
}

// slowProvider takes 30 ms to start its cluster.
type slowProvider struct{ fakeProvider }

func (p slowProvider) Start(ctx context.Context, s cluster.Spec) (cluster.Cluster, error) {
	time.Sleep(30 * time.Millisecond)
	return p.fakeProvider.Start(ctx, s)
}

// A result says where its run's wall time went: the cluster's start, the
// workload and the cluster's removal, which happens (once) before the
// result is written so that the file holds it.
func TestRunnerRecordsSetupAndTeardown(t *testing.T) {
	var stops atomic.Int32
	c := slowCluster{stops: &stops}
	registry["oneop"] = func(Params) (Workload, error) { return oneOp{}, nil }
	t.Cleanup(func() { delete(registry, "oneop") })
	s := DefaultScenario()
	s.Workload, s.Modes, s.Output = "oneop", []cluster.Mode{cluster.ModeZK}, t.TempDir()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Provider: func(cluster.Spec) (cluster.Provider, error) { return slowProvider{fakeProvider{c}}, nil }}
	results, err := r.Run(context.Background(), s)
	if err != nil || len(results) != 1 {
		t.Fatalf("%d results, %v", len(results), err)
	}
	w := results[0].Wall
	if w == nil {
		t.Fatal("no wall time in the result")
	}
	ms := func(ns int64) time.Duration { return time.Duration(ns) }
	if ms(w.SetupNs) < 30*time.Millisecond || ms(w.WorkloadNs) < 10*time.Millisecond || ms(w.TeardownNs) < 40*time.Millisecond || w.FloorNs != 0 {
		t.Errorf("wall %+v: want setup >= 30ms, workload >= 10ms, teardown >= 40ms, no floor", *w)
	}
	// Finished is the workload's end: the report's run duration leaves the
	// teardown out.
	if d := results[0].Finished.Sub(results[0].Started); d >= ms(w.WorkloadNs)+ms(w.TeardownNs)/2 {
		t.Errorf("run lasted %v by its result, with workload %v and teardown %v: Finished includes the teardown", d, ms(w.WorkloadNs), ms(w.TeardownNs))
	}
	if n := stops.Load(); n != 1 {
		t.Errorf("cluster stopped %d times, want once", n)
	}
	if w.Total() != ms(w.SetupNs+w.WorkloadNs+w.TeardownNs) {
		t.Errorf("total %v of %+v", w.Total(), *w)
	}
}
