package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/kraftbench/kraftbench/cluster"
)

// overview: per operation latency, throughput and errors, both modes side by
// side. Fed by every workload (each records ops).
func overview(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	bucket, count := opDuration+"_bucket", opDuration+"_count"
	liveQuantile := func(q float64) string { return quantile(q, "op, mode", rate(sel(bucket))) }
	runQuantile := func(q float64) string { return quantile(q, "op, mode", wholeRun(sel(bucket))) }
	ratio := func(q float64) string {
		return quantile(q, "op", wholeRun(modeSel(bucket, cluster.ModeKRaft))) + "\n/\n" + quantile(q, "op", wholeRun(modeSel(bucket, cluster.ModeZK)))
	}
	return b.
		WithRow(row("Runs and whole-run latency")).
		WithPanel(overrideUnit(tableOf("Runs in the time range",
			"Every run with operations in the time range: its mode, workload, provider and run name (the stem of its "+
				"result files, so a row here joins results/.../<run>.json), and how many operations succeeded. "+
				"Pick runs in the Run variable to narrow every panel to them.",
			"none", half, short, map[string]string{"Value": "successful ops"},
			instant("A", "sum by (mode, workload, provider, run) ("+wholeRun(sel(count))+")")), "none", "successful ops")).
		WithPanel(tableOf("KRaft / ZK latency ratio per operation (whole runs)",
			"KRaft mode's p50 and p99 over ZooKeeper mode's, per operation, from the merged histograms of the selected "+
				"runs of each mode (the Mode variable does not apply: the ratio needs both). Below 1 KRaft is faster. "+
				"Percentiles are bucket estimates (histogram buckets 1-2-5 per decade); `kraftbench report` gives exact "+
				"ones with confidence intervals.",
			"suffix:x", half, short, map[string]string{"Value #A": "p50 KRaft/ZK", "Value #B": "p99 KRaft/ZK"},
			instant("A", ratio(0.5)), instant("B", ratio(0.99)))).
		WithPanel(overrideUnit(tableOf("Latency per operation and mode (whole runs)",
			"p50 and p99 latency of successful operations and their count, per operation and mode, over whole runs "+
				"whose series end in the time range (each run's cumulative histogram at its last value, merged across "+
				"the selected runs). Read the modes of one operation side by side; failed operations are not in these "+
				"figures (see the errors panels).",
			"s", full, tall, map[string]string{"Value #A": "p50", "Value #B": "p99", "Value #C": "successful ops"},
			instant("A", runQuantile(0.5)), instant("B", runQuantile(0.99)),
			instant("C", "sum by (op, mode) ("+wholeRun(sel(count))+")")), "none", "successful ops")).
		WithRow(row("Live latency and throughput")).
		WithPanel(timeSeries("p50 latency per operation",
			"Median latency of successful operations finished in each rate window, one line per operation and mode "+
				"(ZooKeeper mode and KRaft mode of one operation side by side). Lines start once a run has finished "+
				"operations in two scrapes; a run shorter than that shows in the whole-run table above instead.",
			"s", half, tall, series("A", liveQuantile(0.5), "{{op}} · {{mode}}"))).
		WithPanel(timeSeries("p99 latency per operation",
			"99th percentile latency of successful operations finished in each rate window, per operation and mode. "+
				"Spikes far above the p50 line are the tail: queueing behind the controller, elections, timeouts just "+
				"short of failing.",
			"s", half, tall, series("A", liveQuantile(0.99), "{{op}} · {{mode}}"))).
		WithPanel(timeSeries("Throughput per operation",
			"Successful operations per second, per operation and mode. A closed loop runs as fast as answers come, so "+
				"its throughput is the mode's capacity at that concurrency; an open loop sends at a fixed rate, so a "+
				"line below that rate means the mode is falling behind.",
			"ops", half, tall, series("A", "sum by (op, mode) ("+rate(sel(count))+")", "{{op}} · {{mode}}"))).
		WithPanel(timeSeries("Errors per second by Kafka error code",
			"Failed operations per second, per operation, Kafka error code and mode (NOT_CONTROLLER, "+
				"REQUEST_TIMED_OUT...; UNKNOWN_SERVER_ERROR for failures without a Kafka code, such as a client-side "+
				"timeout). No data means no operation failed.",
			"cps", half, tall, series("A", "sum by (op, code, mode) ("+rate(sel(opErrors))+")", "{{op}} {{code}} · {{mode}}"))).
		WithRow(row("Errors over whole runs")).
		WithPanel(overrideUnit(tableOf("Failed operations per Kafka error code (whole runs)",
			"How many operations failed, per operation, Kafka error code and mode, over whole runs whose series end in "+
				"the time range. These counts are exact, however short the run. An empty table means no operation failed.",
			"none", full, short, map[string]string{"Value": "failed ops"},
			instant("A", "sum by (op, code, mode) ("+wholeRun(sel(opErrors))+")")), "none", "failed ops"))
}
