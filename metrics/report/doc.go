// Package report turns a folder of kraftbench result files into a Markdown
// report with plots: per workload and operation, ZooKeeper mode's and KRaft
// mode's latency percentiles side by side, the KRaft/ZK ratio with its
// uncertainty, the ratio to the store floor measured in the same run, errors
// by Kafka code, the run metadata and notes; per workload, the CPU, memory and
// network its cluster used (where the provider reports them), compared across
// runs the same way; and a verdict on each quantitative claim of the seed
// document that the data covers.
//
// # Statistics
//
// The unit of replication is the run (one result file), not the sample:
// samples within a run share one cluster, one placement and one moment of a
// noisy shared machine, so their spread understates the run-to-run spread,
// and a bootstrap over the samples of merged histograms would give intervals
// that are too narrow. So, for each (workload, op) and statistic (p50, p99,
// throughput), the report takes one value per run and compares the ZooKeeper
// runs with the KRaft runs:
//
//   - the ratio KRaft/ZK is the Hodges-Lehmann estimate: the median of the
//     ratios of every KRaft run's value to every ZooKeeper run's value;
//   - its confidence interval is the distribution-free interval that inverts
//     the Mann-Whitney U test on the logarithms (Moses' method): order
//     statistics of those pairwise ratios, chosen from the null
//     distribution of U (exact up to 400 pairs, normal beyond;
//     internal/stats.ShiftCI, which `kraftbench compare` uses too). It
//     assumes only that the two modes' run values
//     differ by a factor. Its confidence is 95% where the numbers of runs
//     allow it; with few runs the highest confidence they allow is used and
//     stated (3 runs against 3: 90%; 2 against 2: 67%);
//   - the p-value is benchmath's (golang.org/x/perf) Mann-Whitney U test, as
//     benchstat reports it.
//
// With fewer than two runs in either mode the report gives the point ratio
// and says "too few runs for a CI". The percentile tables themselves come
// from the histograms of all runs merged, which describe the pooled
// distribution but carry no uncertainty of their own.
//
// Output is deterministic for a given input: results are ordered by
// (workload, mode, start time, path), maps are printed in key order, and
// numbers have fixed formats, so a report can be committed and diffed.
package report
