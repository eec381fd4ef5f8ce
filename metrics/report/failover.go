package report

import (
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The failover section: per fault (kind and target) and measure, what each
// mode took, under each timeout profile; the seed's recovery claim; the
// probe's latency over time with the faults shaded; recovery per fault.

// faultKey is one fault of a failover run: a kind hitting a target.
type faultKey struct{ Kind, Target string }

func (k faultKey) String() string { return k.Kind + " of the " + k.Target }

// failoverValues holds, per profile, fault, measure and mode, one value in
// seconds per episode (one per run: a run hits each target with each kind
// once).
type failoverValues map[string]map[faultKey]map[string]map[cluster.Mode][]float64

func collectFailover(w *Workload) failoverValues {
	out := failoverValues{}
	for _, r := range w.Runs {
		prof := profileOf(r)
		// Figures a run could not measure add no value, but their fault
		// and measure still get a row, so the table can count them.
		for _, m := range r.Measures {
			if m.Name != metrics.MeasureFailover {
				continue
			}
			k := faultKey{m.Labels["fault"], m.Labels["target"]}
			if out[prof] == nil {
				out[prof] = map[faultKey]map[string]map[cluster.Mode][]float64{}
			}
			if out[prof][k] == nil {
				out[prof][k] = map[string]map[cluster.Mode][]float64{}
			}
			if out[prof][k][m.Labels["measure"]] == nil {
				out[prof][k][m.Labels["measure"]] = map[cluster.Mode][]float64{}
			}
			if m.Measured() {
				out[prof][k][m.Labels["measure"]][r.Mode] = append(out[prof][k][m.Labels["measure"]][r.Mode], m.Value)
			}
		}
	}
	return out
}

// recoveries returns, per mode, one recovery time per run of profile for
// fault k: from the fault until a controller is active again, the lost
// node's leaders have moved and writes succeed again (the largest of
// new_controller, leaders_moved and unavailable that the run measured).
func recoveries(w *Workload, profile string, k faultKey) map[cluster.Mode][]float64 {
	out := map[cluster.Mode][]float64{}
	for _, r := range w.Runs {
		if profileOf(r) != profile {
			continue
		}
		if len(unmeasuredRecovery(r, k)) > 0 {
			continue // a part of its recovery is unknown, so the whole is
		}
		rec, seen := 0.0, false
		for _, m := range r.MeasuresNamed(metrics.MeasureFailover) {
			if m.Labels["fault"] != k.Kind || m.Labels["target"] != k.Target || m.Labels["measure"] == string(metrics.FailoverConverged) {
				continue
			}
			rec, seen = math.Max(rec, m.Value), true
		}
		if seen {
			out[r.Mode] = append(out[r.Mode], rec)
		}
	}
	return out
}

// unmeasuredRecovery returns the parts of fault k's recovery (measures other
// than converged) that run r could not measure.
func unmeasuredRecovery(r *Run, k faultKey) []metrics.Measure {
	return slices.DeleteFunc(unmeasured(r, k, ""), func(m metrics.Measure) bool { return m.Labels["measure"] == string(metrics.FailoverConverged) })
}

// unmeasured returns the failover figures of fault k (of measure meas, or
// all when it is empty) that run r could not measure.
func unmeasured(r *Run, k faultKey, meas string) []metrics.Measure {
	return slices.DeleteFunc(r.UnmeasuredNamed(metrics.MeasureFailover), func(m metrics.Measure) bool {
		return m.Labels["fault"] != k.Kind || m.Labels["target"] != k.Target || (meas != "" && m.Labels["measure"] != meas)
	})
}

// notMeasuredCount counts, per mode, the episodes of profile in which fault
// k's measure meas ("recovery": any part of it) was not measured.
func notMeasuredCount(w *Workload, profile string, k faultKey, meas string) map[cluster.Mode]int {
	out := map[cluster.Mode]int{}
	for _, r := range w.Runs {
		if profileOf(r) != profile {
			continue
		}
		missed := unmeasured(r, k, meas)
		if meas == "recovery" {
			missed = unmeasuredRecovery(r, k)
		}
		if len(missed) > 0 {
			out[r.Mode]++
		}
	}
	return out
}

// episodes is the table's episode count per mode, "3/2", with the episodes
// whose figure could not be measured beside it: "3/2 (KRaft: 1 not measured)".
func episodes(zk, kraft []float64, missed map[cluster.Mode]int) string {
	s := fmt.Sprintf("%d/%d", len(zk), len(kraft))
	var parts []string
	for _, mode := range cluster.Modes() {
		if n := missed[mode]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d not measured", mode.Title(), n))
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// profileOf names a run's timeout profile, with its Kafka version when it
// is not the default, so runs of different versions form separate sections
// instead of being pooled ("kafka-defaults, Kafka 4.1").
func profileOf(r *Run) string {
	p := r.Profile
	if p == "" {
		p = "kafka-defaults"
	}
	if v := runVersion(r); v != cluster.DefaultKafkaVersion {
		p += ", Kafka " + string(v)
	}
	return p
}

// sortedFaults orders faults by kind as a failover run injects them, then
// controller before broker.
func sortedFaults[V any](m map[faultKey]V) []faultKey {
	order := map[string]int{}
	for i, k := range cluster.FaultKinds() {
		order[string(k)] = i + 1 // an unknown kind (0) comes first, as before
	}
	keys := make([]faultKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] < order[b.Kind]
		}
		return a.Target > b.Target // controller before broker
	})
	return keys
}

