package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// scale: the scale sweep's curves against partition count (x axis:
// partitions, ordered as numbers), from kraftbench.scale.duration and
// kraftbench.scale.memory.rss.bytes, which carry a partitions attribute.
func scale(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	steps := "Steps (workloads/scale.go): create (the partitions added to reach the count, until every broker " +
		"serves them), startup (a cold start of the whole cluster), failover (kill -9 of the active controller until a " +
		"new one is reported and a CreateTopics succeeds; failover_elected until it is reported), controlled_shutdown " +
		"(a graceful stop of the broker leading the most partitions until the survivors serve other leaders; " +
		"controlled_shutdown_stop until the stop returned)."
	stepByMode := `label_join(avg by (partitions, step, mode) (` + wholeRun(sel(scaleDur)) + `), "series", " · ", "step", "mode")`
	clusterMem := `avg by (partitions, mode) (sum by (partitions, mode, run) (` + wholeRun(sel(scaleRSS)) + `))`
	nodeMem := `label_join(avg by (partitions, node, mode) (` + wholeRun(sel(scaleRSS)) + `), "series", " · ", "node", "mode")`
	return b.
		WithRow(row("Against partition count (whole runs)")).
		WithPanel(barChart("Step duration against partition count",
			"How long each step of the sweep took at each partition count, one bar per step and mode in each partition "+
				"group, averaged over the selected runs. "+steps+" Read how each mode's bars grow from group to group: "+
				"ZooKeeper mode's controller reloads every partition on failover, KRaft's standbys already hold them.",
			"s", full, tall, "partitions", "series", true, instant("A", stepByMode))).
		WithPanel(barChart("Cluster memory against partition count",
			"Resident memory of the whole cluster (every node and, in ZooKeeper mode, every ZooKeeper server) after "+
				"the last step at each partition count (the exported gauge keeps one reading per node and count), per mode, averaged over the selected runs. Its slope is the memory each "+
				"partition costs in each mode.",
			"bytes", half, tall, "partitions", "mode", true, instant("A", clusterMem))).
		WithPanel(barChart("Memory per node against partition count",
			"Resident memory of each node after the last step at each partition count, per partition count, node and mode (broker-N, controller-N, "+
				"zookeeper-N), averaged over the selected runs. Shows where each mode keeps its metadata: the ZooKeeper "+
				"servers and the controller broker, or the KRaft controllers and every broker's image.",
			"bytes", half, tall, "partitions", "series", true, instant("A", nodeMem))).
		WithPanel(tableOf("Scale sweep figures",
			"Every step duration of the selected runs per partition count and mode, averaged over runs, as numbers to "+
				"copy. "+steps,
			"s", full, tall, map[string]string{"Value": "duration"},
			instant("A", "avg by (partitions, step, mode) ("+wholeRun(sel(scaleDur))+")")))
}
