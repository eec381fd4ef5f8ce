package report

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// The chaos section: a row per soak with its availability, the
// unavailability per fault kind and target per mode, and a violation shown
// with the seed that reproduces it.
func TestChaosSection(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		mode  cluster.Mode
		unav  []float64
		notes []string
	}{
		{cluster.ModeZK, []float64{18, 0}, []string{"chaos: 2 faults survived, 0 skipped; at the end safety: linearizability: ok"}},
		{cluster.ModeKRaft, []float64{2, 0}, []string{"run ended early: chaos: safety check after fault 2 of 2 (kill of the controller) failed: lost t; reproduce with --param seed=5 --param faults=2"}},
	} {
		r := failoverRun(t, c.mode, 0, nil, nil)
		r.Workload = "chaos"
		r.Params = map[string]string{"seed": "5", "faults": "2"}
		r.Started = time.Unix(1000, 0)
		r.Finished = r.Started.Add(100 * time.Second)
		r.Measures = nil
		for i, v := range c.unav {
			with := "none"
			if i == 1 {
				with = "stop of the broker"
			}
			r.Measures = append(r.Measures, metrics.Measure{Name: metrics.MeasureChaosUnavailable, Unit: "s", Value: v,
				Labels: map[string]string{"fault": "kill", "target": "controller", "with": with}})
		}
		r.Notes = c.notes
		writeResults(t, dir, r)
	}
	out, err := Generate(Options{In: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out.Report)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		"### Chaos soak",
		"| ZooKeeper | local | 5 | 2 | 18s | 82.00% | chaos: 2 faults survived, 0 skipped; at the end safety: linearizability: ok |",
		"| KRaft | local | 5 | 2 | 2s | 98.00% | **run ended early: chaos: safety check after fault 2 of 2 (kill of the controller) failed: lost t; reproduce with --param seed=5 --param faults=2** |",
		"| kill | controller | 2 (1) | 9s | 18s | 2 (1) | 1s | 2s |",
		"![chaos timeline](chaos-timeline.png)",
	} {
		if !strings.Contains(text, want) {
			i := strings.Index(text, "### Chaos soak")
			t.Errorf("report lacks %q:\n%.2500s", want, text[max(i, 0):])
		}
	}
}