func secs(v []float64) string {
	if len(v) == 0 {
		return "-"
	}
	return dur(int64(medianOf(v) * 1e9))
}

func maxSecs(v []float64) string {
	if len(v) == 0 {
		return "-"
	}
	return dur(int64(slices.Max(v) * 1e9))
}

func writeFailover(m *md, w *Workload, plots []string) {
	vals := collectFailover(w)
	m.linef("### Failover")
	m.linef("")
	m.linef("Each run hits the active controller, then a broker, with each fault kind while a probe load runs, and measures, per fault: **new_controller**, from the fault until a node reports itself the active controller in a later epoch; **leaders_moved**, until every surviving broker, asked directly, serves a live leader other than the lost node for each partition it led (whenever the node is a broker; the ZooKeeper-mode controller is one); **unavailable**, from the first probe write after the fault that failed or stalled until the first that succeeded after it, as clients saw it; **converged**, from healing the fault until every broker is live and serves one digest. Faults of the metadata store (scenario `failover-store.yaml`) hit, in ZooKeeper mode, a ZooKeeper follower (`zk-server`), the ensemble's leader as `srvr` names it (`zk-leader`, with **new_store_leader**: until a surviving server says it leads) and two of three servers (`zk-quorum`), and in KRaft mode a standby controller (`controller-standby`) and two of three voters (`controller-quorum`); a quorum loss is held for `quorum_hold` and adds **writable_after_heal**, from the heal to the first successful create. **Recovery** is the largest of the measures other than converged: the time until the control plane was whole and writable again. p50 and max are over the runs' episodes; KRaft/ZK is the ratio of the p50s.")
	m.linef("")
	m.linef("Where clients send writes matters: in ZooKeeper mode an admin client sends CreateTopics to the controller, so a broker fault touches it only if that broker is the controller; in KRaft mode Metadata names a random live broker as the controller and that broker forwards the request (KIP-590), so a dead or cut-off broker can hold a client's writes until the client gives up on it, even though the quorum never noticed. Deletes are timed apart (op `delete`): in ZooKeeper mode a deletion waits for every replica's StopReplica, so a dead replica holds it until its session expires.")
	m.linef("")
	profiles := slices.Sorted(maps.Keys(vals))
	for _, prof := range profiles {
		m.linef("#### Profile `%s`", prof)
		m.linef("")
		m.linef("%s", timeoutsLine(w, prof))
		m.linef("")
		m.header("llllrrrrr", "fault", "target", "measure", "ZK p50", "ZK max", "KRaft p50", "KRaft max", "KRaft/ZK", "episodes ZK/KRaft")
		for _, k := range sortedFaults(vals[prof]) {
			var rows []string
			for _, fm := range metrics.FailoverMeasures() {
				rows = append(rows, string(fm))
			}
			rows = append(rows, "recovery")
			for _, meas := range rows {
				var byMode map[cluster.Mode][]float64
				if meas == "recovery" {
					byMode = recoveries(w, prof, k)
				} else {
					byMode = vals[prof][k][meas]
				}
				missed := notMeasuredCount(w, prof, k, meas)
				if len(byMode) == 0 && len(missed) == 0 {
					continue
				}
				zk, kr := byMode[cluster.ModeZK], byMode[cluster.ModeKRaft]
				ratio := "-"
				if len(zk) > 0 && len(kr) > 0 && medianOf(zk) > 0 {
					ratio = times(medianOf(kr) / medianOf(zk))
				}
				name := meas
				if meas == "recovery" {
					name = "**recovery**"
				}
				m.row(k.Kind, k.Target, name, secs(zk), maxSecs(zk), secs(kr), maxSecs(kr), ratio, episodes(zk, kr, missed))
			}
		}
		m.linef("")
	}
	writeQuorumLoss(m, w)
	for _, base := range plots {
		switch {
		case strings.HasPrefix(base, "failover-recovery"):
			m.linef("Recovery per fault and mode (p50 over episodes, seconds):")
			m.linef("")
			m.image("failover recovery per fault", base)
		case strings.HasPrefix(base, "failover-timeline"):
			m.linef("The probe's creates over the run's clock (log scale; failed ones as crosses at the top), each fault's window shaded and labelled (k kill, s stop, p pause, x partition; C controller, B broker, Z ZooKeeper server, L ZooKeeper leader, Q ZooKeeper quorum, S standby controller, V controller quorum):")
			m.linef("")
			m.image("failover timeline", base)
		}
	}
}

