package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// maxNines is the right end of the percentile axis: 99.99.
const maxNines = 4

// plotsLatency says whether op gets a percentile plot: it has successes,
// and it is not a startup phase (those have their own bar chart).
func plotsLatency(op *Op) bool {
	if _, phase := metrics.OpPhase(op.Name); phase {
		return false
	}
	for _, s := range op.Modes {
		if s.Count() > 0 {
			return true
		}
	}
	return false
}

// nines maps a percentile onto the "nines" axis: 0 -> 0, 90 -> 1, 99 -> 2,
// 99.9 -> 3, 99.99 -> 4.
func nines(pct float64) float64 { return -math.Log10(1 - pct/100) }

// ninesTicks labels the nines axis with percentiles.
type ninesTicks struct{}

func (ninesTicks) Ticks(lo, hi float64) []plot.Tick {
	major := []struct {
		x     float64
		label string
	}{{0, "0"}, {nines(50), "50"}, {1, "90"}, {2, "99"}, {3, "99.9"}, {4, "99.99"}}
	var ts []plot.Tick
	for _, m := range major {
		if m.x >= lo && m.x <= hi {
			ts = append(ts, plot.Tick{Value: m.x, Label: m.label})
		}
	}
	for d := 0.0; d < maxNines; d++ {
		for _, p := range []float64{0.5, 0.8, 0.95} { // minor ticks: 95, 99.5, ...
			if x := d + nines(100*p); x >= lo && x <= hi && x < d+1 {
				ts = append(ts, plot.Tick{Value: x})
			}
		}
	}
	return ts
}

// latencyPlot draws each mode's latency against percentile, from the merged
// histogram, on log scales. A mode's line stops where its sample count stops
// resolving percentiles (1 - 1/count).
func latencyPlot(op *Op) *plot.Plot {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s / %s: latency by percentile (all runs merged)", op.Workload, op.Name)
	p.X.Label.Text = "percentile"
	p.X.Min, p.X.Max = 0, maxNines
	p.X.Tick.Marker = ninesTicks{}
	p.Y.Label.Text = "latency (ms, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks125{}
	// Lines rise to the right, so the bottom right is the emptiest corner.
	p.Legend.Top, p.Legend.Left = false, false
	p.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), 0.0
	for _, s := range op.Modes {
		if s.Count() == 0 {
			continue
		}
		pts := percentilePoints(s)
		for _, pt := range pts {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue // NaN-free by construction; skip rather than fail a report
		}
		l.Color = seriesColor(s)
		l.Width = vg.Points(1.5)
		if s.Mode == cluster.ModeZK { // dashed as well as coloured, for greyscale prints
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (%d runs, n=%d)", s.Title(), len(s.Runs), s.Count()), l)
	}
	p.Y.Min, p.Y.Max = lo/3, hi*1.5
	return p
}

// percentilePoints samples a series' merged histogram every 0.02 nines.
func percentilePoints(s *Series) plotter.XYs {
	end := math.Min(maxNines, math.Log10(float64(s.Count())))
	var pts plotter.XYs
	for i := 0; ; i++ {
		x := math.Min(float64(i)*0.02, end)
		pct := 100 * (1 - math.Pow(10, -x))
		v := float64(s.Merged.ValueAtQuantile(pct)) / 1e6
		pts = append(pts, plotter.XY{X: x, Y: math.Max(v, 1e-6)})
		if x >= end {
			return pts
		}
	}
}

// logTicks125 labels a log axis at 1, 2 and 5 times each power of ten
// (gonum's LogTicks labels powers of ten only, often a single tick here),
// with minor ticks at the other integers.
type logTicks125 struct{}

func (logTicks125) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}
