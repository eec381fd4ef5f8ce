package report

import (
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

func resolutionRun(mode cluster.Mode, p50, max time.Duration) *Run {
	return &Run{Result: &metrics.Result{Mode: mode, Resolution: []metrics.Resolution{{
		Poller: "readiness", Round: "GET /status of 6 nodes, concurrently", IntervalNs: int64(50 * time.Millisecond),
		Rounds: 15, RoundP50Ns: int64(p50), RoundP99Ns: int64(max), RoundMaxNs: int64(max)}}}}
}

// The report states, per mode, the interval and the measured round cost,
// with the worst lag they allow: interval plus the largest round.
func TestReportStatesResolution(t *testing.T) {
	w := &Workload{Name: "startup", Runs: []*Run{
		resolutionRun(cluster.ModeZK, 2*time.Millisecond, 9*time.Millisecond),
		resolutionRun(cluster.ModeZK, 3*time.Millisecond, 4*time.Millisecond),
		resolutionRun(cluster.ModeZK, 4*time.Millisecond, 5*time.Millisecond),
		resolutionRun(cluster.ModeKRaft, time.Millisecond, 2*time.Millisecond),
	}}
	var m md
	writeResolution(&m, w)
	got := m.String()
	for _, want := range []string{
		"### Resolution",
		"| zk | readiness | GET /status of 6 nodes, concurrently | 50ms | 3ms | 5ms | 9ms | 45 | 59ms |",
		"| kraft | readiness | GET /status of 6 nodes, concurrently | 50ms | 1ms | 2ms | 2ms | 15 | 52ms |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

// Results that state no resolution (older files, workloads that poll
// nothing) get no section.
func TestReportWithoutResolutionSaysNothing(t *testing.T) {
	var m md
	writeResolution(&m, &Workload{Name: "topics", Runs: []*Run{{Result: &metrics.Result{Mode: cluster.ModeZK}}}})
	if m.String() != "" {
		t.Errorf("wrote %q for runs without a resolution", m.String())
	}
}
