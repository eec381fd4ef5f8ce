package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// migration: ZooKeeper-to-KRaft migration phase durations against partition
// count (kraftbench.migration.phase.duration), and the probe load through
// the migration with its steps drawn on it (the migration workload records
// each step as a window, exported like a fault: kraftbench.fault.active).
func migration(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	phases := "Phases as the migration workload records them (start and its parts start_controllers, start_link, " +
		"start_copy; roll and each roll_broker_<id>; finalize or rollback; total). A ZooKeeper-mode cluster is what " +
		"migrates, so the mode is the one the run started in."
	steps := " Migration steps are drawn as regions (the Steps annotation, from kraftbench_fault_active)."
	byPhase := `label_join(avg by (partitions, phase, mode) (` + wholeRun(sel(migrationDur)) + `), "series", " · ", "phase", "mode")`
	return b.
		Annotation(dashboard.NewAnnotationQueryBuilder().Name("Steps").Datasource(dsRef).Enable(true).
			IconColor("orange").Expr("max by (mode, fault) (" + sel(faultActive) + ") > 0").Step("1s").
			TitleFormat("{{fault}} ({{mode}})").TagKeys("mode,fault").UseValueForTime(false)).
		WithRow(row("Migration phases (whole runs)")).
		WithPanel(barChart("Migration phase duration against partition count",
			"How long each migration phase took at each partition count, one bar per phase in each partition group, "+
				"averaged over the selected runs. "+phases+" Read how each phase grows from one partition count to the next: "+
				"the phases that copy or reload metadata should grow with it, the others should not.",
			"s", full, tall, "partitions", "series", true, instant("A", byPhase))).
		WithPanel(tableOf("Migration phase figures",
			"Every migration phase duration of the selected runs per partition count, averaged over runs, as numbers "+
				"to copy. "+phases,
			"s", full, tall, map[string]string{"Value": "duration"},
			instant("A", "avg by (partitions, phase, mode) ("+wholeRun(sel(migrationDur))+")"))).
		WithRow(row("Probe load through the migration")).
		WithPanel(timeSeries("Probe latency during the migration (p99)",
			"99th percentile latency of the probe's successful operations (create, delete, metadata) finished in each "+
				"rate window, per operation. An online migration should not stall the metadata plane: look for spikes "+
				"inside the steps, where brokers restart and the controller changes hands."+steps,
			"s", half, tall, series("A", quantile(0.99, "op, mode", rate(sel(opDuration+"_bucket"))), "{{op}} · {{mode}}"))).
		WithPanel(timeSeries("Failed probes during the migration",
			"Failed probe operations so far in each run, per operation and Kafka error code (each step up is a "+
				"failure): a broker restarting refuses connections, a controller handing over answers NOT_CONTROLLER. "+
				"Failures outside a step are a bug."+steps,
			"none", half, tall, series("A", "sum by (op, code, mode, run) ("+sel(opErrors)+")", "{{op}} {{code}} · {{mode}}")).
			LineInterpolation(common.LineInterpolationStepAfter).Decimals(0))
}
