package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// resources: CPU, memory and network per node and mode, from the node gauges
// (kraftbench.node.*: the last reading of each node's cumulative CPU time,
// resident memory and cumulative network bytes, sampled every second).
func resources(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	nodes := " Nodes are named broker-N, controller-N (KRaft controllers), node-N (combined) and zookeeper-N: a " +
		"ZooKeeper-mode cluster is charged for its ensemble, a KRaft cluster for its controllers."
	stale := " After a run ends its last reading stays exported until the bench exits: read each line up to its run's end."
	netLocal := " The local provider cannot measure network bytes per process (they share the loopback), so this panel " +
		"has data for the docker provider only."
	return b.
		WithRow(row("Per node")).
		WithPanel(timeSeries("CPU per node",
			"CPU time each node used per second (1 = one core busy), per node and mode."+nodes+
				" A restarted process starts its counter again; rate() counts that as a reset, not a drop.",
			"short", third, tall, series("A", "sum by (node, mode, run) ("+rate(sel(nodeCPU))+")", "{{node}} · {{mode}}"))).
		WithPanel(timeSeries("Memory per node",
			"Resident memory of each node (anonymous plus file-mapped pages), per node and mode."+nodes+stale,
			"bytes", third, tall, series("A", "sum by (node, mode, run) ("+sel(nodeRSS)+")", "{{node}} · {{mode}}"))).
		WithPanel(timeSeries("Network per node",
			"Bytes each node received plus sent per second, per node and mode."+nodes+netLocal,
			"Bps", third, tall, series("A", "sum by (node, mode, run) ("+rate(sel(nodeNet))+")", "{{node}} · {{mode}}"))).
		WithRow(row("Per cluster")).
		WithPanel(timeSeries("Cluster CPU per mode",
			"CPU time the whole cluster used per second (1 = one core busy), one line per mode and run: the sum of the "+
				"per-node lines. The seed claims KRaft needs 15-25% fewer resources; compare the modes doing the same work.",
			"short", third, tall, series("A", "sum by (mode, run) ("+rate(sel(nodeCPU))+")", "{{mode}} · {{run}}"))).
		WithPanel(timeSeries("Cluster memory per mode",
			"Resident memory of the whole cluster, one line per mode and run: the sum of the per-node lines."+stale,
			"bytes", third, tall, series("A", "sum by (mode, run) ("+sel(nodeRSS)+")", "{{mode}} · {{run}}"))).
		WithPanel(timeSeries("Cluster network per mode",
			"Bytes the whole cluster received plus sent per second, one line per mode and run (node-to-node and "+
				"client traffic)."+netLocal,
			"Bps", third, tall, series("A", "sum by (mode, run) ("+rate(sel(nodeNet))+")", "{{mode}} · {{run}}"))).
		WithRow(row("Per run (time range)")).
		WithPanel(overrideUnit(overrideUnit(tableOf("Resources per run",
			"Per run in the time range: CPU seconds the cluster used, its peak resident memory (the largest sum over "+
				"nodes of one sample) and the network bytes it moved (docker provider only). Counters are extrapolated "+
				"to the range's edges by increase(); `kraftbench report` gives the exact figures of the workload's window.",
			"s", full, short, map[string]string{"Value #A": "CPU seconds", "Value #B": "peak memory", "Value #C": "network bytes"},
			instant("A", "sum by (mode, run) (increase("+sel(nodeCPU)+"[$__range]))"),
			instant("B", "max by (mode, run) (max_over_time(sum by (mode, run) ("+sel(nodeRSS)+")[$__range:$__interval]))"),
			instant("C", "sum by (mode, run) (increase("+sel(nodeNet)+"[$__range]))")), "bytes", "peak memory", "network bytes"),
			"s", "CPU seconds"))
}
