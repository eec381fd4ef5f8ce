package report

import (
	"fmt"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// Resource figures come from each run's metrics.Resources: what the
// cluster's processes (nodes and ZooKeeper servers, not the load generator)
// used between the first and last usage sample of the workload. Like
// latencies, they are taken once per run and compared across runs.

// Process kinds as metrics.Resources.ByKind names them; kindAll is the total.
const (
	kindAll  = ""
	kindNode = "node"
	kindZK   = "zookeeper"
)

// resourceKinds are the rows of each figure, in order.
var resourceKinds = []string{kindAll, kindNode, kindZK}

// kindTitle names a kind in tables.
func kindTitle(kind string) string {
	switch kind {
	case kindAll:
		return "all processes"
	case kindNode:
		return "nodes (brokers, controllers)"
	case kindZK:
		return "ZooKeeper servers"
	}
	return kind
}

// countedOp says whether an op's successful samples count as operations
// for CPU per operation. Not counted: the store floor (measured apart, after
// the workload), propagation's Metadata polls ("metadata") and per-broker
// shares of one propagation ("propagation_broker"), and startup's phases
// ("phase_<name>"), each a part of one "startup" sample.
func countedOp(op string) bool {
	switch op {
	case metrics.FloorOp, metrics.FloorRawOp, "metadata", "propagation_broker":
		return false
	}
	_, phase := metrics.OpPhase(op)
	return !phase
}

// runOps is a run's successful operations of counted ops.
func runOps(r *Run) int64 {
	var n int64
	for _, o := range r.Ops {
		if countedOp(o.Op) {
			n += o.Latency.Count
		}
	}
	return n
}

// opNames lists a workload's op names, counted or not, in name order.
func opNames(w *Workload, counted bool) []string {
	var out []string
	for _, o := range w.Ops { // sorted by name
		if countedOp(o.Name) == counted {
			out = append(out, o.Name)
		}
	}
	return out
}

// runTotals is a run's totals of one kind; ok is false when the run has no
// resource figures or no process of that kind.
func runTotals(r *Run, kind string) (metrics.ResourceTotals, bool) {
	if r.Resources == nil {
		return metrics.ResourceTotals{}, false
	}
	t := r.Resources.Total
	if kind != kindAll {
		t = r.Resources.ByKind[kind]
	}
	return t, t.Nodes > 0
}

// resourceFigure is one per-run resource statistic of a kind's totals; value
// returns 0 or less when the run has none (notMeasured: the provider cannot
// measure it).
type resourceFigure struct {
	name   string
	format func(float64) string
	value  func(t metrics.ResourceTotals, r *Run) (v float64, notMeasured bool)
}

var (
	figCPU = resourceFigure{"CPU seconds", seconds,
		func(t metrics.ResourceTotals, _ *Run) (float64, bool) { return t.CPUSeconds, false }}
	figCPUPerOp = resourceFigure{"CPU per successful operation", seconds,
		func(t metrics.ResourceTotals, r *Run) (float64, bool) {
			n := runOps(r)
			if n == 0 {
				return 0, false
			}
			return t.CPUSeconds / float64(n), false
		}}
	figPeakRSS = resourceFigure{"sum of peak RSS", bytesText,
		func(t metrics.ResourceTotals, _ *Run) (float64, bool) { return float64(t.PeakRSSBytes), false }}
	figNet = resourceFigure{"network bytes (received + sent)", bytesText,
		func(t metrics.ResourceTotals, _ *Run) (float64, bool) {
			if t.NetRxBytes < 0 || t.NetTxBytes < 0 {
				return 0, true
			}
			return float64(t.NetRxBytes + t.NetTxBytes), false
		}}
	resourceFigures = []resourceFigure{figCPU, figCPUPerOp, figPeakRSS, figNet}
)

// resourceValues returns one value per run of mode in runs, skipping runs
// without the figure; unmeasured counts runs whose provider cannot measure
// it.
func resourceValues(runs []*Run, mode cluster.Mode, kind string, f resourceFigure) (vals []float64, unmeasured int) {
	for _, r := range runs {
		if r.Mode != mode {
			continue
		}
		t, ok := runTotals(r, kind)
		if !ok {
			continue
		}
		v, nm := f.value(t, r)
		switch {
		case nm:
			unmeasured++
		case v > 0:
			vals = append(vals, v)
		}
	}
	return vals, unmeasured
}

// resourceRuns counts mode's runs in runs that carry resource figures.
func resourceRuns(runs []*Run, mode cluster.Mode) int {
	n := 0
	for _, r := range runs {
		if r.Mode == mode && runVersion(r) == cluster.DefaultKafkaVersion && r.Resources != nil {
			n++
		}
	}
	return n
}

// hasResources says whether any run of w carries resource figures.
func hasResources(w *Workload) bool {
	for _, r := range w.Runs {
		if r.Resources != nil {
			return true
		}
	}
	return false
}

// workloadModes lists the modes of w's runs in run order (zk, kraft, others).
func workloadModes(w *Workload) []cluster.Mode {
	var out []cluster.Mode
	for _, r := range w.Runs {
		if len(out) == 0 || out[len(out)-1] != r.Mode {
			out = append(out, r.Mode)
		}
	}
	return out
}

// resourceRatio is KRaft/ZK of one figure of one kind across w's runs.
func resourceRatio(w *Workload, kind string, f resourceFigure) (Ratio, bool) {
	zk, _ := resourceValues(w.Runs, cluster.ModeZK, kind, f)
	kr, _ := resourceValues(w.Runs, cluster.ModeKRaft, kind, f)
	return EstimateRatio(zk, kr)
}

// seconds prints seconds with three significant digits, in the unit that
// suits them.
func seconds(s float64) string {
	if s <= 0 {
		return "-"
	}
	if s >= 1000 {
		return fmt.Sprintf("%.0fs", s)
	}
	return dur(int64(s * 1e9))
}

// bytesText prints a byte count in binary units: "512 B", "3.25 MiB",
// "1.20 GiB".
func bytesText(b float64) string {
	if b < 0 {
		return "-"
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	u := 0
	for b >= 1024 && u < len(units)-1 {
		b /= 1024
		u++
	}
	switch {
	case u == 0:
		return fmt.Sprintf("%.0f B", b)
	case b >= 100:
		return fmt.Sprintf("%.0f %s", b, units[u])
	case b >= 10:
		return fmt.Sprintf("%.1f %s", b, units[u])
	}
	return fmt.Sprintf("%.2f %s", b, units[u])
}

// modeProcesses is "3 nodes, 3 ZooKeeper servers" for mode's runs in w,
// from the median run.
func modeProcesses(w *Workload, mode cluster.Mode) string {
	var parts []string
	for _, k := range []string{kindNode, kindZK} {
		var n []float64
		for _, r := range w.Runs {
			if t, ok := runTotals(r, k); ok && r.Mode == mode && runVersion(r) == cluster.DefaultKafkaVersion {
				n = append(n, float64(t.Nodes))
			}
		}
		if len(n) > 0 {
			name := "node"
			if k == kindZK {
				name = "ZooKeeper server"
			}
			c := medianOf(n)
			parts = append(parts, fmt.Sprintf("%g %s%s", c, name, plural(int(c))))
		}
	}
	return strings.Join(parts, ", ")
}

// modeWindow is the median workload window of mode's runs, with their
// restarts and peaks that come from samples rather than the kernel.
func modeWindow(w *Workload, mode cluster.Mode) (window float64, restarts, sampled, procs int) {
	var ws []float64
	for _, r := range w.Runs {
		if r.Mode != mode || r.Resources == nil {
			continue
		}
		ws = append(ws, float64(r.Resources.WindowNs)/1e9)
		for _, nr := range r.Resources.Nodes { // sums: order does not matter
			restarts += nr.Restarts
			procs++
			if nr.PeakSampled {
				sampled++
			}
		}
	}
	return medianOf(ws), restarts, sampled, procs
}
