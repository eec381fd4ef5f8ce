package metrics

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// The hot path's target (docs/harness.md): recording a successful sample,
// OpenTelemetry sink included, allocates nothing once its op has been seen.
// (A failed sample pays errors.As in cluster.ErrorCode, twice: measured by
// BenchmarkRecordError, not bounded here; errors are the rare path.)
func TestRecordWithOTelSinkAllocatesNothing(t *testing.T) {
	s, _ := newManualSink(t)
	rec := NewRecorder(RecorderOptions{Sinks: []Sink{s}})
	ok := sample("create", 3*time.Millisecond, nil)
	phase := sample(PhaseOp(cluster.PhaseMetadataLoaded), 2*time.Second, nil)
	for name, smp := range map[string]Sample{"success": ok, "startup phase": phase} {
		if n := testing.AllocsPerRun(1000, func() { rec.Record(smp) }); n != 0 {
			t.Errorf("%s: %v allocations per recorded sample, want 0", name, n)
		}
	}
}

// The cached attribute sets keep ops, phases and error codes apart, also
// when many goroutines meet an op for the first time at once.
func TestOTelSinkCacheKeepsSeriesApart(t *testing.T) {
	s, rd := newManualSink(t)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := []string{"create", "delete"}[g%2]
			s.Observe(sample(op, time.Millisecond, nil))
			s.Observe(sample(op, time.Millisecond, kerr.NotController))
			s.Observe(sample(op, time.Millisecond, errors.New("refused")))
		}()
	}
	wg.Wait()
	got := collect(t, rd)
	h := got[MetricOpDuration+" s"].(sdkmetric.Histogram[float64])
	counts := map[string]uint64{}
	for _, p := range h.DataPoints {
		op, _ := p.Attributes.Value("op")
		counts[op.AsString()] += p.Count
	}
	if len(h.DataPoints) != 2 || counts["create"] != 8 || counts["delete"] != 8 {
		t.Errorf("latency points per op %v (%d points), want create 8 and delete 8 in 2", counts, len(h.DataPoints))
	}
	e := got[MetricOpErrors+" {error}"].(sdkmetric.Sum[int64])
	errs := map[string]int64{}
	for _, p := range e.DataPoints {
		op, _ := p.Attributes.Value("op")
		code, _ := p.Attributes.Value("code")
		errs[op.AsString()+" "+code.AsString()] += p.Value
	}
	want := map[string]int64{"create NOT_CONTROLLER": 8, "delete NOT_CONTROLLER": 8,
		"create UNKNOWN_SERVER_ERROR": 8, "delete UNKNOWN_SERVER_ERROR": 8}
	if len(errs) != len(want) {
		t.Errorf("error series %v, want %v", errs, want)
	}
	for k, n := range want {
		if errs[k] != n {
			t.Errorf("errors %s = %d, want %d (all %v)", k, errs[k], n, errs)
		}
	}
}
