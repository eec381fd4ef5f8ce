package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kraftbench/kraftbench/metrics/regress"
	"github.com/spf13/cobra"
)

// exitRegression is the exit status of `compare` when a gated regression is
// found (1 stays for errors: bad input, unreadable results).
const exitRegression = 3

type compareFlags struct {
	threshold, on, format, markdownOut string
	alpha                              float64
	stats, gateStats                   []string
}

func newCompareCmd() *cobra.Command {
	var f compareFlags
	cmd := &cobra.Command{
		Use:   "compare BASE NEW",
		Short: "Compare two sets of runs for significant latency regressions (exit 3 on one)",
		Long: `Compare the runs in BASE with the runs in NEW (each a result .json file or a
folder of them) for every (workload, mode, op, statistic), on absolute
latencies and on ratios to the store floor measured in the same run.

Each run gives one sample value (its own p50, p99, ...), so repetitions are
the sample size. The test is Mann-Whitney U (golang.org/x/perf/benchmath); the
change is the ratio of medians with a distribution-free confidence interval.
A regression is p < --alpha and a median change above --threshold; one on a
basis named by --on makes the exit status 3. With too few runs per side for
the test to ever reach --alpha (fewer than 4+4 at 0.05) a row says "too few
runs" and is never flagged.

Examples:
  kraftbench compare results/baseline results/ci
  kraftbench compare --on floor --threshold 25% --format markdown results/baseline results/ci
  kraftbench compare --markdown-out "$GITHUB_STEP_SUMMARY" results/baseline results/ci`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := runCompare(cmd.OutOrStdout(), args[0], args[1], f)
			if err != nil {
				return err
			}
			if g := rep.Gated(); len(g) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "kraftbench: %d significant regression(s) beyond the threshold\n", len(g))
				os.Exit(exitRegression)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.threshold, "threshold", "10%", "relative change a significant difference must exceed (10% or 0.1)")
	fl.Float64Var(&f.alpha, "alpha", 0.05, "significance level of the U test")
	fl.StringSliceVar(&f.stats, "stat", []string{"p50", "p99"}, "statistics to compare: "+strings.Join(regress.Stats, ", "))
	fl.StringVar(&f.on, "on", "both", "which regressions fail the comparison: absolute, floor, both or none (all are reported)")
	fl.StringSliceVar(&f.gateStats, "gate-stat", nil, "only regressions of these statistics fail the comparison (default: every --stat)")
	fl.StringVar(&f.format, "format", "benchstat", "output: benchstat (text) or markdown")
	fl.StringVar(&f.markdownOut, "markdown-out", "", "also append the Markdown report to this file (e.g. $GITHUB_STEP_SUMMARY)")
	return cmd
}

// runCompare loads both sides, compares them and writes the report.
func runCompare(w io.Writer, basePath, newPath string, f compareFlags) (*regress.Report, error) {
	o := regress.DefaultOptions()
	var err error
	if o.Threshold, err = regress.ParseThreshold(f.threshold); err != nil {
		return nil, fmt.Errorf("--threshold: %w", err)
	}
	if o.Gate, err = regress.ParseBases(f.on); err != nil {
		return nil, fmt.Errorf("--on: %w", err)
	}
	o.Alpha, o.Stats, o.GateStats = f.alpha, f.stats, f.gateStats
	base, err := regress.Load(basePath)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	cur, err := regress.Load(newPath)
	if err != nil {
		return nil, fmt.Errorf("new: %w", err)
	}
	rep, err := regress.Compare(base, cur, o)
	if err != nil {
		return nil, err
	}
	switch f.format {
	case "benchstat", "text":
		err = rep.WriteBenchstat(w)
	case "markdown", "md":
		err = rep.WriteMarkdown(w)
	default:
		return nil, fmt.Errorf("--format %q: want benchstat or markdown", f.format)
	}
	if err != nil {
		return nil, err
	}
	if f.markdownOut != "" {
		if err := appendMarkdown(f.markdownOut, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

func appendMarkdown(path string, rep *regress.Report) error {
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("--markdown-out: %w", err)
	}
	if err := rep.WriteMarkdown(fh); err != nil {
		fh.Close()
		return fmt.Errorf("--markdown-out: %w", err)
	}
	return fh.Close()
}
