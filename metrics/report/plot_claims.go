package report

import (
	"fmt"
	"image/color"

	"github.com/kraftbench/kraftbench/cluster"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// claimBar is one series of a claim's figure: its per-run values in the
// groups the verdicts rest on.
type claimBar struct {
	Title  string
	Values []float64
	Color  color.Color
}

// claimBars are a claim's series: ZooKeeper mode at the default version
// (from the default version's answer, else the first measured one), then
// KRaft at each version measured. vals describes the figure; ok is false
// when no answer is measured.
func claimBars(as []Answer) (bars []claimBar, vals ModeValues, ok bool) {
	zk := -1
	for i, a := range as {
		if a.Measured && (zk < 0 || a.Version == cluster.DefaultKafkaVersion) {
			zk = i
		}
	}
	if zk < 0 {
		return nil, ModeValues{}, false
	}
	vals = plotValues(as[zk])
	bars = append(bars, claimBar{Title: cluster.ModeZK.Title() + " " + string(cluster.DefaultKafkaVersion), Values: vals.ZK,
		Color: seriesColor(&Series{Mode: cluster.ModeZK, Version: cluster.DefaultKafkaVersion})})
	for _, a := range as {
		if a.Measured {
			bars = append(bars, claimBar{Title: cluster.ModeKRaft.Title() + " " + string(a.Version), Values: plotValues(a).KRaft,
				Color: seriesColor(&Series{Mode: cluster.ModeKRaft, Version: a.Version})})
		}
	}
	return bars, vals, true
}

// plotValues is the figure a claim's plot shows, the same for every
// version: the judged one, or for a claim judged on several figures (the
// resources claim) memory, the seed's first resource figure, whichever
// figure decided each version's verdict.
func plotValues(a Answer) ModeValues {
	for _, p := range a.Parts {
		if p.Figure == claimFigureName(figPeakRSS) {
			return p.Values
		}
	}
	return a.Values
}

// claimedValue is the KRaft figure the seed's claim predicts from
// ZooKeeper mode's median.
func claimedValue(zkMedian float64, vals ModeValues, claimed float64) float64 {
	if vals.Rate {
		return zkMedian / claimed
	}
	return zkMedian * claimed
}

// claimPlotBase is a claim's plot file name, without extension.
func claimPlotBase(c Claim) string {
	if c.Metric == metricResources {
		return "claim-resources"
	}
	return "claim-" + fileName(c.Workload)
}

// claimPlot draws a claim's figure per series: a bar at the median of the
// runs, a dot per run, and a dashed line where the seed's claim puts KRaft
// (ZooKeeper mode's median times the claimed ratio). Nil when unmeasured.
func claimPlot(as []Answer) *plot.Plot {
	bars, vals, ok := claimBars(as)
	if !ok {
		return nil
	}
	c := as[0].Claim
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s", c.Title, vals.Figure)
	p.Y.Label.Text = vals.Unit + " (bar: median of runs, dot: a run)"
	p.Y.Min = 0
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	top := 0.0
	var names []string
	for i, b := range bars {
		med := medianOf(b.Values) * vals.Scale
		bar, err := plotter.NewBarChart(plotter.Values{med}, vg.Points(40))
		if err != nil {
			continue
		}
		bar.XMin = float64(i)
		bar.Color = b.Color
		bar.LineStyle.Width = 0
		p.Add(bar)
		addLabel(p, float64(i), med, 0, vals.Format(medianOf(b.Values)))
		pts := make(plotter.XYs, len(b.Values))
		for j, v := range b.Values {
			pts[j] = plotter.XY{X: float64(i) + 0.25, Y: v * vals.Scale}
			top = max(top, v*vals.Scale)
		}
		if sc, err := plotter.NewScatter(pts); err == nil {
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			sc.GlyphStyle.Radius = vg.Points(2.5)
			sc.GlyphStyle.Color = color.Black
			p.Add(sc)
		}
		top = max(top, med)
		names = append(names, b.Title)
	}
	want := claimedValue(medianOf(bars[0].Values), vals, c.Claimed) * vals.Scale
	top = max(top, want)
	if l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: want}, {X: float64(len(bars)) - 0.5, Y: want}}); err == nil {
		l.LineStyle.Width = vg.Points(1.5)
		l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		l.LineStyle.Color = color.Black
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("seed's claim for KRaft: %s x %s", cluster.ModeZK.Title(), times(c.Claimed)), l)
	}
	p.Y.Max = 1.3 * top // room for the legend and the labels
	p.NominalX(names...)
	return p
}

// writeClaimPlots renders one plot per measured claim into dir and returns
// their base names by claim title.
func writeClaimPlots(dir string, byClaim [][]Answer) (map[string]string, error) {
	out := map[string]string{}
	for _, as := range byClaim {
		p := claimPlot(as)
		if p == nil {
			continue
		}
		base := claimPlotBase(as[0].Claim)
		if err := saveGrid(dir, base, []*plot.Plot{p}, 1, 14*vg.Centimeter, 9*vg.Centimeter); err != nil {
			return out, err
		}
		out[as[0].Title] = base
	}
	return out, nil
}
