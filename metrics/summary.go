package metrics

import (
	"fmt"
	"maps"
	"slices"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/kraftbench/kraftbench/cluster"
)

// LatencySummary is the typed summary of one operation's latencies, in
// nanoseconds. Count is successful operations; Errors failed ones, by Kafka
// error name in ErrorsByCode.
type LatencySummary struct {
	Count        int64            `json:"count"`
	Errors       int64            `json:"errors"`
	ErrorsByCode map[string]int64 `json:"errors_by_code,omitempty"`
	MinNs        int64            `json:"min_ns"`
	MeanNs       float64          `json:"mean_ns"`
	P50Ns        int64            `json:"p50_ns"`
	P90Ns        int64            `json:"p90_ns"`
	P99Ns        int64            `json:"p99_ns"`
	P999Ns       int64            `json:"p999_ns"`
	MaxNs        int64            `json:"max_ns"`
}

// Summarize computes a LatencySummary from a histogram and error counts.
func Summarize(h *hdr.Histogram, errs map[int16]int64) LatencySummary {
	s := LatencySummary{Count: h.TotalCount()}
	if s.Count > 0 {
		s.MinNs, s.MeanNs, s.MaxNs = h.Min(), h.Mean(), h.Max()
		s.P50Ns = h.ValueAtQuantile(50)
		s.P90Ns = h.ValueAtQuantile(90)
		s.P99Ns = h.ValueAtQuantile(99)
		s.P999Ns = h.ValueAtQuantile(99.9)
	}
	for code, n := range errs {
		if s.ErrorsByCode == nil {
			s.ErrorsByCode = map[string]int64{}
		}
		s.ErrorsByCode[cluster.ErrorName(code)] += n
		s.Errors += n
	}
	return s
}

// String is a one-line human form: "n=100 err=0 p50=1.2ms p90=... max=...".
func (s LatencySummary) String() string {
	d := func(ns int64) string { return time.Duration(ns).Round(time.Microsecond).String() }
	return fmt.Sprintf("n=%d err=%d p50=%s p90=%s p99=%s p99.9=%s max=%s",
		s.Count, s.Errors, d(s.P50Ns), d(s.P90Ns), d(s.P99Ns), d(s.P999Ns), d(s.MaxNs))
}

// OpResult is everything recorded for one operation.
type OpResult struct {
	Op      string         `json:"op"`
	Latency LatencySummary `json:"latency"`
	// Histogram is the HdrHistogram V2 compressed encoding in base64, the
	// form every HdrHistogram implementation decodes.
	Histogram string `json:"histogram"`
	// WarmupSkipped counts samples excluded because they started in the
	// warm-up; OutOfRange those clamped into 1 ns .. 1 h.
	WarmupSkipped int64 `json:"warmup_skipped"`
	OutOfRange    int64 `json:"out_of_range,omitempty"`
	// Throughput is successful operations per second over the op's span
	// (first start to last end).
	ThroughputPerSec float64       `json:"throughput_per_sec"`
	SpanNs           int64         `json:"span_ns"`
	Timeline         []TimedSample `json:"timeline,omitempty"`
}

// DecodeHistogram decodes OpResult.Histogram.
func (o OpResult) DecodeHistogram() (*hdr.Histogram, error) {
	h, err := hdr.Decode([]byte(o.Histogram))
	if err != nil {
		return nil, fmt.Errorf("histogram of %s: %w", o.Op, err)
	}
	return h, nil
}

// Results returns one OpResult per operation, sorted by name.
func (r *Recorder) Results() ([]OpResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := slices.Sorted(maps.Keys(r.ops))
	out := make([]OpResult, 0, len(names))
	for _, n := range names {
		st := r.ops[n]
		enc, err := st.hist.Encode(hdr.V2CompressedEncodingCookieBase)
		if err != nil {
			return nil, fmt.Errorf("encode histogram of %s: %w", n, err)
		}
		o := OpResult{Op: n, Latency: Summarize(st.hist, st.errs),
			Histogram: string(enc), WarmupSkipped: st.skipped, OutOfRange: st.clamped}
		if span := st.last.Sub(st.first); span > 0 {
			o.SpanNs = span.Nanoseconds()
			o.ThroughputPerSec = float64(o.Latency.Count) / span.Seconds()
		}
		o.Timeline = append([]TimedSample(nil), st.timeline...)
		out = append(out, o)
	}
	return out, nil
}

// FormatDuration prints a nanosecond latency with three significant digits
// in s, ms or µs, the form every kraftbench table uses.
func FormatDuration(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3gs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3gms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3gµs", float64(d)/float64(time.Microsecond))
	}
}
