package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/kraftbench/kraftbench/metrics"
)

// faultWindows is the expression of the fault annotations and panel: one
// series per fault in place (kraftbench.fault.active is 1 while a fault is
// in place on a node, 0 once healed).
var faultWindows = "max by (mode, fault, node) (" + sel(faultActive) + ")"

// failover: probe latency and errors over time with the fault windows drawn
// on them, and the failover times the workload measured per fault.
func failover(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	bucket, count := opDuration+"_bucket", opDuration+"_count"
	fsum, fcount := failoverDur+"_sum", failoverDur+"_count"
	unavailable := `measure="` + string(metrics.FailoverUnavailable) + `"`
	shaded := " Fault windows are drawn as red regions (the Faults annotation, from kraftbench_fault_active)."
	return b.
		Annotation(dashboard.NewAnnotationQueryBuilder().Name("Faults").Datasource(dsRef).Enable(true).
			IconColor("red").Expr(faultWindows + " > 0").Step("1s").
			TitleFormat("{{fault}} on {{node}} ({{mode}})").TagKeys("mode,fault,node").UseValueForTime(false)).
		WithRow(row("Probes during faults")).
		WithPanel(timeSeries("Fault windows",
			"1 while a fault is in place on a node, 0 once it healed, one line per mode, fault kind (kill, stop, pause, "+
				"partition) and node. The same windows shade every time series on this dashboard. A fault shorter than "+
				"a scrape interval may not show.",
			"none", full, short, series("A", faultWindows, "{{fault}} {{node}} · {{mode}}")).
			LineInterpolation(common.LineInterpolationStepAfter).Min(0).Max(1).Decimals(0)).
		WithPanel(timeSeries("Probe latency (p50 and p99)",
			"Latency of the workload's successful operations (its probes of the cluster) finished in each rate window, "+
				"per operation and mode. Latency climbing inside a fault window is the cost of the failover; the line "+
				"breaks where no probe succeeded."+shaded,
			"s", half, tall,
			series("A", quantile(0.5, "op, mode", rate(sel(bucket))), "p50 {{op}} · {{mode}}"),
			series("B", quantile(0.99, "op, mode", rate(sel(bucket))), "p99 {{op}} · {{mode}}"))).
		WithPanel(timeSeries("Failed probes by Kafka error code",
			"Failed probes so far in each run, per operation, Kafka error code and mode (each step up is a failure): "+
				"NOT_CONTROLLER while no controller is elected, REQUEST_TIMED_OUT or UNKNOWN_SERVER_ERROR (client-side "+
				"timeouts) while requests hang. Counts rather than a rate, so a burst of failures shorter than a scrape "+
				"interval still shows."+shaded,
			"none", half, tall, series("A", "sum by (op, code, mode, run) ("+sel(opErrors)+")", "{{op}} {{code}} · {{mode}}")).
			LineInterpolation(common.LineInterpolationStepAfter).Decimals(0)).
		WithPanel(timeSeries("Probe throughput",
			"Successful probes per second per operation and mode. A dip to zero inside a fault window is the "+
				"unavailability the table below measures per fault."+shaded,
			"ops", full, short, series("A", "sum by (op, mode) ("+rate(sel(count))+")", "{{op}} · {{mode}}"))).
		WithRow(row("Failover times per fault (whole runs)")).
		WithPanel(barChart("Mean unavailability per fault",
			"Mean time from the first failed write to the first successful one after a fault, per fault kind and target "+
				"(the active controller or a broker), one bar per mode, over every fault of the selected runs. Lower is "+
				"better; the seed claims KRaft fails over 70% faster.",
			"s", half, tall, "fault_target", "mode", false,
			instant("A", `label_join(`+mean("fault, target, mode", wholeRun(sel(fsum, unavailable)), wholeRun(sel(fcount, unavailable)))+
				`, "fault_target", " ", "fault", "target")`))).
		WithPanel(overrideUnit(tableOf("Failover times per fault and measure",
			"Mean of each failover time per fault kind, target and mode, and how many faults it comes from: "+
				"new_controller (fault until a new active controller is reported), unavailable (first failed to first "+
				"successful write), leaders_moved (fault until every surviving broker serves new leaders for the lost "+
				"broker's partitions), converged (heal until every broker serves one metadata digest).",
			"s", half, tall, map[string]string{"Value #A": "mean", "Value #B": "faults"},
			instant("A", mean("fault, target, measure, mode", wholeRun(sel(fsum)), wholeRun(sel(fcount)))),
			instant("B", "sum by (fault, target, measure, mode) ("+wholeRun(sel(fcount))+")")), "none", "faults"))
}
