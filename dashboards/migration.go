package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// migration: ZooKeeper-to-KRaft migration phase durations against partition
// count, from kraftbench.migration.phase.duration.
func migration(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	phases := "Phases as the migration workload names them: start (KRaft controllers up, metadata copied from " +
		"ZooKeeper), roll (brokers moved onto the KRaft controllers), finalize (ZooKeeper left behind), rollback " +
		"(where the run tests going back) and total."
	byPhase := `label_join(avg by (partitions, phase, mode) (` + wholeRun(sel(migrationDur)) + `), "series", " · ", "phase", "mode")`
	return b.
		WithRow(row("Migration phases (whole runs)")).
		WithPanel(barChart("Migration phase duration against partition count",
			"How long each migration phase took at each partition count, one bar per phase in each partition group, "+
				"averaged over the selected runs. "+phases+" The copy in start grows with the metadata; a roll that grows "+
				"too means brokers wait on the metadata as they move.",
			"s", full, tall, "partitions", "series", true, instant("A", byPhase))).
		WithPanel(tableOf("Migration phase figures",
			"Every migration phase duration of the selected runs per partition count, averaged over runs, as numbers "+
				"to copy. "+phases,
			"s", full, tall, map[string]string{"Value": "duration"},
			instant("A", "avg by (partitions, phase, mode) ("+wholeRun(sel(migrationDur))+")")))
}
