package main

import (
	"fmt"

	"github.com/kraftbench/kraftbench/metrics/report"
	"github.com/spf13/cobra"
)

func newReportCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Write a Markdown report with plots from the result files under DIR",
		Long: `Read every result JSON under DIR (recursively) and write report.md with its
plots (PNG and SVG) into --out (default: DIR).

Per workload and op: ZooKeeper mode's and KRaft mode's p50/p90/p99/p99.9/max
from the runs' merged histograms, the KRaft/ZK ratio of p50, p99 and
throughput across runs with a confidence interval (Hodges-Lehmann estimate,
Mann-Whitney-based interval over per-run values; needs at least 2 runs per
mode), the ratio to the store floor measured in the same run, errors by Kafka
code, the runs' metadata and notes, and a verdict on each claim of the seed
document the results measure.

When DIR holds no result file itself but has subfolders (results/, with a
folder per workload), it writes the answer page instead: README.md with every
seed claim judged for each Kafka version profile, a plot per claim and the
headline figures, from the runs in folders named after their workload.
Verdicts never pool runs of different revisions, kinds of machine, timeout
profiles or providers: each uses one such group and lists the others.

JSON files that are not results are skipped with a warning. The output is
deterministic for the same input, so it can be committed and diffed.

Examples:
  kraftbench report results/            # the answer page, results/README.md
  kraftbench report results/startup     # results/startup/report.md
  kraftbench report results/2026-01-02 --out results/2026-01-02/report`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := report.IsResultsRoot(args[0])
			if err != nil {
				return err
			}
			res, err := report.Generate(report.Options{In: args[0], Out: out, Warn: cmd.ErrOrStderr(), Answers: root})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "read %d result files; wrote %s and %d plot files\n", res.Runs, res.Report, len(res.Plots))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "folder for report.md (or README.md) and its plots (default: DIR)")
	return cmd
}
