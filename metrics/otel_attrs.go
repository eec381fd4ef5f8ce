package metrics

import (
	"sync"

	"github.com/kraftbench/kraftbench/cluster"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// opAttrs caches, per op (and per op and error code), the attribute sets a
// sample is exported with. Building a set sorts and hashes the run's four
// attributes plus the op's on every call: measured 3.6 µs and 6 allocations
// per sample (make bench-harness, docs/harness.md), where a cached set costs
// one read-locked map lookup. Ops and codes are few per run (a workload's op
// names, Kafka's error codes), so the cache stays small.
type opAttrs struct {
	mu    sync.RWMutex
	ok    map[string]okAttrs
	error map[errKey][]metric.AddOption
}

// okAttrs are a successful op's options: its latency's, and for a start-up
// phase op the phase histogram's (nil otherwise). They are kept as slices,
// passed on with "...", because a variadic call with one option builds a new
// slice that escapes through the instrument's interface: one allocation per
// sample.
type okAttrs struct {
	dur, phase []metric.RecordOption
}

type errKey struct {
	op   string
	code int16
}

// forOK returns op's options, building them the first time.
func (c *opAttrs) forOK(run RunLabels, op string) okAttrs {
	c.mu.RLock()
	a, ok := c.ok[op]
	c.mu.RUnlock()
	if ok {
		return a
	}
	a.dur = []metric.RecordOption{attrSet(run, attribute.String("op", op))}
	if phase, isPhase := OpPhase(op); isPhase {
		a.phase = []metric.RecordOption{attrSet(run, attribute.String("phase", string(phase)))}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok == nil {
		c.ok = map[string]okAttrs{}
	}
	c.ok[op] = a
	return a
}

// forError returns the options of op failing with code.
func (c *opAttrs) forError(run RunLabels, op string, code int16) []metric.AddOption {
	k := errKey{op, code}
	c.mu.RLock()
	a, ok := c.error[k]
	c.mu.RUnlock()
	if ok {
		return a
	}
	a = []metric.AddOption{attrSet(run, attribute.String("op", op), attribute.String("code", cluster.ErrorName(code)))}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.error == nil {
		c.error = map[errKey][]metric.AddOption{}
	}
	c.error[k] = a
	return a
}

// attrSet is the run's attributes plus more, as one precomputed set.
func attrSet(run RunLabels, more ...attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(run.attrs(more...)...))
}
