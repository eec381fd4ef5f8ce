package workloads

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// The open-loop driver's accuracy (make bench-harness, docs/harness.md): the
// rate it achieves against the rate offered, and how late each call goes out
// against its schedule, measured against a fake that answers at once, so
// every figure is the driver's own. Lateness is what the coordinated-omission
// correction cannot see: latency is measured from the scheduled start, so a
// call the driver itself sends late is charged to the cluster.

// answerAtOnce is the fake's operation: it returns without doing anything.
func answerAtOnce(context.Context, cluster.Admin) error { return nil }

// sendLog is a sink keeping each call's send time and schedule.
type sendLog struct {
	mu    sync.Mutex
	late  *hdr.Histogram
	first time.Time
	last  time.Time
	n     int
}

func newSendLog() *sendLog { return &sendLog{late: metrics.NewHistogram()} }

func (l *sendLog) Observe(s metrics.Sample) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.late.RecordValue(max(1, s.Start.Sub(s.Intended).Nanoseconds()))
	if l.n == 0 || s.Start.Before(l.first) {
		l.first = s.Start
	}
	if s.Start.After(l.last) {
		l.last = s.Start
	}
	l.n++
}

// achieved is the send rate over the sending window: n calls span n-1
// intervals, as the offered schedule's n calls do.
func (l *sendLog) achieved() float64 {
	if l.n < 2 {
		return 0
	}
	return float64(l.n-1) / l.last.Sub(l.first).Seconds()
}

// runOpenLoop drives the fake at rate for d and returns what was sent.
func runOpenLoop(tb testing.TB, rate float64, d time.Duration) *sendLog {
	tb.Helper()
	log := newSendLog()
	env := testEnv(newFakeAdmin(0, 0))
	env.Rec = metrics.NewRecorder(metrics.RecorderOptions{Sinks: []metrics.Sink{log}})
	if err := openLoop(context.Background(), env, "create", rate, d, 256, time.Second, answerAtOnce); err != nil {
		tb.Fatal(err)
	}
	if want := int(rate * d.Seconds()); log.n != want {
		tb.Fatalf("rate %v for %v: %d calls sent, want %d", rate, d, log.n, want)
	}
	return log
}

// BenchmarkOpenLoop runs 2 s at each offered rate (run it with -benchtime 1x)
// and reports the achieved rate, its error in percent, and the lateness
// distribution in ns.
func BenchmarkOpenLoop(b *testing.B) {
	for _, rate := range []float64{100, 1000, 10000} {
		b.Run(fmt.Sprintf("rate=%.0f", rate), func(b *testing.B) {
			var log *sendLog
			for b.Loop() {
				log = runOpenLoop(b, rate, 2*time.Second)
			}
			got := log.achieved()
			b.ReportMetric(rate, "offered-ops/s")
			b.ReportMetric(got, "achieved-ops/s")
			b.ReportMetric(100*(got-rate)/rate, "rate-err-%")
			b.ReportMetric(float64(log.late.ValueAtQuantile(50)), "late-p50-ns")
			b.ReportMetric(float64(log.late.ValueAtQuantile(99)), "late-p99-ns")
			b.ReportMetric(float64(log.late.Max()), "late-max-ns")
			b.ReportMetric(0, "ns/op") // the run's length is fixed, not a cost per op
		})
	}
}
