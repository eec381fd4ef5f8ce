package workloads

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Params are a workload's parameters as text (from a scenario file or
// --param key=value flags). A workload reads them with the typed getters,
// which collect one error per bad value, then calls done to reject unknown
// keys: a misspelt parameter is an error, never silently ignored.
type Params map[string]string

type paramReader struct {
	p    Params
	used map[string]bool
	errs []error
}

func (p Params) reader() *paramReader { return &paramReader{p: p, used: map[string]bool{}} }

func (r *paramReader) raw(key string) (string, bool) {
	r.used[key] = true
	v, ok := r.p[key]
	return v, ok && v != ""
}

func (r *paramReader) int(key string, dflt, min, max int) int {
	v, ok := r.raw(key)
	if !ok {
		return dflt
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		r.errs = append(r.errs, fmt.Errorf("param %s=%q: want an integer in %d..%d", key, v, min, max))
		return dflt
	}
	return n
}

func (r *paramReader) float(key string, dflt, min, max float64) float64 {
	v, ok := r.raw(key)
	if !ok {
		return dflt
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < min || f > max {
		r.errs = append(r.errs, fmt.Errorf("param %s=%q: want a number in %g..%g", key, v, min, max))
		return dflt
	}
	return f
}

func (r *paramReader) duration(key string, dflt, min, max time.Duration) time.Duration {
	v, ok := r.raw(key)
	if !ok {
		return dflt
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		r.errs = append(r.errs, fmt.Errorf("param %s=%q: want a duration in %v..%v (e.g. 500ms, 30s)", key, v, min, max))
		return dflt
	}
	return d
}

func (r *paramReader) bool(key string, dflt bool) bool {
	v, ok := r.raw(key)
	if !ok {
		return dflt
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("param %s=%q: want true or false", key, v))
		return dflt
	}
	return b
}

// done returns every error collected plus one per unknown key.
func (r *paramReader) done(workload string) error {
	var unknown []string
	for k := range r.p {
		if !r.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		r.errs = append(r.errs, fmt.Errorf("param %s: workload %s has no such parameter", k, workload))
	}
	return errors.Join(r.errs...)
}
