package report

import (
	"fmt"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// writeResources writes a workload's resource table: per figure and kind of
// process, each mode's median over its runs and KRaft/ZK across runs.
// Nothing when no run carries resource figures.
func writeResources(m *md, w *Workload) {
	if !hasResources(w) {
		return
	}
	modes := workloadModes(w)
	m.linef("### Resources")
	m.linef("")
	m.linef("What the cluster's processes (nodes and ZooKeeper servers; not the load generator) used between the first and last usage sample of the workload, per run: CPU is user+system time; peak RSS sums each process's largest resident memory in the window (the peaks need not coincide). Each mode's column is the median over its runs; KRaft/ZK is across runs, as for latencies.")
	m.linef("")
	m.linef("CPU per successful operation divides a run's CPU by the successful operations of %s; not counted: %s.",
		opList(opNames(w, true), "no op"), opList(opNames(w, false), "none"))
	m.linef("")
	cols := []string{"figure", "processes"}
	align := "ll"
	for _, mode := range modes {
		n := resourceRuns(w.Runs, mode)
		cols = append(cols, fmt.Sprintf("%s (median of %d run%s)", mode.Title(), n, plural(n)))
		align += "r"
	}
	m.header(align+"r", append(cols, "KRaft/ZK across runs")...)
	for _, f := range resourceFigures {
		for _, k := range resourceKinds {
			cells := []string{f.name, kindTitle(k)}
			for _, mode := range modes {
				cells = append(cells, resourceCell(w, mode, k, f))
			}
			r, ok := resourceRatio(w, k, f)
			m.row(append(cells, ratioCell(r, ok))...)
		}
	}
	m.linef("")
	for _, mode := range modes {
		if resourceRuns(w.Runs, mode) == 0 {
			m.linef("- %s: no resource figures (the provider cannot tell)", mode.Title())
			continue
		}
		win, restarts, sampled, procs := modeWindow(w, mode)
		m.linef("- %s: %s; window %s (median); %d restart%s seen in the window; %d of %d process peaks from samples (no kernel high-water mark), which can miss a spike between samples",
			mode.Title(), modeProcesses(w, mode), seconds(win), restarts, plural(restarts), sampled, procs)
	}
	m.linef("")
}

// resourceCell is mode's median of a figure, "not measured" where the
// provider cannot measure it, "-" where mode has no such process.
func resourceCell(w *Workload, mode cluster.Mode, kind string, f resourceFigure) string {
	v, unmeasured := resourceValues(w.Runs, mode, kind, f)
	switch {
	case len(v) > 0 && unmeasured > 0:
		return fmt.Sprintf("%s (%d run%s; %d not measured)", f.format(medianOf(v)), len(v), plural(len(v)), unmeasured)
	case len(v) > 0:
		return f.format(medianOf(v))
	case unmeasured > 0:
		return "not measured"
	}
	return "-"
}

// opList is "`create`, `delete`", or none when empty.
func opList(ops []string, none string) string {
	if len(ops) == 0 {
		return none
	}
	q := make([]string, len(ops))
	for i, o := range ops {
		q[i] = "`" + o + "`"
	}
	return strings.Join(q, ", ")
}
