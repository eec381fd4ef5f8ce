package regress

import (
	"fmt"
	"math"
	"slices"

	"github.com/kraftbench/kraftbench/internal/stats"
	"github.com/kraftbench/kraftbench/metrics"
	"golang.org/x/perf/benchmath"
)

// Verdict is what a row's statistics say.
type Verdict string

const (
	Regression  Verdict = "regression"  // p < alpha, change above the threshold
	Improvement Verdict = "improvement" // p < alpha, change below minus the threshold
	Within      Verdict = "within"      // p < alpha, change within the threshold
	Same        Verdict = "~"           // p >= alpha: no significant difference
	TooFew      Verdict = "too few runs"
)

// Side is one side's series: its per-run values and their median with its
// confidence interval (benchmath's, NaN-free but possibly infinite).
type Side struct {
	Values  []float64 // one per run, sorted
	Summary benchmath.Summary
}

// Row is one compared series.
type Row struct {
	Key
	Base, New Side
	// P is the U test's two-sided p-value; Change is new median / base
	// median - 1; Lo and Hi bound the change at CIConfidence (HasCI false
	// when a side has fewer than two runs or a value that is not positive;
	// with few runs CIConfidence is below 1 - alpha, as in the report).
	P, Change, Lo, Hi, CIConfidence float64
	HasCI                           bool
	Verdict                         Verdict
	// Gated is set on a regression on a gated basis: it fails the report.
	Gated bool
	// Warnings are benchmath's and ours, e.g. "need >= 4 samples ...".
	Warnings []string
}

// Compare compares every series present in both base and new.
func Compare(base, new []*metrics.Result, o Options) (*Report, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	bs, err := collect(base, o.Stats)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	ns, err := collect(new, o.Stats)
	if err != nil {
		return nil, fmt.Errorf("new: %w", err)
	}
	rep := &Report{Options: o, Base: describe(base), New: describe(new)}
	keys := slices.Clone(bs.keys)
	for _, k := range ns.keys {
		if _, ok := bs.values[k]; !ok {
			keys = append(keys, k)
		}
	}
	sortKeys(keys, o.Stats)
	for _, k := range keys {
		b, n := bs.values[k], ns.values[k]
		if len(b) == 0 || len(n) == 0 {
			side := "new"
			if len(n) == 0 {
				side = "base"
			}
			if k.Basis == Absolute && k.Stat == o.Stats[0] {
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s/%s/%s only in the %s runs: not compared", k.Workload, k.Mode, k.Op, side))
			}
			continue
		}
		rep.Rows = append(rep.Rows, compareRow(k, b, n, o))
	}
	rep.Notes = append(rep.Notes, contextNotes(base, new, bs, ns)...)
	return rep, nil
}

// compareRow runs the U test and the interval on one series.
func compareRow(k Key, base, new []float64, o Options) Row {
	th := &benchmath.Thresholds{CompareAlpha: o.Alpha}
	bs := benchmath.NewSample(slices.Clone(base), th)
	ns := benchmath.NewSample(slices.Clone(new), th)
	conf := 1 - o.Alpha
	r := Row{Key: k,
		Base: Side{Values: bs.Values, Summary: benchmath.AssumeNothing.Summary(bs, conf)},
		New:  Side{Values: ns.Values, Summary: benchmath.AssumeNothing.Summary(ns, conf)},
	}
	cmp := benchmath.AssumeNothing.Compare(bs, ns)
	r.P = cmp.P
	for _, w := range cmp.Warnings {
		r.Warnings = append(r.Warnings, w.Error())
	}
	r.Change = math.NaN()
	if c := r.Base.Summary.Center; c != 0 {
		r.Change = r.New.Summary.Center/c - 1
	}
	if sh, ok := stats.ShiftCI(bs.Values, ns.Values, conf); ok && sh.HasCI {
		r.Lo, r.Hi, r.CIConfidence, r.HasCI = sh.Lo-1, sh.Hi-1, sh.Confidence, true
	}
	switch {
	case minP(len(base), len(new)) > o.Alpha:
		r.Verdict = TooFew
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d+%d runs cannot reach p < %v: run more repetitions", len(base), len(new), o.Alpha))
	case r.P >= o.Alpha || math.IsNaN(r.Change):
		r.Verdict = Same
	case r.Change > o.Threshold:
		r.Verdict = Regression
		r.Gated = o.gated(k)
	case r.Change < -o.Threshold:
		r.Verdict = Improvement
	default:
		r.Verdict = Within
	}
	return r
}