// timeoutsLine states the failure-detection timeouts the profile's runs used.
func timeoutsLine(w *Workload, profile string) string {
	for _, r := range w.Runs {
		if profileOf(r) == profile && len(r.Timeouts) > 0 {
			return "Timeouts: " + kv(r.Timeouts) + "."
		}
	}
	return "Timeouts: not recorded."
}

// failoverPlots draws the recovery bars (one panel per profile) and a
// timeline of the first run of each mode and profile.
func failoverPlots(dir string, w *Workload) ([]string, error) {
	vals := collectFailover(w)
	var bases []string
	for _, prof := range slices.Sorted(maps.Keys(vals)) {
		if p := recoveryPlot(w, prof, vals); p != nil {
			base := "failover-recovery-" + fileName(prof)
			if err := saveGrid(dir, base, []*plot.Plot{p}, 1, 18*vg.Centimeter, 10*vg.Centimeter); err != nil {
				return bases, err
			}
			bases = append(bases, base)
		}
		var panels []*plot.Plot
		for _, mode := range cluster.Modes() {
			for _, r := range w.Runs {
				if r.Mode == mode && profileOf(r) == prof {
					if p := timelinePlot(r); p != nil {
						panels = append(panels, p)
					}
					break
				}
			}
		}
		if len(panels) > 0 {
			base := "failover-timeline-" + fileName(prof)
			if err := saveGrid(dir, base, panels, 1, 22*vg.Centimeter, 8*vg.Centimeter); err != nil {
				return bases, err
			}
			bases = append(bases, base)
		}
	}
	return bases, nil
}

