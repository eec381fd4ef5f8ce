package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// startup: cold-start phase durations per mode, from the startup workload
// (kraftbench.startup.phase.duration, and op "startup" for the whole start).
func startup(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	bucket, sum, count := phaseDur+"_bucket", phaseDur+"_sum", phaseDur+"_count"
	phases := "Phases, each timed from the first process started: store_ready (ZooKeeper ensemble or KRaft " +
		"controller quorum answering), controller_active, brokers_registered (every broker registered and unfenced), " +
		"metadata_loaded (every broker serving the same metadata: the cluster is ready)."
	startQuantile := func(q float64) string {
		return quantile(q, "mode", wholeRun(sel(opDuration+"_bucket", `op="startup"`)))
	}
	return b.
		WithRow(row("Cold start")).
		WithPanel(statOf("Startup p50 per mode (whole runs)",
			"Median time of a cold start, per mode: every node (and in ZooKeeper mode the ZooKeeper ensemble) stopped "+
				"with its data and started again, until the cluster is ready (op startup). Bucket estimate from the "+
				"histogram of every selected run; `kraftbench report` gives exact percentiles with intervals.",
			"s", third, short, instantSeries("A", startQuantile(0.5), "{{mode}}"))).
		WithPanel(statOf("Startup p99 per mode (whole runs)",
			"99th percentile of the cold-start time per mode (op startup), as the p50 panel beside it. With a handful of "+
				"restarts per run this is close to the slowest start.",
			"s", third, short, instantSeries("A", startQuantile(0.99), "{{mode}}"))).
		WithPanel(statOf("Cold starts measured",
			"How many cold starts the figures on this dashboard come from, per mode: the count of op startup in the "+
				"selected runs. Fewer than a handful makes percentiles rough.",
			"none", third, short, instantSeries("A", "sum by (mode) ("+wholeRun(sel(opDuration+"_count", `op="startup"`))+")", "{{mode}}"))).
		WithPanel(barChart("Mean phase duration per mode (whole runs)",
			"Mean time from the first process started to each startup phase, one bar per mode in each phase group, over "+
				"every cold start of the selected runs. "+phases+" The last group is the whole start; the gaps between "+
				"groups are where each mode spends its time.",
			"s", full, tall, "phase", "mode", false,
			instant("A", mean("phase, mode", wholeRun(sel(sum)), wholeRun(sel(count)))))).
		WithPanel(overrideUnit(tableOf("Phase p50 and p99 per mode (whole runs)",
			"Median and 99th percentile time to each startup phase per mode, and how many cold starts they come from. "+
				phases+" Bucket estimates from the histograms (1-2-5 per decade).",
			"s", half, tall, map[string]string{"Value #A": "p50", "Value #B": "p99", "Value #C": "starts"},
			instant("A", quantile(0.5, "phase, mode", wholeRun(sel(bucket)))),
			instant("B", quantile(0.99, "phase, mode", wholeRun(sel(bucket)))),
			instant("C", "sum by (phase, mode) ("+wholeRun(sel(count))+")")), "none", "starts")).
		WithPanel(timeSeries("Phase durations as restarts happen",
			"Mean time to each phase of the cold starts that finished in each rate window, per phase and mode: a point "+
				"per restart or two. Look for drift across restarts (a store growing, caches warming) rather than at "+
				"single points.",
			"s", half, tall, series("A", mean("phase, mode", rate(sel(sum)), rate(sel(count))), "{{phase}} · {{mode}}")))
}
