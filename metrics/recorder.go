package metrics

import (
	"maps"
	"slices"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/kraftbench/kraftbench/cluster"
)

// Histogram range: 1 ns .. 1 h at 3 significant digits.
const (
	lowestNs  = 1
	highestNs = int64(time.Hour)
	sigFigs   = 3
)

// NewHistogram returns a histogram with kraftbench's range and precision.
func NewHistogram() *hdr.Histogram { return hdr.New(lowestNs, highestNs, sigFigs) }

// Sample is one timed operation.
type Sample struct {
	Op    string
	Start time.Time // when the call went out
	End   time.Time // when its answer (or error) came back
	Err   error
	// Intended is when an open-loop schedule meant the call to go out; zero
	// for closed-loop drivers. When set, latency is End - Intended.
	Intended time.Time
}

// Latency returns the latency the sample is recorded with.
func (s Sample) Latency() time.Duration {
	if !s.Intended.IsZero() {
		return s.End.Sub(s.Intended)
	}
	return s.End.Sub(s.Start)
}

// Sink receives every recorded sample after the recorder has counted it (an
// OpenTelemetry exporter, a live timeline). It must not block.
type Sink interface {
	Observe(s Sample)
}

// Recorder collects samples per operation. It is safe for concurrent use.
type Recorder struct {
	base     time.Time
	warmup   time.Duration
	sinks    []Sink
	timeline bool

	mu       sync.Mutex
	ops      map[string]*opStats
	faults   []FaultWindow
	measures []Measure
}

type opStats struct {
	hist     *hdr.Histogram
	errs     map[int16]int64
	skipped  int64 // samples that started inside the warm-up
	clamped  int64 // latencies outside the histogram's range
	first    time.Time
	last     time.Time
	timeline []TimedSample
}

// TimedSample is a sample placed on the run's clock, kept when the recorder
// keeps a timeline (failover runs need per-sample times, not just histograms).
type TimedSample struct {
	AtNs      int64  `json:"at_ns"` // start, relative to the run's base time
	LatencyNs int64  `json:"latency_ns"`
	Code      int16  `json:"code,omitempty"`
	Error     string `json:"error,omitempty"`
}

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	// Base is the run's clock origin; now when zero.
	Base time.Time
	// Warmup excludes samples that start within this long after Base.
	Warmup time.Duration
	// Timeline keeps every sample with its time (bounded by the workload).
	Timeline bool
	Sinks    []Sink
}

// NewRecorder returns an empty recorder.
func NewRecorder(o RecorderOptions) *Recorder {
	if o.Base.IsZero() {
		o.Base = time.Now()
	}
	return &Recorder{base: o.Base, warmup: o.Warmup, sinks: o.Sinks, timeline: o.Timeline, ops: map[string]*opStats{}}
}

// Base returns the run's clock origin.
func (r *Recorder) Base() time.Time { return r.base }

// Record counts one sample: an error by its Kafka code, a success by its
// latency. Samples starting inside the warm-up are only counted as skipped.
func (r *Recorder) Record(s Sample) {
	code := cluster.ErrorCode(s.Err)
	lat := s.Latency().Nanoseconds()
	r.mu.Lock()
	st := r.op(s.Op)
	start := s.Start
	if !s.Intended.IsZero() {
		start = s.Intended
	}
	if r.warmup > 0 && start.Sub(r.base) < r.warmup {
		st.skipped++
		r.mu.Unlock()
		return
	}
	if st.first.IsZero() || start.Before(st.first) {
		st.first = start
	}
	if s.End.After(st.last) {
		st.last = s.End
	}
	if s.Err != nil {
		st.errs[code]++
	} else {
		if lat < lowestNs {
			lat, st.clamped = lowestNs, st.clamped+1
		} else if lat > highestNs {
			lat, st.clamped = highestNs, st.clamped+1
		}
		st.hist.RecordValue(lat)
	}
	if r.timeline {
		ts := TimedSample{AtNs: start.Sub(r.base).Nanoseconds(), LatencyNs: s.Latency().Nanoseconds(), Code: code}
		if s.Err != nil {
			ts.Error = s.Err.Error()
		}
		st.timeline = append(st.timeline, ts)
	}
	r.mu.Unlock()
	for _, k := range r.sinks {
		k.Observe(s)
	}
}

func (r *Recorder) op(name string) *opStats {
	st, ok := r.ops[name]
	if !ok {
		st = &opStats{hist: NewHistogram(), errs: map[int16]int64{}}
		r.ops[name] = st
	}
	return st
}

// Ops returns the recorded operation names, sorted.
func (r *Recorder) Ops() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.ops))
}

// Histogram returns a copy of op's latency histogram (empty if unknown).
func (r *Recorder) Histogram(op string) *hdr.Histogram {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, ok := r.ops[op]; ok {
		return st.hist.Clone()
	}
	return NewHistogram()
}
