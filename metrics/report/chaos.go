package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// The chaos section (workloads/chaos.go): per run the faults survived and
// the availability over the whole soak, the unavailability per fault kind
// and target, any violation with what reproduces it, and a timeline of the
// soak.

// chaosRun is what one soak's result says about itself.
type chaosRun struct {
	run         *Run
	seed        string
	scheduled   string
	end         string // the end-of-soak note, or the violation
	unavailable float64
	soak        time.Duration
}

func collectChaosRun(r *Run) chaosRun {
	c := chaosRun{run: r, seed: r.Params["seed"], scheduled: r.Params["faults"], soak: r.Finished.Sub(r.Started)}
	for _, m := range r.MeasuresNamed(metrics.MeasureChaosUnavailable) {
		c.unavailable += m.Value
	}
	for _, n := range r.Notes {
		if strings.HasPrefix(n, "chaos: ") {
			c.end = n
		}
	}
	for _, n := range r.Notes {
		if strings.HasPrefix(n, "run ended early: ") { // a violation, with its seed
			c.end = "**" + n + "**"
		}
	}
	return c
}

func writeChaos(m *md, w *Workload, plots []string) {
	m.linef("### Chaos soak")
	m.linef("")
	m.linef("Each run draws a seeded schedule of faults from every fault kind the provider can inject and every target of its mode (the active controller, a broker, and the store: a ZooKeeper follower, the ensemble's leader and two of three servers in ZooKeeper mode; a standby controller and two of three voters in KRaft mode), some overlapping a second fault, each under the probe load, and after every fault checks the history (linearizable, no acknowledged write lost, one controller per epoch, one digest after healing). **availability** is 1 less the summed write unavailability over the soak's wall time. A violation stops the run; its error names the seed and fault count that reproduce the schedule, and the history and porcupine's visualisation are saved beside the results.")
	m.linef("")
	m.header("lllrrrl", "mode", "provider", "seed", "faults scheduled", "unavailable (sum)", "availability", "end of the soak")
	var runs []chaosRun
	for _, mode := range cluster.Modes() {
		for _, r := range w.Runs {
			if r.Mode == mode {
				runs = append(runs, collectChaosRun(r))
			}
		}
	}
	for _, c := range runs {
		avail := "-"
		if c.soak > 0 {
			avail = fmt.Sprintf("%.2f%%", 100*(1-c.unavailable/c.soak.Seconds()))
		}
		m.row(c.run.Mode.Title(), c.run.Provider, c.seed, c.scheduled, dur(int64(c.unavailable*1e9)), avail, c.end)
	}
	m.linef("")
	writeChaosKinds(m, w)
	for _, base := range plots {
		m.linef("The soak's probe creates over the run's clock (log scale; failed ones as crosses at the top), each fault's window shaded (k kill, s stop, p pause, x partition; C controller, B broker, Z ZooKeeper server, L ZooKeeper leader, Q ZooKeeper quorum, S standby controller, V controller quorum):")
		m.linef("")
		m.image("chaos timeline", base)
	}
}

// writeChaosKinds is the distribution of unavailability per fault kind and
// target, per mode: count, p50, max (faults overlapping another counted in
// their first fault's row, and apart in "with overlap").
func writeChaosKinds(m *md, w *Workload) {
	type key struct{ kind, target string }
	vals := map[key]map[cluster.Mode][]float64{}
	overlapped := map[key]map[cluster.Mode]int{}
	for _, r := range w.Runs {
		for _, ms := range r.MeasuresNamed(metrics.MeasureChaosUnavailable) {
			k := key{ms.Labels["fault"], ms.Labels["target"]}
			if vals[k] == nil {
				vals[k], overlapped[k] = map[cluster.Mode][]float64{}, map[cluster.Mode]int{}
			}
			vals[k][r.Mode] = append(vals[k][r.Mode], ms.Value)
			if ms.Labels["with"] != "" && ms.Labels["with"] != "none" {
				overlapped[k][r.Mode]++
			}
		}
	}
	if len(vals) == 0 {
		return
	}
	m.linef("Write unavailability per fault kind and target:")
	m.linef("")
	m.header("llrrrrrr", "fault", "target", "ZK faults (with overlap)", "ZK p50", "ZK max", "KRaft faults (with overlap)", "KRaft p50", "KRaft max")
	keys := slices.SortedFunc(maps.Keys(vals), func(a, b key) int {
		if c := strings.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return strings.Compare(a.target, b.target)
	})
	count := func(v []float64, o int) string {
		if len(v) == 0 {
			return "-"
		}
		return fmt.Sprintf("%d (%d)", len(v), o)
	}
	for _, k := range keys {
		zk, kr := vals[k][cluster.ModeZK], vals[k][cluster.ModeKRaft]
		m.row(k.kind, k.target, count(zk, overlapped[k][cluster.ModeZK]), secsOrZero(zk), maxOrZero(zk),
			count(kr, overlapped[k][cluster.ModeKRaft]), secsOrZero(kr), maxOrZero(kr))
	}
	m.linef("")
}

// chaosPlots draws the timeline of the first run of each mode.
func chaosPlots(dir string, w *Workload) ([]string, error) {
	var panels []*plot.Plot
	for _, mode := range cluster.Modes() {
		for _, r := range w.Runs {
			if r.Mode == mode {
				if p := timeline(r, fmt.Sprintf("%s: chaos soak, probe creates and faults (seed %s)", r.Mode.Title(), r.Params["seed"]), faultTag); p != nil {
					panels = append(panels, p)
				}
				break
			}
		}
	}
	if len(panels) == 0 {
		return nil, nil
	}
	if err := saveGrid(dir, "chaos-timeline", panels, 1, 26*vg.Centimeter, 8*vg.Centimeter); err != nil {
		return nil, err
	}
	return []string{"chaos-timeline"}, nil
}

// maxOrZero is maxSecs that writes a zero as "0", as secsOrZero does.
func maxOrZero(v []float64) string {
	if len(v) > 0 && slices.Max(v) == 0 {
		return "0"
	}
	return maxSecs(v)
}
