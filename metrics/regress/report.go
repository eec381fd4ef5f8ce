package regress

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kraftbench/kraftbench/metrics"
)

// Report is the outcome of a comparison.
type Report struct {
	Options   Options
	Base, New RunSet
	Rows      []Row
	// Notes are caveats: series on one side only, different machines,
	// parameters or failed operations.
	Notes []string
}

// Failed reports whether any gated regression was found.
func (r *Report) Failed() bool { return len(r.Gated()) > 0 }

// Gated returns the regressions that fail the report.
func (r *Report) Gated() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Gated {
			out = append(out, row)
		}
	}
	return out
}

// Count returns how many rows have verdict v.
func (r *Report) Count(v Verdict) int {
	n := 0
	for _, row := range r.Rows {
		if row.Verdict == v {
			n++
		}
	}
	return n
}

// RunSet describes one side's runs.
type RunSet struct {
	Runs      int
	Machines  []string // distinct "host (N cores, M GiB)"
	Revisions []string // distinct git revisions
	Header    metrics.Machine
}

func describe(results []*metrics.Result) RunSet {
	rs := RunSet{Runs: len(results)}
	machines, revs := map[string]bool{}, map[string]bool{}
	for _, r := range results {
		machines[machineName(r.Machine)] = true
		revs[shortRev(r.Build.Revision)] = true
		rs.Header = r.Machine
	}
	rs.Machines = slices.Sorted(maps.Keys(machines))
	rs.Revisions = slices.Sorted(maps.Keys(revs))
	return rs
}

func machineName(m metrics.Machine) string {
	return fmt.Sprintf("%s (%d cores, %.1f GiB)", m.Hostname, m.Cores, float64(m.MemoryBytes)/(1<<30))
}

func shortRev(r string) string {
	if r == "" {
		return "unknown"
	}
	dirty := strings.HasSuffix(r, "+dirty")
	r = strings.TrimSuffix(r, "+dirty")
	if len(r) > 12 {
		r = r[:12]
	}
	if dirty {
		r += "+dirty"
	}
	return r
}

// contextNotes flags what makes a comparison less meaningful: different
// machines, different workload parameters, failed operations.
func contextNotes(base, new []*metrics.Result, bs, ns *series) []string {
	var notes []string
	bm, nm := describe(base).Machines, describe(new).Machines
	if !slices.Equal(bm, nm) {
		notes = append(notes, fmt.Sprintf("different machines: base %s, new %s (compare floor ratios rather than absolute times)",
			strings.Join(bm, ", "), strings.Join(nm, ", ")))
	}
	params := func(rs []*metrics.Result) map[string]string {
		m := map[string]string{}
		for _, r := range rs {
			m[r.Workload+"/"+string(r.Mode)] = fmt.Sprint(r.Params, r.Topology)
		}
		return m
	}
	bp, np := params(base), params(new)
	for _, k := range slices.Sorted(maps.Keys(np)) {
		if b, ok := bp[k]; ok && b != np[k] {
			notes = append(notes, fmt.Sprintf("%s: parameters differ: base %s, new %s", k, b, np[k]))
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(ns.errors), func(a, b [3]string) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }) {
		if ns.errors[k] > 0 || bs.errors[k] > 0 {
			notes = append(notes, fmt.Sprintf("%s/%s/%s: %d failed operations in the new runs (base: %d)", k[0], k[1], k[2], ns.errors[k], bs.errors[k]))
		}
	}
	return notes
}
