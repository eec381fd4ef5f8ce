package workloads

import (
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

type nopSink struct{}

func (nopSink) Observe(metrics.Sample) {}

func TestRunSinksGetRunLabels(t *testing.T) {
	shared := make([]metrics.Sink, 1, 4)
	shared[0] = nopSink{}
	var got metrics.RunLabels
	r := &Runner{Sinks: shared, RunSinks: func(l metrics.RunLabels) []metrics.Sink {
		got = l
		return []metrics.Sink{nopSink{}}
	}}
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sinks := r.runSinks(Scenario{Workload: "topics"}, cluster.Spec{Mode: "kraft", Provider: "local"}, base)
	want := metrics.RunLabels{Mode: "kraft", Workload: "topics", Provider: "local", Run: "topics-kraft-20260102T030405.000Z"}
	if got != want || len(sinks) != 2 {
		t.Errorf("labels %+v, %d sinks; want %+v and 2", got, len(sinks), want)
	}
	if shared[:2][1] != nil {
		t.Error("runSinks wrote into Runner.Sinks' spare capacity")
	}
	r.RunSinks = nil
	if s := r.runSinks(Scenario{}, cluster.Spec{}, base); len(s) != 1 {
		t.Errorf("without RunSinks: %d sinks, want Sinks alone", len(s))
	}
}
