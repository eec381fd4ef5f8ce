package metrics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

var testRun = RunLabels{Mode: "kraft", Workload: "topics", Provider: "local", Run: "topics-kraft-20260101T000000.000Z"}

func newManualSink(t *testing.T) (*OTelSink, *sdkmetric.ManualReader) {
	t.Helper()
	rd := sdkmetric.NewManualReader()
	o, err := NewOTel(sdkmetric.NewMeterProvider(sdkmetric.WithReader(rd)))
	if err != nil {
		t.Fatal(err)
	}
	return o.Sink(testRun), rd
}

func collect(t *testing.T, rd *sdkmetric.ManualReader) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := rd.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name+" "+m.Unit] = m.Data
		}
	}
	return out
}

func sample(op string, d time.Duration, err error) Sample {
	t0 := time.Unix(1_700_000_000, 0)
	return Sample{Op: op, Start: t0, End: t0.Add(d), Err: err}
}

func wantAttrs(t *testing.T, set attribute.Set, want map[string]string) {
	t.Helper()
	if set.Len() != len(want) {
		t.Errorf("attributes %v, want %v", set.ToSlice(), want)
	}
	for k, v := range want {
		if got, ok := set.Value(attribute.Key(k)); !ok || got.AsString() != v {
			t.Errorf("attribute %s = %q, want %q (all: %v)", k, got.AsString(), v, set.ToSlice())
		}
	}
}

func runAttrs(more ...string) map[string]string {
	m := map[string]string{"mode": string(testRun.Mode), "workload": testRun.Workload, "provider": testRun.Provider, "run": testRun.Run}
	for i := 0; i+1 < len(more); i += 2 {
		m[more[i]] = more[i+1]
	}
	return m
}

func TestOTelSinkDurationInSeconds(t *testing.T) {
	s, rd := newManualSink(t)
	for _, d := range []time.Duration{150 * time.Microsecond, 3 * time.Millisecond, 3 * time.Millisecond, 1500 * time.Millisecond, 5 * time.Minute} {
		s.Observe(sample("create", d, nil))
	}
	h, ok := collect(t, rd)[MetricOpDuration+" s"].(metricdata.Histogram[float64])
	if !ok || len(h.DataPoints) != 1 {
		t.Fatalf("want one %s histogram point in s, got %#v", MetricOpDuration, h)
	}
	p := h.DataPoints[0]
	wantAttrs(t, p.Attributes, runAttrs("op", "create"))
	if !slices.Equal(p.Bounds, DurationBuckets()) {
		t.Errorf("bounds %v, want %v", p.Bounds, DurationBuckets())
	}
	if p.Count != 5 || p.Sum < 301.5 || p.Sum > 301.51 {
		t.Errorf("count %d sum %v, want 5 and ~301.506 s", p.Count, p.Sum)
	}
	// 150µs in (0.0001, 0.0002]; 3ms in (0.002, 0.005]; 1.5s in (1, 2]; 300s in (120, +Inf).
	want := map[float64]uint64{0.0002: 1, 0.005: 2, 2: 1}
	for i, n := range p.BucketCounts {
		var upper float64 = -1 // +Inf
		if i < len(p.Bounds) {
			upper = p.Bounds[i]
		}
		exp := want[upper]
		if upper == -1 {
			exp = 1
		}
		if n != exp {
			t.Errorf("bucket le=%v holds %d, want %d", upper, n, exp)
		}
	}
}

