package regress

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
)

// WriteBenchstat writes the report in benchstat's text layout: the
// benchmark header, then one table per unit (p50-ns, p99-ns, p50/floor, ...)
// with each benchmark's median ± the half-width of its confidence interval on
// each side, and the change or "~" with its p-value and sample sizes.
// Benchmark names are those of the runs' .bench.txt lines. A row that
// regresses on a gated basis ends with "REGRESSION"; one with too few runs,
// with "(too few runs)".
func (r *Report) WriteBenchstat(w io.Writer) error {
	h := r.New.Header
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: github.com/kraftbench/kraftbench/workloads\ncpu-cores: %d\n", h.OS, h.Arch, h.Cores)
	for _, basis := range []Basis{Absolute, Floor} {
		for _, stat := range r.Options.Stats {
			if err := r.benchstatTable(w, basis, stat); err != nil {
				return err
			}
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func (r *Report) benchstatTable(w io.Writer, basis Basis, stat string) error {
	var rows []Row
	for _, row := range r.Rows {
		if row.Basis == basis && row.Stat == stat {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	unit := rows[0].unit()
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	fmt.Fprintf(tw, "\t│\tbase\t│\tnew\t\t│\n")
	fmt.Fprintf(tw, "\t│\t%s\t│\t%s\tvs base\t│\n", unit, unit)
	for _, row := range rows {
		delta := "~"
		if row.Verdict != Same && row.Verdict != TooFew {
			delta = pct(row.Change)
		}
		fmt.Fprintf(tw, "%s\t\t%s\t\t%s\t%s (p=%.3f n=%s)%s\t\n", row.benchName(),
			center(basis, row.Base.Summary), center(basis, row.New.Summary), delta, row.P,
			sizes(len(row.Base.Values), len(row.New.Values)), row.benchstatFlag())
	}
	fmt.Fprintln(tw)
	return tw.Flush()
}

// center prints "median ± range%" as benchstat does ("∞" for an infinite
// interval).
func center(b Basis, s benchmath.Summary) string {
	rng := "∞"
	if !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) && s.Center != 0 {
		rng = fmt.Sprintf("%.0f%%", 100*math.Max(s.Hi/s.Center-1, 1-s.Lo/s.Center))
	}
	return formatValue(b, s.Center) + " ± " + rng
}

func sizes(n1, n2 int) string {
	if n1 == n2 {
		return fmt.Sprint(n1)
	}
	return fmt.Sprintf("%d+%d", n1, n2)
}

func (row Row) benchstatFlag() string {
	switch {
	case row.Gated:
		return " REGRESSION"
	case row.Verdict == TooFew:
		return " (too few runs)"
	case row.Verdict == Regression:
		return " regression (not gated)"
	}
	return ""
}
