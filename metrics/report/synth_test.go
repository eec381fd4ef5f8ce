package report

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/twmb/franz-go/pkg/kerr"
)

// opSpec describes synthetic samples of one op: n sequential calls of about
// lat (±5% jitter), errs of which fail with NOT_CONTROLLER.
type opSpec struct {
	lat  time.Duration
	n    int
	errs int
}

// synth builds a real result (recorder, histograms, throughput) for one run.
// Calls are back to back, so throughput is about 1/lat.
func synth(t *testing.T, workload string, mode cluster.Mode, run int, ops map[string]opSpec, params map[string]string) *metrics.Result {
	t.Helper()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(run) * time.Hour)
	if mode == cluster.ModeKRaft {
		base = base.Add(time.Minute)
	}
	rec := metrics.NewRecorder(metrics.RecorderOptions{Base: base})
	rng := rand.New(rand.NewPCG(uint64(run), uint64(len(mode))))
	for _, name := range slices.Sorted(maps.Keys(ops)) {
		o := ops[name]
		at := base
		for i := 0; i < o.n+o.errs; i++ {
			d := time.Duration(float64(o.lat) * (0.95 + 0.1*rng.Float64()))
			var err error
			if i < o.errs {
				err = kerr.NotController
			}
			rec.Record(metrics.Sample{Op: name, Start: at, End: at.Add(d), Err: err})
			at = at.Add(d)
		}
	}
	res, err := rec.Results()
	if err != nil {
		t.Fatal(err)
	}
	return &metrics.Result{
		Schema: metrics.SchemaVersion, Workload: workload, Mode: mode, Provider: "local",
		Profile: "kafka-defaults", Seed: int64(run), Started: base, Finished: base.Add(time.Minute),
		Machine:  metrics.Machine{Hostname: "bench1", Cores: 2, MemoryBytes: 8 << 30, OS: "linux", Arch: "amd64"},
		Topology: map[string]int{"brokers": 3, "controllers": 3, "zk_servers": 3},
		Timeouts: map[string]string{"zookeeper.session.timeout.ms": "18000"},
		Params:   params, Notes: []string{"synthetic " + workload + " run"}, Ops: res,
	}
}

// writeResults writes results as kraftbench bench does (json, hlog,
// bench.txt) into dir.
func writeResults(t *testing.T, dir string, rs ...*metrics.Result) {
	t.Helper()
	for _, r := range rs {
		if _, err := r.WriteFiles(dir); err != nil {
			t.Fatal(err)
		}
	}
}
