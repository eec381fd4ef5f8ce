package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// scale: the scale sweep's curves against partition count (x axis:
// partitions, ordered as numbers), from kraftbench.scale.duration and
// kraftbench.scale.memory.rss.bytes, which carry a partitions attribute.
func scale(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	steps := "Steps: create (creating the partitions), startup (a cold start holding them), failover (a new active " +
		"controller after the old one is killed), controlled_shutdown (a broker's controlled shutdown moving its leaders)."
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
				"each step, per partition count and mode, averaged over the selected runs. Its slope is the memory each "+
				"partition costs in each mode.",
			"bytes", half, tall, "partitions", "mode", true, instant("A", clusterMem))).
		WithPanel(barChart("Memory per node against partition count",
			"Resident memory of each node after each step, per partition count, node and mode (broker-N, controller-N, "+
				"zookeeper-N), averaged over the selected runs. Shows where each mode keeps its metadata: the ZooKeeper "+
				"servers and the controller broker, or the KRaft controllers and every broker's image.",
			"bytes", half, tall, "partitions", "series", true, instant("A", nodeMem))).
		WithPanel(tableOf("Scale sweep figures",
			"Every step duration of the selected runs per partition count and mode, averaged over runs, as numbers to "+
				"copy. "+steps,
			"s", full, tall, map[string]string{"Value": "duration"},
			instant("A", "avg by (partitions, step, mode) ("+wholeRun(sel(scaleDur))+")")))
}
