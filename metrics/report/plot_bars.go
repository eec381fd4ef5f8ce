package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// plotsThroughput says whether op's throughput means something: not a
// startup (one sample per whole-cluster restart) or one of its phases.
func plotsThroughput(op *Op) bool {
	_, phase := metrics.OpPhase(op.Name)
	return op.Name != "startup" && !phase
}

// throughputPanels draws one panel per op of w: a bar per mode, the median
// of its runs' throughputs. Ops differ by orders of magnitude, hence one
// axis each.
func throughputPanels(w *Workload) []*plot.Plot {
	var panels []*plot.Plot
	for _, op := range w.Ops {
		if !plotsThroughput(op) {
			continue
		}
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s / %s", w.Name, op.Name)
		p.Y.Label.Text = "ops/s (median of runs)"
		p.Y.Min = 0
		p.Add(plotter.NewGrid())
		var names []string
		top := 0.0
		for _, s := range op.Modes {
			v := medianOf(s.values(perRunThroughput))
			top = max(top, v)
			bar, err := plotter.NewBarChart(plotter.Values{v}, vg.Points(28))
			if err != nil {
				continue
			}
			bar.XMin = float64(len(names))
			bar.Color = seriesColor(s)
			bar.LineStyle.Width = 0
			p.Add(bar)
			addLabel(p, float64(len(names)), v, 0, rate(v))
			names = append(names, s.Title())
		}
		if len(names) == 0 {
			continue
		}
		p.Y.Max = 1.2 * top
		p.NominalX(names...)
		panels = append(panels, p)
	}
	return panels
}

// phaseNames returns the phases the startup workload recorded, in the order
// a cluster passes them (unknown ones after, by name), then "startup" (the
// total).
func phaseNames(w *Workload) []cluster.PhaseName {
	seen := map[cluster.PhaseName]bool{}
	for _, op := range w.Ops {
		if name, ok := metrics.OpPhase(op.Name); ok {
			seen[name] = true
		}
	}
	var out []cluster.PhaseName
	for _, p := range cluster.StartupPhases() {
		if seen[p] {
			out = append(out, p)
			delete(seen, p)
		}
	}
	var rest []cluster.PhaseName
	for p := range seen {
		rest = append(rest, p)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// phasesPlot draws, per phase, one bar per mode: the median over restarts
// and runs of the time from the first process started until the phase was
// reached; the last group is the whole startup. Nil when w has no phases.
func phasesPlot(w *Workload) *plot.Plot {
	phases := phaseNames(w)
	if len(phases) == 0 {
		return nil
	}
	ops := make([]*Op, 0, len(phases)+1)
	labels := make([]string, 0, len(phases)+1)
	for _, ph := range phases {
		ops = append(ops, Find([]*Workload{w}, w.Name, metrics.PhaseOp(ph)))
		labels = append(labels, strings.ReplaceAll(string(ph), "_", " "))
	}
	if total := Find([]*Workload{w}, w.Name, "startup"); total != nil {
		ops, labels = append(ops, total), append(labels, "ready (total)")
	}
	p := plot.New()
	p.Title.Text = "startup: time from first process start until each phase (p50 over restarts)"
	p.Y.Label.Text = "seconds"
	p.Y.Min = 0
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	width := vg.Points(32)
	top := 0.0
	for i, mode := range cluster.Modes() {
		vals := make(plotter.Values, len(ops))
		for j, op := range ops {
			if s := op.Mode(mode); s != nil && s.Count() > 0 {
				vals[j] = float64(s.Merged.ValueAtQuantile(50)) / 1e9
				top = max(top, vals[j])
				addLabel(p, float64(j), vals[j], width*vg.Length(2*i-1)/2, dur(s.Merged.ValueAtQuantile(50)))
			}
		}
		bar, err := plotter.NewBarChart(vals, width)
		if err != nil {
			continue
		}
		bar.Offset = width * vg.Length(2*i-1) / 2
		bar.Color = modeColor(mode)
		bar.LineStyle.Width = 0
		p.Add(bar)
		p.Legend.Add(mode.Title(), bar)
	}
	p.Y.Max = 1.3 * top // room for the legend and the labels
	p.NominalX(labels...)
	return p
}

// addLabel writes text centred above the bar at (x, y), shifted by dx.
func addLabel(p *plot.Plot, x, y float64, dx vg.Length, label string) {
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{label}})
	if err != nil {
		return // a label is decoration; the table has the number
	}
	l.Offset = vg.Point{X: dx, Y: vg.Points(2)}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = text.XCenter
		l.TextStyle[i].Font.Size = vg.Points(8)
	}
	p.Add(l)
}
