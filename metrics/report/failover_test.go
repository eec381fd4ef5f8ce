package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// failoverRun is a synthetic failover run: a probe timeline, one kill of the
// controller and one stop of a broker with the given measures (seconds).
func failoverRun(t *testing.T, mode cluster.Mode, run int, killCtl, stopBroker map[string]float64) *metrics.Result {
	t.Helper()
	r := synth(t, "failover", mode, run, map[string]opSpec{"create": {lat: 5 * time.Millisecond, n: 200}}, nil)
	for i := range r.Ops {
		if r.Ops[i].Op == "create" {
			for j := range 200 {
				s := metrics.TimedSample{AtNs: int64(j) * int64(50*time.Millisecond), LatencyNs: int64(5 * time.Millisecond)}
				if j == 60 {
					s.Code, s.Error = 41, "NOT_CONTROLLER"
				}
				r.Ops[i].Timeline = append(r.Ops[i].Timeline, s)
			}
		}
	}
	r.Faults = []metrics.FaultWindow{
		{Kind: "kill", Target: "controller", Node: "1", StartNs: int64(2 * time.Second), EndNs: int64(4 * time.Second)},
		{Kind: "stop", Target: "broker", Node: "2", StartNs: int64(6 * time.Second), EndNs: int64(7 * time.Second)},
	}
	add := func(fault, target string, ms map[string]float64) {
		for meas, v := range ms {
			r.Measures = append(r.Measures, metrics.Measure{Name: metrics.MeasureFailover, Unit: "s", Value: v,
				Labels: map[string]string{"fault": fault, "target": target, "measure": meas}})
		}
	}
	add("kill", "controller", killCtl)
	add("stop", "broker", stopBroker)
	return r
}

func TestFailoverSectionTableVerdictAndPlots(t *testing.T) {
	dir := t.TempDir()
	for run := range 3 {
		d := float64(run) * 0.1
		writeResults(t, dir,
			failoverRun(t, cluster.ModeZK, run, map[string]float64{"new_controller": 18 + d, "leaders_moved": 18.2 + d, "unavailable": 19 + d, "converged": 0.05},
				map[string]float64{"leaders_moved": 0.06, "unavailable": 0, "converged": 0.05}),
			failoverRun(t, cluster.ModeKRaft, run, map[string]float64{"new_controller": 2.5 + d, "unavailable": 2.6 + d, "converged": 0.01},
				map[string]float64{"leaders_moved": 0.01, "unavailable": 0, "converged": 0.05}))
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
		"### Failover",
		"#### Profile `kafka-defaults`",
		// Recovery is the largest of new_controller, leaders_moved and
		// unavailable: 19.1 s against 2.7 s at the median run.
		"| kill | controller | **recovery** | 19.1s | 19.2s | 2.7s | 2.8s | 0.141x | 3/3 |",
		"| stop | broker | leaders_moved | 60ms | 60ms | 10ms | 10ms | 0.167x | 3/3 |",
		"| Failover 70% faster |",
		"kill -9 of the active controller under Kafka's default timeouts",
		"![failover timeline](failover-timeline-kafka-defaults.png)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// KRaft recovered in 0.14x of ZooKeeper's time, beyond the claimed 0.3x
	// in every pair of runs: supported.
	if got := claimVerdict(text, "Failover 70% faster", cluster.DefaultKafkaVersion); got != string(Supported) {
		i := strings.Index(text, "### Failover 70% faster")
		t.Errorf("failover claim %q, want supported: %.300s", got, text[max(i, 0):])
	}
	for _, f := range []string{"failover-recovery-kafka-defaults.png", "failover-timeline-kafka-defaults.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("plot %s: %v", f, err)
		}
	}
}

