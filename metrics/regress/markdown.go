package regress

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the report as GitHub-flavoured Markdown, fit for a CI
// job summary: a headline, the two sides, the method, one table per basis
// (floor ratios first) and the notes.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### kraftbench compare: %s\n\n", r.headline())
	b.WriteString("| side | result files | machine | git revision |\n|---|---:|---|---|\n")
	for _, s := range []struct {
		name string
		rs   RunSet
	}{{"base", r.Base}, {"new", r.New}} {
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", s.name, s.rs.Runs, strings.Join(s.rs.Machines, ", "), strings.Join(s.rs.Revisions, ", "))
	}
	o := r.Options
	fmt.Fprintf(&b, "\nOne sample per run (the run's own statistic); Mann-Whitney U test (golang.org/x/perf/benchmath), "+
		"α = %g; a regression is p < α and a median change above +%g%%; the gate is on %s. "+
		"CI: distribution-free interval of the change (Hodges-Lehmann), at the confidence shown.\n",
		o.Alpha, 100*o.Threshold, o.gate())
	for _, basis := range []Basis{Floor, Absolute} {
		r.markdownTable(&b, basis)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) headline() string {
	if g := len(r.Gated()); g > 0 {
		return fmt.Sprintf("❌ %d significant regression(s) beyond +%g%%", g, 100*r.Options.Threshold)
	}
	if n := r.Count(Regression); n > 0 {
		return fmt.Sprintf("✅ no gated regression (%d on ungated comparisons, reported only)", n)
	}
	if r.Count(TooFew) == len(r.Rows) {
		return "⚪ too few runs to compare (no verdict)"
	}
	return "✅ no significant regression"
}

func (r *Report) markdownTable(b *strings.Builder, basis Basis) {
	title := map[Basis]string{Floor: "Ratio to the same-run floor", Absolute: "Absolute latency"}[basis]
	started := false
	for _, row := range r.Rows {
		if row.Basis != basis {
			continue
		}
		if !started {
			fmt.Fprintf(b, "\n#### %s\n\n| workload | op | mode | stat | base | new | change | CI | p | n | verdict |\n"+
				"|---|---|---|---|---:|---:|---:|---|---:|---|---|\n", title)
			started = true
		}
		ci := row.ci()
		if row.HasCI {
			ci += fmt.Sprintf(" (%.1f%%)", 100*row.CIConfidence)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %.3f | %d+%d | %s |\n",
			row.Workload, row.Op, row.Mode, row.Stat, formatValue(basis, row.Base.Summary.Center),
			formatValue(basis, row.New.Summary.Center), pct(row.Change), ci, row.P,
			len(row.Base.Values), len(row.New.Values), row.markdownVerdict(r.Options.Threshold))
	}
}

func (row Row) markdownVerdict(th float64) string {
	switch row.Verdict {
	case Regression:
		if row.Gated {
			return "❌ **regression**"
		}
		return "⚠️ regression (not gated)"
	case Improvement:
		return "✅ improvement"
	case Within:
		return fmt.Sprintf("within ±%g%%", 100*th)
	}
	return string(row.Verdict)
}