func TestOTelSinkErrorsByCode(t *testing.T) {
	s, rd := newManualSink(t)
	s.Observe(sample("create", time.Millisecond, fmt.Errorf("create: %w", kerr.NotController)))
	s.Observe(sample("create", time.Millisecond, kerr.NotController))
	s.Observe(sample("create", time.Millisecond, errors.New("connection refused")))
	s.Observe(sample("delete", time.Millisecond, nil))
	got := collect(t, rd)
	sum, ok := got[MetricOpErrors+" {error}"].(metricdata.Sum[int64])
	if !ok || !sum.IsMonotonic || len(sum.DataPoints) != 2 {
		t.Fatalf("want a monotonic %s with 2 points, got %#v", MetricOpErrors, got[MetricOpErrors+" {error}"])
	}
	byCode := map[string]int64{}
	for _, p := range sum.DataPoints {
		code, _ := p.Attributes.Value("code")
		wantAttrs(t, p.Attributes, runAttrs("op", "create", "code", code.AsString()))
		byCode[code.AsString()] = p.Value
	}
	unknown := cluster.ErrorName(kerr.UnknownServerError.Code)
	if byCode["NOT_CONTROLLER"] != 2 || byCode[unknown] != 1 {
		t.Errorf("errors by code %v, want NOT_CONTROLLER=2 %s=1", byCode, unknown)
	}
	// Failures are not latencies: only the successful delete is in the histogram.
	h := got[MetricOpDuration+" s"].(metricdata.Histogram[float64])
	if len(h.DataPoints) != 1 || h.DataPoints[0].Count != 1 {
		t.Errorf("duration points %+v, want only the delete", h.DataPoints)
	}
}

func TestOTelSinkStartupPhases(t *testing.T) {
	s, rd := newManualSink(t)
	s.Observe(sample("phase_controller_active", 2500*time.Millisecond, nil))
	s.Observe(sample("phase_controller_active", 3500*time.Millisecond, nil))
	s.Observe(sample("startup", 9*time.Second, nil))
	h := collect(t, rd)[MetricPhaseDur+" s"].(metricdata.Histogram[float64])
	if len(h.DataPoints) != 1 {
		t.Fatalf("phase points %+v, want 1", h.DataPoints)
	}
	p := h.DataPoints[0]
	wantAttrs(t, p.Attributes, runAttrs("phase", "controller_active"))
	if p.Count != 2 || p.Sum != 6 {
		t.Errorf("count %d sum %v, want 2 and 6 s", p.Count, p.Sum)
	}
}

func TestOTelSinkFaultAndNodeGauges(t *testing.T) {
	s, rd := newManualSink(t)
	s.FaultStarted("kill", "controller-1")
	s.SetNodeUsage("broker-1", 12.5, 300<<20, 4096)
	g := collect(t, rd)[MetricFaultActive+" "].(metricdata.Gauge[int64])
	if len(g.DataPoints) != 1 || g.DataPoints[0].Value != 1 {
		t.Fatalf("fault gauge %+v, want 1", g.DataPoints)
	}
	wantAttrs(t, g.DataPoints[0].Attributes, runAttrs("fault", "kill", "node", "controller-1"))
	s.FaultEnded("kill", "controller-1")
	got := collect(t, rd)
	if g := got[MetricFaultActive+" "].(metricdata.Gauge[int64]); g.DataPoints[0].Value != 0 {
		t.Errorf("fault gauge after heal = %d, want 0", g.DataPoints[0].Value)
	}
	cpu := got[MetricNodeCPU+" s"].(metricdata.Gauge[float64])
	rss := got[MetricNodeRSS+" By"].(metricdata.Gauge[int64])
	nb := got[MetricNodeNetBytes+" By"].(metricdata.Gauge[int64])
	if cpu.DataPoints[0].Value != 12.5 || rss.DataPoints[0].Value != 300<<20 || nb.DataPoints[0].Value != 4096 {
		t.Errorf("node gauges cpu=%+v rss=%+v net=%+v", cpu.DataPoints, rss.DataPoints, nb.DataPoints)
	}
	wantAttrs(t, rss.DataPoints[0].Attributes, runAttrs("node", "broker-1"))
}

// The recorder feeds the sink only what it counts: warm-up samples stay out.
func TestRecorderFeedsOTelSink(t *testing.T) {
	s, rd := newManualSink(t)
	base := time.Now()
	rec := NewRecorder(RecorderOptions{Base: base, Warmup: time.Second, Sinks: []Sink{s}})
	rec.Record(Sample{Op: "create", Start: base, End: base.Add(time.Millisecond)})
	rec.Record(Sample{Op: "create", Start: base.Add(2 * time.Second), End: base.Add(2*time.Second + time.Millisecond)})
	h := collect(t, rd)[MetricOpDuration+" s"].(metricdata.Histogram[float64])
	if len(h.DataPoints) != 1 || h.DataPoints[0].Count != 1 {
		t.Errorf("points %+v, want one sample (the other is in the warm-up)", h.DataPoints)
	}
}
