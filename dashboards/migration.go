package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// migration: ZooKeeper-to-KRaft migration phase durations against partition
// count, from kraftbench.migration.phase.duration.
func migration(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	phases := "Phases as the migration workload records them (metrics/otel.go: start, roll, finalize, rollback, " +
		"total); a ZooKeeper-mode cluster is what migrates, so the mode is the one the run started in."
	byPhase := `label_join(avg by (partitions, phase, mode) (` + wholeRun(sel(migrationDur)) + `), "series", " · ", "phase", "mode")`
	return b.
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
			instant("A", "avg by (partitions, phase, mode) ("+wholeRun(sel(migrationDur))+")")))
}
