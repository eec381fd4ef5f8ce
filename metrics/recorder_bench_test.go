package metrics

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// The instrument's own cost (make bench-harness): recording one sample, the
// path every driver's timed call takes, alone and with the OpenTelemetry
// sink a run with --metrics-addr or OTLP adds. The target is at most 1 µs and
// no allocation per sample (docs/harness.md).

// benchSinks are the sink set-ups a run can have: none (the default) and the
// OpenTelemetry sink on an SDK meter provider with a reader attached (a
// provider without readers would drop measurements and cost nothing).
func benchSinks(b testing.TB) map[string][]Sink {
	o, err := NewOTel(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))
	if err != nil {
		b.Fatal(err)
	}
	return map[string][]Sink{"none": nil, "otel": {o.Sink(testRun)}}
}

// benchSamples are successful samples with latencies spread over the
// histogram's range (1 µs .. ~1 s), so buckets of many sizes are hit.
func benchSamples() []Sample {
	t0 := time.Unix(1_700_000_000, 0)
	out := make([]Sample, 1024)
	for i := range out {
		d := time.Duration(1+i*i*997) * time.Microsecond / 1000
		out[i] = Sample{Op: "create", Start: t0, End: t0.Add(d + time.Microsecond)}
	}
	return out
}

func BenchmarkRecord(b *testing.B) {
	samples := benchSamples()
	for _, name := range []string{"none", "otel"} {
		b.Run("sink="+name, func(b *testing.B) {
			rec := NewRecorder(RecorderOptions{Sinks: benchSinks(b)[name]})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				rec.Record(samples[i&1023])
			}
		})
	}
}

// BenchmarkRecordError is the rare path: a sample that failed with a Kafka
// error, counted by its code.
func BenchmarkRecordError(b *testing.B) {
	t0 := time.Unix(1_700_000_000, 0)
	smp := Sample{Op: "create", Start: t0, End: t0.Add(time.Millisecond), Err: kerr.NotController}
	for _, name := range []string{"none", "otel"} {
		b.Run("sink="+name, func(b *testing.B) {
			rec := NewRecorder(RecorderOptions{Sinks: benchSinks(b)[name]})
			b.ReportAllocs()
			for b.Loop() {
				rec.Record(smp)
			}
		})
	}
}

// BenchmarkRecordConcurrent records from g goroutines at once, as open-loop
// calls and closed-loop workers do; ns/op is wall time per sample over all
// goroutines, so contention on the recorder's lock shows as a rise.
func BenchmarkRecordConcurrent(b *testing.B) {
	samples := benchSamples()
	for _, name := range []string{"none", "otel"} {
		for _, g := range []int{4, 16, 64} {
			b.Run(fmt.Sprintf("sink=%s/goroutines=%d", name, g), func(b *testing.B) {
				rec := NewRecorder(RecorderOptions{Sinks: benchSinks(b)[name]})
				b.ReportAllocs()
				b.ResetTimer()
				var wg sync.WaitGroup
				for w := range g {
					n := b.N / g
					if w < b.N%g {
						n++
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range n {
							rec.Record(samples[(i+w*31)&1023])
						}
					}()
				}
				wg.Wait()
			})
		}
	}
}
