package report

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// reassignRun is a synthetic reassign run: batches of the given times and
// per-batch write unavailability (seconds).
func reassignRun(t *testing.T, mode cluster.Mode, run, partitions int, complete, every time.Duration, unavail ...float64) *metrics.Result {
	t.Helper()
	r := synth(t, "reassign", mode, run, map[string]opSpec{
		"reassign":             {lat: 20 * time.Millisecond, n: len(unavail)},
		"reassign_complete":    {lat: complete, n: len(unavail)},
		"reassign_propagation": {lat: every, n: len(unavail)},
	}, map[string]string{"topics": "10", "partitions": strconv.Itoa(partitions / 10), "move": "100"})
	for i, v := range unavail {
		r.Measures = append(r.Measures, metrics.Measure{Name: metrics.MeasureReassignUnavailable, Unit: "s", Value: v,
			Labels: map[string]string{"batch": strconv.Itoa(i + 1), "moved": "100"}})
	}
	return r
}

func TestReassignSectionPerPartitionCount(t *testing.T) {
	dir := t.TempDir()
	for run := range 2 {
		writeResults(t, dir,
			reassignRun(t, cluster.ModeZK, run, 1000, 2*time.Second, 2100*time.Millisecond, 0, 1.5, 0),
			reassignRun(t, cluster.ModeKRaft, run, 1000, 500*time.Millisecond, 600*time.Millisecond, 0, 0, 0),
			reassignRun(t, cluster.ModeZK, 10+run, 10000, 4*time.Second, 4*time.Second, 2, 2, 2),
		)
	}
	out, err := Generate(Options{In: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out.Report)
	if err != nil {
		t.Fatal(err)
	}
	text := from(string(b), "### Reassignment batches")
	for _, want := range []string{
		"| series | partitions | moved per batch | runs | batches | accepted | complete | every broker | writes unavailable (median) | (largest) |",
		"| ZooKeeper | 1000 | 100 | 2 | 6 | ",
		"| KRaft | 1000 | 100 | 2 | 6 | ",
		"| ZooKeeper | 10000 | 100 | 2 | 6 | ",
		"- 1000 partitions: KRaft/ZooKeeper, batch complete 0.25",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("reassign section lacks %q\n%s", want, text)
		}
	}
	if strings.Contains(text, "- 10000 partitions:") {
		t.Error("a ratio at 10000 partitions, where no KRaft run was")
	}
}
