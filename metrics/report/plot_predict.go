package report

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/metrics/predict"
)

// scalePredictPlot draws, for each step Confluent published a 2M figure
// for, each 3.9 series' measured points, the cost model's curve fitted on
// them (metrics/predict) out to 2M with its 95% prediction interval as
// dashed bounds, and Confluent's 2M points. Nil when no such step was
// measured.
func scalePredictPlot(dir string, w *Workload) ([]string, error) {
	var rs []*metrics.Result
	for _, r := range w.Runs {
		rs = append(rs, r.Result)
	}
	sweep := predict.FromResults(rs)
	var panels []*plot.Plot
	for _, c := range confluent2M {
		if p := predictPanel(sweep, c.step, c.what, map[cluster.Mode]float64{cluster.ModeZK: c.zk, cluster.ModeKRaft: c.kraft}); p != nil {
			panels = append(panels, p)
		}
	}
	if len(panels) == 0 {
		return nil, nil
	}
	if err := saveGrid(dir, "scale-predict", panels, len(panels), 12*vg.Centimeter, 10*vg.Centimeter); err != nil {
		return nil, err
	}
	return []string{"scale-predict"}, nil
}

// curveXs are log-spaced partition counts from lo to hi.
func curveXs(lo, hi int) []int {
	var xs []int
	for x := float64(lo); x < float64(hi); x *= math.Pow(10, 0.1) {
		xs = append(xs, int(x))
	}
	return append(xs, hi)
}

func predictPanel(sweep predict.Sweep, step, what string, theirs map[cluster.Mode]float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = "model: " + step + " (Confluent: " + what + ")"
	p.X.Label.Text = "partitions (log)"
	p.Y.Label.Text = "seconds (log)"
	xlo, xhi, ylo, yhi := math.Inf(1), float64(scaleTarget), math.Inf(1), 0.0
	grow := func(x, y float64) {
		if y > 0 {
			xlo, xhi, ylo, yhi = math.Min(xlo, x), math.Max(xhi, x), math.Min(ylo, y), math.Max(yhi, y)
		}
	}
	drawn := false
	for _, k := range sweep.Keys() {
		if k.Step != step || k.Version != cluster.DefaultKafkaVersion {
			continue
		}
		pts := sweep[k]
		f, err := predict.FitPoints(pts)
		if err != nil || len(pts) == 0 {
			continue
		}
		col := modeColor(k.Mode)
		var measured plotter.XYs
		for _, pt := range pts {
			measured = append(measured, plotter.XY{X: float64(pt.Partitions), Y: pt.Seconds})
			grow(float64(pt.Partitions), pt.Seconds)
		}
		var curve, lo, hi plotter.XYs
		for _, n := range curveXs(pts[0].Partitions, scaleTarget) {
			pr := f.Predict(n, 0.95)
			if pr.Seconds > 0 {
				curve = append(curve, plotter.XY{X: float64(n), Y: pr.Seconds})
				grow(float64(n), pr.Seconds)
			}
			if pr.HasInterval && pr.Lo > 0 {
				lo = append(lo, plotter.XY{X: float64(n), Y: pr.Lo})
			}
			if pr.HasInterval && pr.Hi > 0 {
				hi = append(hi, plotter.XY{X: float64(n), Y: pr.Hi})
				grow(float64(n), pr.Hi)
			}
		}
		sc, err := plotter.NewScatter(measured)
		if err != nil {
			continue
		}
		sc.Color, sc.Shape, sc.Radius = col, draw.CircleGlyph{}, vg.Points(3)
		if k.Mode == cluster.ModeZK {
			sc.Shape = draw.BoxGlyph{}
		}
		p.Add(sc)
		p.Legend.Add(k.Series()+" measured", sc)
		if len(curve) > 1 {
			l, err := plotter.NewLine(curve)
			if err == nil {
				l.Color, l.Width = col, vg.Points(1.5)
				p.Add(l)
				p.Legend.Add(k.Series()+" model", l)
			}
		}
		for i, band := range []plotter.XYs{lo, hi} {
			if len(band) < 2 {
				continue
			}
			l, err := plotter.NewLine(band)
			if err != nil {
				continue
			}
			l.Color, l.Width, l.Dashes = col, vg.Points(0.7), []vg.Length{vg.Points(3), vg.Points(2)}
			p.Add(l)
			if i == 1 {
				p.Legend.Add(k.Series()+" 95% interval", l)
			}
		}
		if y := theirs[k.Mode]; y > 0 {
			c, err := plotter.NewScatter(plotter.XYs{{X: scaleTarget, Y: y}})
			if err == nil {
				c.Color, c.Shape, c.Radius = col, draw.PyramidGlyph{}, vg.Points(5)
				p.Add(c)
				p.Legend.Add(k.Series()+" Confluent, 2M", c)
				grow(scaleTarget, y)
			}
		}
		drawn = true
	}
	if !drawn {
		return nil
	}
	scaleAxes(p, xlo, xhi, ylo, yhi)
	p.X.Tick.Marker = decadeTicks{} // 1k to 2M: the 1-2-5 labels would collide
	return p
}

// decadeTicks labels the powers of ten ("1k", "10k", "100k", "1M") and
// marks the 2 and 5 between them without a label.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for d := math.Pow(10, math.Floor(math.Log10(lo))); d <= hi; d *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := d * m
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = countLabel(v)
			}
			out = append(out, t)
		}
	}
	return out
}

// countLabel is 1000 as "1k", 1000000 as "1M".
func countLabel(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
