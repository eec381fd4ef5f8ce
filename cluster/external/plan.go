package external

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// Plan is what a run would do on the cluster, for a dry run: the caller
// (the CLI) fills it in from the scenario and its workload.
type Plan struct {
	Workload string
	// Params are the parameters given; the workload's defaults hold for
	// the others.
	Params map[string]string
	// Faults are the kinds the workload injects, each on whichever node
	// the run picks as its target, so every node's commands are shown.
	Faults []cluster.FaultKind
	// ColdStart says the workload stops and starts every node (startup).
	ColdStart bool
	// Repetitions is how many times the workload runs.
	Repetitions int
	// Topics are the suffixes of the topic names the workload makes, after
	// the run's prefix and "-" (e.g. "t<n>").
	Topics []string
	// Skipped, when set, is why the run would be skipped.
	Skipped string
}

// WritePlan writes the plan of a run on the file's cluster: the cluster as
// the file gives it, the workload, the topics it would create and every
// command it could run with its timeout. It connects to nothing.
func (f *File) WritePlan(w io.Writer, p Plan) error {
	var b strings.Builder
	pr := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	pr("dry run: nothing below is connected to, run or created")
	src := f.path
	if src == "" {
		src = "(given)"
	}
	pr("cluster %s, from cluster file %s", f.name(), src)
	pr("  bootstrap: %s", strings.Join(f.Bootstrap, ", "))
	if f.Mode != "" {
		pr("  mode: %s (as the file says; checked at start against the cluster's answers)", f.Mode)
	} else {
		pr("  mode: detected at start (DescribeQuorum answered with a leader: kraft; ApiVersions listing LeaderAndIsr: zk)")
	}
	if f.KafkaVersion != "" {
		pr("  Kafka version: %s (recorded in results as the file states it)", f.KafkaVersion)
	} else {
		pr("  Kafka version: unknown (set kafka_version to record it)")
	}
	if f.ZooKeeperConnect != "" {
		pr("  zookeeper.connect: %s (read only: /controller and /controller_epoch)", f.ZooKeeperConnect)
	}
	if len(f.Nodes) == 0 {
		pr("  nodes: the brokers Metadata names at start (no fault commands)")
	}
	for _, n := range f.Nodes {
		addr := n.Addr
		switch {
		case addr == "" && slices.Contains(n.Roles, cluster.RoleBroker):
			addr = "(address from Metadata)"
		case addr == "":
			addr = "(no address: asked about through the brokers)"
		}
		pr("  node %d %v at %s", n.ID, n.Roles, addr)
	}
	reps := max(p.Repetitions, 1)
	pr("workload %s, %d run(s)", p.Workload, reps)
	if len(p.Params) == 0 {
		pr("  params: none given, every one at its default")
	} else {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(p.Params)) {
			kv = append(kv, k+"="+p.Params[k])
		}
		pr("  params: %s (others at their defaults)", strings.Join(kv, " "))
	}
	if p.Skipped != "" {
		pr("  skipped: %s", p.Skipped)
	}
	run := f.prefix() + "-<run>"
	pr("topics: every name starts with %s-, where <run> is made at start from the time and a random part", run)
	for _, t := range p.Topics {
		pr("  %s-%s", run, t)
	}
	pr("  deleted at the end of each run and on Ctrl-C: only topics this run asked to create and that carry its prefix")
	if len(p.Faults) > 0 {
		pr("faults, each on the node the run picks (the active controller, or the broker leading most partitions):")
	}
	for _, k := range p.Faults {
		f.planFault(pr, k)
	}
	if p.ColdStart {
		f.planColdStart(pr)
	}
	if len(p.Faults) > 0 || p.ColdStart {
		pr("a command that fails stops the run (its undo is tried first); results gathered so far are kept")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (f *File) planFault(pr func(string, ...any), k cluster.FaultKind) {
	if m := f.missingFault(k, f.kafkaNodeIDs()); len(f.Nodes) == 0 || len(m) > 0 {
		why := "the cluster file lists no nodes"
		if len(m) > 0 {
			why = "the cluster file gives no " + strings.Join(m, ", ")
		}
		pr("  %s: not run (%s): skipped with a note, or refused before the run when asked for by name", k, why)
		return
	}
	pr("  %s:", k)
	for _, n := range f.Nodes {
		do, undo, _ := f.faultCommands(k, n.ID)
		for _, c := range do {
			pr("    node %d: %s", n.ID, c)
		}
		if undo != nil {
			pr("    node %d undo: %s", n.ID, *undo)
		}
	}
}

func (f *File) planColdStart(pr func(string, ...any)) {
	if m := f.missingFault(cluster.FaultRestart, f.kafkaNodeIDs()); len(f.Nodes) == 0 || len(m) > 0 {
		why := "the cluster file lists no nodes"
		if len(m) > 0 {
			why = "the cluster file gives no " + strings.Join(m, ", ")
		}
		pr("cold start: not possible, the workload is skipped (%s)", why)
		return
	}
	pr("cold start, each restart: stop every node (brokers first), then start every node (controllers first):")
	isCtl := func(n Node) bool { return slices.Contains(n.Roles, cluster.RoleController) }
	for _, key := range []string{"stop", "start"} {
		for _, ctlFirst := range []bool{key == "start", key != "start"} {
			for i, n := range f.Nodes {
				if isCtl(n) == ctlFirst {
					c, _ := f.command(i, key)
					pr("  node %d: %s", n.ID, c)
				}
			}
		}
	}
}