func recoveryPlot(w *Workload, prof string, vals failoverValues) *plot.Plot {
	faults := sortedFaults(vals[prof])
	if len(faults) == 0 {
		return nil
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("failover recovery per fault (profile %s)", prof)
	p.Y.Label.Text = "seconds (p50 of episodes)"
	p.Add(plotter.NewGrid())
	var labels []string
	for _, k := range faults {
		labels = append(labels, k.Kind+"\n"+k.Target)
	}
	width := vg.Points(14)
	top := 0.0
	for i, mode := range cluster.Modes() {
		var v plotter.Values
		for _, k := range faults {
			x := medianOf(recoveries(w, prof, k)[mode])
			v = append(v, x)
			top = math.Max(top, x)
		}
		bar, err := plotter.NewBarChart(v, width)
		if err != nil {
			continue
		}
		bar.Color = modeColor(mode)
		bar.LineStyle.Width = 0
		bar.Offset = width * vg.Length(2*i-1) / 2
		p.Add(bar)
		for j, x := range v {
			addLabel(p, float64(j), x, bar.Offset, fmt.Sprintf("%.3g", x))
		}
		p.Legend.Add(mode.Title(), bar)
	}
	p.Legend.Top = true
	p.Y.Min = 0
	p.Y.Max = math.Max(1, 1.3*top)
	p.NominalX(labels...)
	return p
}

var faultShade = color.NRGBA{R: 120, G: 120, B: 120, A: 60}

// timelinePlot draws one run's probe creates over time, failed ones at the
// top, with the fault windows shaded.
func timelinePlot(r *Run) *plot.Plot {
	return timeline(r, fmt.Sprintf("%s: probe creates and faults (%s)", r.Mode.Title(), profileOf(r)), faultTag)
}

// timeline draws one run's probe creates over time, failed ones at the top,
// with the run's fault windows (Result.Faults: faults, migration steps)
// shaded and labelled by tag.
func timeline(r *Run, title string, tag func(metrics.FaultWindow) string) *plot.Plot {
	o, ok := r.Op("create")
	if !ok || len(o.Timeline) == 0 {
		return nil
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "run time (s)"
	p.Y.Label.Text = "create latency (s)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	var okPts, failPts plotter.XYs
	lo, hi := math.Inf(1), 0.0
	end := 0.0
	for _, s := range o.Timeline {
		x := float64(s.AtNs) / 1e9
		y := math.Max(float64(s.LatencyNs)/1e9, 1e-5)
		end = math.Max(end, x)
		if s.Code != 0 || s.Error != "" {
			failPts = append(failPts, plotter.XY{X: x})
			continue
		}
		okPts = append(okPts, plotter.XY{X: x, Y: y})
		lo, hi = math.Min(lo, y), math.Max(hi, y)
	}
	if len(okPts) == 0 {
		lo, hi = 1e-3, 1
	}
	ymin, ymax := lo/2, hi*4
	for _, f := range r.Faults {
		x0 := float64(f.StartNs) / 1e9
		x1 := float64(f.EndNs) / 1e9
		if f.EndNs == 0 {
			x1 = end
		}
		poly, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: ymin}, {X: x1, Y: ymin}, {X: x1, Y: ymax}, {X: x0, Y: ymax}})
		if err == nil {
			poly.Color = faultShade
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		addLabel(p, (x0+x1)/2, ymax/1.6, 0, tag(f))
	}
	if len(okPts) > 0 {
		sc, err := plotter.NewScatter(okPts)
		if err == nil {
			sc.GlyphStyle.Color = modeColor(r.Mode)
			sc.GlyphStyle.Radius = vg.Points(1.2)
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			p.Add(sc)
			p.Legend.Add("create ok", sc)
		}
	}
	if len(failPts) > 0 {
		for i := range failPts {
			failPts[i].Y = ymax / 1.15
		}
		sc, err := plotter.NewScatter(failPts)
		if err == nil {
			sc.GlyphStyle.Color = color.RGBA{R: 200, A: 255}
			sc.GlyphStyle.Radius = vg.Points(2)
			sc.GlyphStyle.Shape = draw.CrossGlyph{}
			p.Add(sc)
			p.Legend.Add("create failed", sc)
		}
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Y.Min, p.Y.Max = ymin, ymax
	p.X.Min, p.X.Max = 0, end
	return p
}

// faultTag abbreviates a fault for a timeline label: "kC" is a kill of the
// controller, "pB" a pause of a broker.
func faultTag(f metrics.FaultWindow) string {
	kind := map[cluster.FaultKind]string{cluster.FaultKill: "k", cluster.FaultStop: "s", cluster.FaultPause: "p",
		cluster.FaultPartition: "x"}[cluster.FaultKind(f.Kind)]
	if kind == "" {
		kind = f.Kind
	}
	target, ok := map[string]string{"zk-server": "Z", "zk-leader": "L", "zk-quorum": "Q",
		"controller-standby": "S", "controller-quorum": "V"}[f.Target]
	if !ok {
		target = strings.ToUpper(f.Target[:min(1, len(f.Target))])
	}
	return kind + target
}

// judgeFailover compares the seed's recovery claim with kill -9 of the
// active controller under Kafka's default timeouts: recovery per run, as a
// KRaft/ZK cost ratio across runs.
func judgeFailover(ws []*Workload, res ClaimResult) ClaimResult {
	var w *Workload
	for _, x := range ws {
		if x.Name == "failover" {
			w = x
		}
	}
	if w == nil {
		res.Why = "no failover results"
		return res
	}
	k := faultKey{string(cluster.FaultKill), "controller"}
	prof := "kafka-defaults"
	rec := recoveries(w, prof, k)
	if len(rec[cluster.ModeZK]) == 0 || len(rec[cluster.ModeKRaft]) == 0 {
		res.Why = fmt.Sprintf("no %s recovery in both modes under profile %s", k, prof)
		return res
	}
	r, ok := EstimateRatio(positive(rec[cluster.ModeZK]), positive(rec[cluster.ModeKRaft]))
	if !ok {
		res.Why = "a recovery time of zero in one mode"
		return res
	}
	res.Cost, res.Measured, res.Verdict = r, true, judge(r, res.Claimed)
	res.Values = ModeValues{Figure: "recovery after kill -9 of the active controller", Format: seconds, Unit: "s", Scale: 1,
		ZK: positive(rec[cluster.ModeZK]), KRaft: positive(rec[cluster.ModeKRaft])}
	res.How = fmt.Sprintf("workload failover, kill -9 of the active controller under Kafka's default timeouts, per-run recovery (ZK p50 %s, KRaft p50 %s; the seed says 30-60 s and 10-15 s)",
		time.Duration(medianOf(rec[cluster.ModeZK])*1e9).Round(time.Millisecond), time.Duration(medianOf(rec[cluster.ModeKRaft])*1e9).Round(time.Millisecond))
	return res
}

func positive(v []float64) []float64 {
	return slices.DeleteFunc(slices.Clone(v), func(x float64) bool { return x <= 0 })
}