// A figure a run could not measure is counted beside the episodes and keeps
// its run out of the recovery (whose largest part is unknown); it never
// reads as a zero.
func TestFailoverNotMeasuredIsCountedNotZero(t *testing.T) {
	dir := t.TempDir()
	for run := range 2 {
		zk := failoverRun(t, cluster.ModeZK, run, map[string]float64{"new_controller": 18, "unavailable": 19, "converged": 0.05}, nil)
		kr := failoverRun(t, cluster.ModeKRaft, run, map[string]float64{"new_controller": 2.5, "converged": 0.01}, nil)
		if run == 0 {
			kr.Measures = append(kr.Measures, metrics.Measure{Name: metrics.MeasureFailover, Unit: "s",
				Labels:      map[string]string{"fault": "kill", "target": "controller", "measure": "unavailable"},
				NotMeasured: "no write succeeded"})
		} else {
			kr.Measures = append(kr.Measures, metrics.Measure{Name: metrics.MeasureFailover, Unit: "s", Value: 2.6,
				Labels: map[string]string{"fault": "kill", "target": "controller", "measure": "unavailable"}})
		}
		writeResults(t, dir, zk, kr)
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
		"| kill | controller | unavailable | 19s | 19s | 2.6s | 2.6s | 0.137x | 2/1 (KRaft: 1 not measured) |",
		"| kill | controller | **recovery** | 19s | 19s | 2.6s | 2.6s | 0.137x | 2/1 (KRaft: 1 not measured) |",
	} {
		if !strings.Contains(text, want) {
			i := strings.Index(text, "| kill | controller |")
			t.Errorf("report lacks %q:\n%.1200s", want, text[max(i, 0):])
		}
	}
}

// A quorum loss gets a table of its own, the two modes side by side: what
// creates met while it lasted, whether brokers still answered Metadata, and
// how long writes took to come back.
func TestFailoverQuorumLossSideBySide(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		mode                      cluster.Mode
		target                    string
		failed, answered, unav, w float64
		note                      string
	}{
		{cluster.ModeZK, "zk-quorum", 1, 1, 10.5, 0.4, "100 of 100 failed or stalled (REQUEST_TIMED_OUT x100)"},
		{cluster.ModeKRaft, "controller-quorum", 0.9, 1, 11.2, 1.1, "90 of 100 failed or stalled (NOT_CONTROLLER x90, succeeded x10)"},
	} {
		r := failoverRun(t, c.mode, 0, map[string]float64{"new_controller": 1, "unavailable": 1, "converged": 0.01}, nil)
		r.Measures = append(r.Measures,
			metrics.Measure{Name: metrics.MeasureQuorumLoss, Unit: "fraction", Value: c.failed, Labels: map[string]string{"fault": "kill", "target": c.target, "seen": string(metrics.QuorumCreatesFailed)}},
			metrics.Measure{Name: metrics.MeasureQuorumLoss, Unit: "fraction", Value: c.answered, Labels: map[string]string{"fault": "kill", "target": c.target, "seen": string(metrics.QuorumMetadataAnswered)}},
			metrics.Measure{Name: metrics.MeasureFailover, Unit: "s", Value: c.unav, Labels: map[string]string{"fault": "kill", "target": c.target, "measure": "unavailable"}},
			metrics.Measure{Name: metrics.MeasureFailover, Unit: "s", Value: c.w, Labels: map[string]string{"fault": "kill", "target": c.target, "measure": "writable_after_heal"}},
			metrics.Measure{Name: metrics.MeasureFailover, Unit: "s", Value: 0.02, Labels: map[string]string{"fault": "kill", "target": c.target, "measure": "converged"}})
		r.Notes = append(r.Notes, "kill of the "+c.target+" (node 1 and node 3): creates while the quorum was lost: "+c.note)
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
		"#### Loss of the metadata quorum, side by side",
		"| kill | ZooKeeper | zk-quorum | 100% | 100% | 10.5s | 400ms | 20ms | 100 of 100 failed or stalled (REQUEST_TIMED_OUT x100) |",
		"| kill | KRaft | controller-quorum | 90% | 100% | 11.2s | 1.1s | 20ms | 90 of 100 failed or stalled (NOT_CONTROLLER x90, succeeded x10) |",
		"| kill | controller-quorum | writable_after_heal | - | - | 1.1s | 1.1s | - | 0/1 |",
	} {
		if !strings.Contains(text, want) {
			i := strings.Index(text, "#### Loss")
			t.Errorf("report lacks %q:\n%.1500s", want, text[max(i, 0):])
		}
	}
}
