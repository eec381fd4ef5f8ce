package workloads

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/local"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/metrics"
)

// Bad sweeps are refused before anything starts, each error naming the
// parameter: beyond a million partitions, not ascending, an unknown step.
func TestScaleParamsAreChecked(t *testing.T) {
	for _, c := range []struct {
		params Params
		want   []string
	}{
		{Params{"partitions": "1000,2000000"}, []string{"param partitions=", "2000000", "1000000"}},
		{Params{"partitions": "1000,1000"}, []string{"param partitions=", "increase"}},
		{Params{"partitions": "ten"}, []string{"param partitions=", "ascending"}},
		{Params{"steps": "create,reboot"}, []string{"param steps=", `"reboot"`}},
		{Params{"partition": "10"}, []string{"param partition:", "no such parameter"}},
	} {
		_, err := New("scale", c.params)
		if err == nil {
			t.Errorf("%v: accepted", c.params)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not say %q", c.params, err, w)
			}
		}
	}
	w, err := New("scale", Params{"steps": "failover"})
	if err != nil {
		t.Fatal(err)
	}
	if s := w.(*scale).steps; len(s) != 2 || s[0] != metrics.ScaleCreate {
		t.Errorf("steps %v: create must run first so the cluster grows", s)
	}
}

// A sweep the machine's memory cannot hold is refused with the numbers it
// was judged by; later counts are judged by the growth measured so far.
func TestScaleMemoryGuard(t *testing.T) {
	m := newScaleMemory(cluster.Spec{Mode: cluster.ModeZK, Brokers: 3, ZKServers: 3}, 0)
	m.available = func() (int64, error) { return 4 << 30, nil } // a fake machine with 4 GiB free
	if err := m.check(100_000); err != nil {
		t.Fatalf("100k partitions refused with 4 GiB free: %v", err)
	}
	err := m.check(1_000_000)
	if err == nil {
		t.Fatal("1M partitions accepted with 4 GiB free")
	}
	for _, w := range []string{"param partitions", "1000000 partitions", "GiB", "KiB per partition", "3 brokers", "4.0 GiB available"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	zk := newScaleMemory(cluster.Spec{Mode: cluster.ModeZK, Provider: "local", Brokers: 3, ZKServers: 3}, 512<<20)
	zk.available = m.available
	if err := zk.check(300_000); err == nil || !strings.Contains(err.Error(), "param partitions") || !strings.Contains(err.Error(), "512 MiB heap") {
		t.Errorf("300k partitions in a 512 MiB ZooKeeper heap: %v", err)
	}
	kraft := newScaleMemory(cluster.Spec{Mode: cluster.ModeKRaft, Provider: "local", Brokers: 3, Controllers: 3}, 0)
	kraft.available = m.available
	if err := kraft.check(300_000); err != nil {
		t.Errorf("300k partitions in KRaft mode with 4 GiB free: %v", err)
	}
	// Measured: 50 MiB at 1k, 550 MiB at 11k, so 50 KiB per partition; 100k
	// more would need about 7 GiB.
	m.observe(1000, 50<<20)
	m.observe(11_000, 550<<20)
	err = m.check(111_000)
	if err == nil || !strings.Contains(err.Error(), "as measured between 1000 and 11000 partitions") {
		t.Fatalf("growth measured at 50 KiB per partition: %v", err)
	}
}

// A short sweep of both modes on real local clusters: every step leaves a
// measure at every count, every node's memory is recorded, and each fault
// is a window on the run's clock.
func TestScaleSweepBothModes(t *testing.T) {
	testbin.NeedIntegration(t, "real clusters")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	s := DefaultScenario()
	s.Workload, s.Output, s.Profile = "scale", t.TempDir(), "tuned"
	s.Params = Params{"partitions": "50,200", "partitions_per_topic": "20", "step_timeout": "90s"}
	s.Topology = Topology{Brokers: 3, Controllers: 3, ZKServers: 1}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	r := &Runner{
		Provider: func(cluster.Spec) (cluster.Provider, error) {
			return local.New(local.Options{Kbnode: bin, Dir: t.TempDir(), NoZKFsync: true}), nil
		},
		Progress: &progress,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	results, err := r.Run(ctx, s)
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	if len(results) != 2 {
		t.Fatalf("%d results", len(results))
	}
	steps := []string{"create", "controlled_shutdown", "controlled_shutdown_stop", "failover", "failover_elected", "startup"}
	for _, res := range results {
		got := map[string]float64{}
		for _, m := range res.MeasuresNamed(metrics.MeasureScale) {
			got[m.Labels["step"]+"@"+m.Labels["partitions"]] = m.Value
		}
		for _, n := range []string{"50", "200"} {
			for _, step := range steps {
				if v, ok := got[step+"@"+n]; !ok || v <= 0 {
					t.Errorf("%s: no %s measure at %s partitions (%v)", res.Mode, step, n, got)
				}
			}
			brokers := 0
			for _, m := range res.MeasuresNamed(metrics.MeasureScaleMemory) {
				if m.Labels["partitions"] == n && m.Labels["step"] == "create" && strings.HasPrefix(m.Labels["node"], "broker-") && m.Value > 0 {
					brokers++
				}
			}
			if brokers != 3 {
				t.Errorf("%s: memory of %d brokers after create at %s partitions, want 3", res.Mode, brokers, n)
			}
		}
		if len(res.Faults) != 4 {
			t.Errorf("%s: %d fault windows, want 4 (a stop and a kill per count)", res.Mode, len(res.Faults))
		}
		for _, f := range res.Faults {
			if f.EndNs <= f.StartNs {
				t.Errorf("%s: fault %+v never healed", res.Mode, f)
			}
		}
	}
}

// An interrupted sweep stops at once with what it measured.
func TestScaleStopsWhenInterrupted(t *testing.T) {
	w, err := New("scale", Params{"partitions": "10,20", "steps": "create"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = w.Run(ctx, testEnv(newFakeAdmin(0, 0)))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run after cancel: %v, want context.Canceled", err)
	}
}

// The create step's bound follows the partitions it adds, with room for
// what a 1M step was measured to need here (665k partitions made in 52
// minutes, still going), and step_timeout overrides it.
func TestScaleCreateBound(t *testing.T) {
	w := &scale{}
	if got := w.createTimeout(900_000); got < 2*time.Hour {
		t.Errorf("bound for creating 900k partitions %v, want at least 2h (52 min made 665k of them)", got)
	}
	if got := w.createTimeout(1000); got < 2*time.Minute || got > 3*time.Minute {
		t.Errorf("bound for creating 1k partitions %v, want 2-3 min", got)
	}
	w.stepTimeout = 90 * time.Second
	if got := w.createTimeout(900_000); got != 90*time.Second {
		t.Errorf("step_timeout 90s gave a create bound of %v", got)
	}
}
