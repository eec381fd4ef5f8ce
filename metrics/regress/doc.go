// Package regress decides whether a set of kraftbench runs is slower than a
// baseline set, with statistics that tolerate the noise of shared machines.
//
// # Samples
//
// One result file is one run, and one run gives one sample value per
// (workload, mode, op, statistic): the run's own p50 (or p99, ...) from its
// histogram. Repetitions therefore give the sample size; the thousands of
// latencies inside a run are not independent samples (they share the run's
// cluster, placement and machine state), so they are never pooled across
// runs. With fewer runs per side than the U test needs to ever reach the
// significance level (2/C(n1+n2, n1) > alpha, e.g. fewer than 4 + 4 at
// alpha 0.05), a row says "too few runs" and is never flagged: ask for more
// repetitions rather than trust a single run.
//
// # Bases
//
// Every statistic is compared twice: on absolute latencies, and as a ratio
// to the store floor measured in the same run (op "floor": a bare ZooKeeper
// create or Raft commit on the same cluster), op statistic over the floor's
// same statistic. A machine that is slower as a whole slows the floor too,
// so the ratio cancels much of the noise of shared machines; a slower control
// plane does not slow its store's floor, so the ratio keeps the regression.
//
// # Test and interval
//
// The test is Mann-Whitney U (golang.org/x/perf/benchmath, AssumeNothing),
// two-sided, on the per-run values. The change is the ratio of the sample
// medians minus one, as benchstat reports it. Its confidence interval is the
// distribution-free interval that goes with the U test (Hodges-Lehmann with
// Moses' interval, internal/stats.ShiftCI, the same that `kraftbench report`
// prints): the k-th smallest and largest of the n1*n2 pairwise ratios
// new/base, with k from the U distribution (exact up to 400 pairs, normal
// beyond), at confidence at least 1-alpha where the numbers of runs allow
// it and at the highest level they allow otherwise (the level reached is
// stated).
//
// # Verdicts and the gate
//
// A row is a regression when p < alpha and the median change is above the
// threshold (a relative change, 10% by default); an improvement when p <
// alpha and the change is below minus the threshold. Regressions on the
// gated bases (Options.Gate) make Report.Failed true; the others are
// reported only.
package regress
