package report

import (
	"fmt"
	"math"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// scalePlotSteps are the steps that get a panel: the four the sweep times
// (their sub-steps are in the tables).
var scalePlotSteps = []string{scaleStep(metrics.ScaleCreate), scaleStep(metrics.ScaleControlledShutdown),
	scaleStep(metrics.ScaleFailover), scaleStep(metrics.ScaleStartup)}

// scalePlots draws the time of each step against partitions (one panel per
// step, both modes, log-log, with each mode's fitted line) and each node
// kind's memory against partitions.
func scalePlots(dir string, w *Workload) ([]string, error) {
	d := collectScale(w)
	if len(d.counts) == 0 {
		return nil, nil
	}
	var out []string
	var panels []*plot.Plot
	for _, s := range scalePlotSteps {
		if p := scaleStepPlot(d, s); p != nil {
			panels = append(panels, p)
		}
	}
	if len(panels) > 0 {
		cols := min(2, len(panels))
		if err := saveGrid(dir, "scale-steps", panels, cols, 11*vg.Centimeter, 9*vg.Centimeter); err != nil {
			return nil, err
		}
		out = append(out, "scale-steps")
	}
	pred, err := scalePredictPlot(dir, w)
	if err != nil {
		return nil, err
	}
	out = append(out, pred...)
	if p := scaleMemoryPlot(d); p != nil {
		if err := saveGrid(dir, "scale-memory", []*plot.Plot{p}, 1, 16*vg.Centimeter, 10*vg.Centimeter); err != nil {
			return nil, err
		}
		out = append(out, "scale-memory")
	}
	return out, nil
}

// scaleAxes sets log-log axes over the given ranges.
func scaleAxes(p *plot.Plot, xlo, xhi, ylo, yhi float64) {
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = logTicks125{}, logTicks125{}
	p.X.Min, p.X.Max = xlo/1.5, xhi*1.5
	p.Y.Min, p.Y.Max = ylo/2, yhi*2
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true
}

func scaleStepPlot(d scaleData, step string) *plot.Plot {
	p := plot.New()
	p.Title.Text = "scale: " + step
	p.X.Label.Text = "partitions (log)"
	if step == scaleStep(metrics.ScaleCreate) {
		p.X.Label.Text = "partitions added (log)"
	}
	p.Y.Label.Text = "seconds (log)"
	xlo, xhi, ylo, yhi := math.Inf(1), 0.0, math.Inf(1), 0.0
	drawn := false
	for _, mode := range cluster.Modes() {
		var pts plotter.XYs
		for _, n := range d.counts {
			if v := d.value(mode, step, n); v > 0 {
				x := d.x(step, n)
				pts = append(pts, plotter.XY{X: x, Y: v})
				xlo, xhi, ylo, yhi = math.Min(xlo, x), math.Max(xhi, x), math.Min(ylo, v), math.Max(yhi, v)
			}
		}
		if len(pts) == 0 {
			continue
		}
		drawn = true
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			continue
		}
		line.Color, points.Color = modeColor(mode), modeColor(mode)
		line.Width = vg.Points(1.5)
		points.Shape = draw.CircleGlyph{}
		if mode == cluster.ModeZK {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(2)}
			points.Shape = draw.BoxGlyph{}
		}
		p.Add(line, points)
		label := mode.Title()
		if f := d.fit(mode, step); f.ok {
			label += fmt.Sprintf(" (slope %.2f)", f.slope)
		}
		p.Legend.Add(label, line, points)
	}
	if !drawn {
		return nil
	}
	scaleAxes(p, xlo, xhi, ylo, yhi)
	return p
}

// memDashes tells node kinds apart within a mode's colour.
var memDashes = map[string][]vg.Length{
	"broker":     nil,
	"node":       nil,
	"controller": {vg.Points(6), vg.Points(3)},
	"zookeeper":  {vg.Points(2), vg.Points(2)},
}

func scaleMemoryPlot(d scaleData) *plot.Plot {
	p := plot.New()
	p.Title.Text = "scale: resident memory per node after create"
	p.X.Label.Text = "partitions (log)"
	p.Y.Label.Text = "MiB (log)"
	xlo, xhi, ylo, yhi := math.Inf(1), 0.0, math.Inf(1), 0.0
	drawn := false
	for _, mode := range cluster.Modes() {
		for _, k := range d.memKindsOf(mode) {
			var pts plotter.XYs
			for _, n := range d.counts {
				if v := d.memValue(mode, k, n) / (1 << 20); v > 0 {
					pts = append(pts, plotter.XY{X: float64(n), Y: v})
					xlo, xhi, ylo, yhi = math.Min(xlo, float64(n)), math.Max(xhi, float64(n)), math.Min(ylo, v), math.Max(yhi, v)
				}
			}
			if len(pts) == 0 {
				continue
			}
			drawn = true
			line, points, err := plotter.NewLinePoints(pts)
			if err != nil {
				continue
			}
			line.Color, points.Color = modeColor(mode), modeColor(mode)
			line.Width = vg.Points(1.5)
			line.Dashes = memDashes[k]
			p.Add(line, points)
			p.Legend.Add(mode.Title()+" "+kindName(k), line, points)
		}
	}
	if !drawn {
		return nil
	}
	scaleAxes(p, xlo, xhi, ylo, yhi)
	return p
}
