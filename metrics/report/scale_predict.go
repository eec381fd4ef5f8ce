package report

import (
	"fmt"

	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/metrics/predict"
)

// writeScalePredict is the cost model's part of the scale section
// (metrics/predict, `kraftbench predict`): each curve fitted without its
// largest count and predicted there, against what was measured, then the
// fitted model's 2M predictions with intervals beside Confluent's.
func writeScalePredict(m *md, w *Workload) {
	var rs []*metrics.Result
	for _, r := range w.Runs {
		rs = append(rs, r.Result)
	}
	sweep := predict.FromResults(rs)
	held := sweep.Validate(0.95)
	if len(held) == 0 {
		return
	}
	m.linef("#### The cost model, checked on a held-out count")
	m.linef("")
	m.linef("`kraftbench predict` fits each step of each series with t(n) = a + b·n, a fixed cost and a cost per partition (both at least zero; every point weighted by its relative error), and predicts other counts with a 95%% prediction interval (metrics/predict). Here each curve is fitted without its largest count and predicted there: the error is how far such a prediction was off, the evidence for how far to trust one at counts not measured. With two points and two parameters there is no interval.")
	m.linef("")
	m.header("llllrrrr", "series", "step", "fitted on", "predicted at", "predicted", "95% interval", "measured", "error")
	for _, h := range held {
		iv := "none"
		if h.Prediction.HasInterval {
			iv = intervalText(h.Prediction)
		}
		m.row(h.Key.Series(), "`"+h.Key.Step+"`", fmt.Sprint(h.Fitted), fmt.Sprint(h.Prediction.Partitions),
			seconds(h.Prediction.Seconds), iv, seconds(h.Measured), fmt.Sprintf("%+.0f%%", h.Error()*100))
	}
	m.linef("")
	m.linef("At %d partitions, fitted on every count measured:", scaleTarget)
	m.linef("")
	m.header("lllrrr", "series", "step", "measured at", "predicted", "95% interval", "Confluent's")
	for _, k := range sweep.Keys() {
		var theirs string
		for _, c := range confluent2M {
			if c.step == k.Step && k.Version == "3.9" {
				if k.Mode == "zk" {
					theirs = seconds(c.zk)
				} else {
					theirs = seconds(c.kraft)
				}
			}
		}
		if theirs == "" {
			continue
		}
		f, err := predict.FitPoints(sweep[k])
		if err != nil {
			continue
		}
		p := f.Predict(scaleTarget, 0.95)
		iv := "none"
		if p.HasInterval {
			iv = intervalText(p)
		}
		var at []int
		for _, pt := range sweep[k] {
			at = append(at, pt.Partitions)
		}
		m.row(k.Series(), "`"+k.Step+"`", fmt.Sprint(at), seconds(p.Seconds), iv, theirs)
	}
	m.linef("")
}

func intervalText(p predict.Prediction) string {
	lo := "0"
	if p.Lo > 0 {
		lo = seconds(p.Lo)
	}
	return lo + "–" + seconds(p.Hi)
}
