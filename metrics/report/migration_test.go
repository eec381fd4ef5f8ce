package report

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// migrationRun is a synthetic migration run at n partitions: a probe
// timeline with failures in the handover, the steps as windows, and the
// given phase durations and unavailability per step (seconds).
func migrationRun(t *testing.T, run, n int, phases, unavail map[string]float64) *metrics.Result {
	t.Helper()
	r := synth(t, "migration", cluster.ModeZK, run, map[string]opSpec{"create": {lat: 5 * time.Millisecond, n: 200}}, map[string]string{"partitions": strconv.Itoa(n)})
	for i := range r.Ops {
		if r.Ops[i].Op == "create" {
			for j := range 200 {
				s := metrics.TimedSample{AtNs: int64(j) * int64(100*time.Millisecond), LatencyNs: int64(5 * time.Millisecond)}
				if j >= 30 && j < 35 {
					s.Code, s.Error = 41, "NOT_CONTROLLER"
				}
				r.Ops[i].Timeline = append(r.Ops[i].Timeline, s)
			}
		}
	}
	sec := func(s float64) int64 { return int64(s * float64(time.Second)) }
	r.Faults = []metrics.FaultWindow{
		{Kind: "migrate-start", Target: "controller", Node: "quorum", StartNs: sec(2), EndNs: sec(5)},
		{Kind: "roll", Target: "broker", Node: "1", StartNs: sec(7), EndNs: sec(8)},
		{Kind: "roll", Target: "broker", Node: "2", StartNs: sec(10), EndNs: sec(11)},
		{Kind: "finalize", Target: "controller", Node: "quorum", StartNs: sec(14), EndNs: sec(15)},
	}
	for ph, v := range phases {
		r.Measures = append(r.Measures, metrics.Measure{Name: metrics.MeasureMigrationPhase, Unit: "s", Value: v,
			Labels: map[string]string{"phase": ph, "partitions": strconv.Itoa(n)}})
	}
	for step, v := range unavail {
		r.Measures = append(r.Measures, metrics.Measure{Name: metrics.MeasureMigrationUnavailable, Unit: "s", Value: v,
			Labels: map[string]string{"step": step, "partitions": strconv.Itoa(n)}})
	}
	return r
}

func TestMigrationSectionTablesAndPlots(t *testing.T) {
	dir := t.TempDir()
	for run := range 3 {
		d := float64(run) * 0.1
		writeResults(t, dir,
			migrationRun(t, run, 1000,
				map[string]float64{"start_controllers": 0.1, "start_link": 2 + d, "start_copy": 1, "copy": 0.5, "handover": 1.5, "start": 3.1 + d,
					"roll_broker_1": 0.2, "roll_broker_2": 0.3, "roll": 0.5, "finalize": 0.8, "total": 4.4 + d},
				map[string]float64{"baseline": 0, "link": 1 + d, "handover": 0.5, "roll_broker_1": 0, "roll_broker_2": 0.25, "finalize": 0}),
			migrationRun(t, 10+run, 100000,
				map[string]float64{"start": 60, "copy": 8, "handover": 20, "roll_broker_1": 1.5, "roll_broker_2": 1.7, "roll": 3.2, "finalize": 3, "total": 66.2},
				map[string]float64{"link": 45, "handover": 16, "roll_broker_1": 0, "roll_broker_2": 0, "finalize": 0}))
	}
	out, err := Generate(Options{In: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out.Report)
	if err != nil {
		t.Fatal(err)
	}
	text := from(string(b), "### Migration")
	for _, want := range []string{
		"| phase | 1000 partitions (3 runs) | 100000 partitions (3 runs) |",
		"| start: each broker restarted linked to them, one at a time, each until every broker serves one digest | 2.1s | - |",
		"| start: controller handover, from taking /controller until every broker serves the KRaft controller's metadata | 1.5s | 20s |",
		"| **start** | 3.2s | 60s |",
		// per broker: 0.2 and 0.3 in each run, median 0.25 s; 1.5 and 1.7.
		"| roll: one broker into KRaft mode (median over the brokers) | 250ms | 1.6s |",
		"| **total** (start + roll + finalize or rollback) | 4.5s | 66.2s |",
		"| step | 1000 partitions (3 runs) | 100000 partitions (3 runs) |",
		"| before the migration (the probe alone) | 0 | - |",
		"| controller handover (ZooKeeper controller to KRaft controller) | 500ms | 16s |",
		"| roll, every broker (sum) | 250ms | 0 |",
		// all steps, run by run: 1 + 0.5 + 0.25 (+ d), median 1.85 s; 61 s.
		"| **all steps** (sum, without before) | 1.85s | 61s |",
		"![migration phases against partitions](migration-phases.png)",
		"![migration timeline](migration-timeline.png)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("migration section lacks %q", want)
		}
	}
	if strings.Contains(text, "rollback") && strings.Contains(text, "| **rollback** |") {
		t.Error("a row for rollback, which no run did")
	}
	for _, f := range []string{"migration-phases.png", "migration-phases.svg", "migration-timeline.png", "migration-timeline.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("plot %s: %v", f, err)
		}
	}
}

func TestMigrationTags(t *testing.T) {
	for f, want := range map[metrics.FaultWindow]string{
		{Kind: "migrate-start"}:          "S",
		{Kind: "roll", Node: "3"}:        "R3",
		{Kind: "finalize"}:               "F",
		{Kind: "rollback"}:               "B",
		{Kind: "kill", Target: "broker"}: "kill",
	} {
		if got := migrationTag(f); got != want {
			t.Errorf("%+v: %q, want %q", f, got, want)
		}
	}
}
