package workloads

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
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

// events is a time-ordered log of what the fakes of the overlap test did.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	e.log = append(e.log, s)
	e.mu.Unlock()
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

// loggedCluster logs its stop's start and end; the stop takes 150 ms.
type loggedCluster struct {
	bootstrapped
	name string
	ev   *events
}

func (c loggedCluster) Stop(context.Context) error {
	c.ev.add("stop " + c.name + " begins")
	time.Sleep(150 * time.Millisecond)
	c.ev.add("stop " + c.name + " ends")
	return nil
}

// loggedProvider logs each start; a start takes 30 ms.
type loggedProvider struct {
	ev *events
	n  *atomic.Int32
}

func (p loggedProvider) Name() string { return "fake" }
func (p loggedProvider) Start(_ context.Context, s cluster.Spec) (cluster.Cluster, error) {
	name := fmt.Sprint(p.n.Add(1))
	p.ev.add("start " + name + " begins")
	time.Sleep(30 * time.Millisecond)
	return loggedCluster{name: name, ev: p.ev}, nil
}

// loggedOp logs its workload's start and end.
type loggedOp struct{ ev *events }

func (loggedOp) Name() string { return "loggedop" }
func (w loggedOp) Run(ctx context.Context, env *Env) (Outcome, error) {
	name := env.Cluster.(loggedCluster).name
	w.ev.add("workload " + name + " begins")
	start := time.Now()
	time.Sleep(10 * time.Millisecond)
	env.Rec.Record(metrics.Sample{Op: "noop", Start: start, End: time.Now()})
	w.ev.add("workload " + name + " ends")
	return Outcome{}, nil
}

// The next run's cluster starts while the last one is removed, and its
// workload only once that removal is over: no workload ever overlaps a
// teardown, the wall times count the overlap once, every result is written
// in run order and Run returns after the last teardown.
func TestRunnerOverlapsTeardownWithTheNextSetupOnly(t *testing.T) {
	ev := &events{}
	registry["loggedop"] = func(Params) (Workload, error) { return loggedOp{ev}, nil }
	t.Cleanup(func() { delete(registry, "loggedop") })
	s := DefaultScenario()
	s.Workload, s.Modes, s.Repetitions, s.Output = "loggedop", []cluster.Mode{cluster.ModeZK, cluster.ModeKRaft}, 2, t.TempDir()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	r := &Runner{Provider: func(cluster.Spec) (cluster.Provider, error) { return loggedProvider{ev, &n}, nil }}
	t0 := time.Now()
	results, err := r.Run(context.Background(), s)
	wall := time.Since(t0)
	if err != nil || len(results) != 4 {
		t.Fatalf("%d results, %v", len(results), err)
	}
	log := ev.all()
	if got := log[len(log)-1]; got != "stop 4 ends" {
		t.Fatalf("Run returned before the last teardown ended: log ends with %q\n%s", got, strings.Join(log, "\n"))
	}
	at := map[string]int{}
	for i, e := range log {
		at[e] = i
	}
	for k := 2; k <= 4; k++ {
		prevEnd := at[fmt.Sprintf("stop %d ends", k-1)]
		if at[fmt.Sprintf("start %d begins", k)] > prevEnd {
			t.Errorf("start %d began after the previous teardown ended: no overlap\n%s", k, strings.Join(log, "\n"))
		}
		if at[fmt.Sprintf("workload %d begins", k)] < prevEnd {
			t.Fatalf("workload %d began during the previous teardown\n%s", k, strings.Join(log, "\n"))
		}
	}
	var sum metrics.WallTime
	for i, res := range results {
		if want := s.Modes[[]int{0, 1, 1, 0}[i]]; res.Mode != want {
			t.Errorf("result %d is %s, want %s (run order)", i, res.Mode, want)
		}
		sum = sum.Add(*res.Wall)
	}
	if sum.OverlapNs <= 0 {
		t.Errorf("no overlap recorded: %+v", sum)
	}
	// The phases, counted once, fit in the wall time Run took.
	if sum.Total() > wall {
		t.Errorf("phases total %v (overlap %v) > wall %v", sum.Total(), time.Duration(sum.OverlapNs), wall)
	}
}
