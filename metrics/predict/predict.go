// Package predict fits a cost model to a scale sweep's results and predicts
// each step's time at partition counts no one measured, with a prediction
// interval, and says how far such predictions were off where they can be
// checked (a held-out count).
//
// The model, per mode, Kafka version, broker count and step, is
//
//	t(n) = a + b·n
//
// a fixed cost a (detection timeouts, the election, a first write) and a
// cost b per partition (the znodes, records, requests and logs each
// partition brings), both at least zero. It is fitted by weighted least
// squares with weights 1/t², so every point counts by its relative error:
// the sweep's counts span orders of magnitude and an unweighted fit would
// follow the largest alone. The prediction interval is the usual one of a
// weighted regression, ŷ ± t(q, k−p)·σ·sqrt(x*ᵀ(XᵀWX)⁻¹x* + ŷ²), σ² the
// weighted residual variance over k points and p fitted parameters, so
// relative noise at the predicted point as at the measured ones; with no
// degrees of freedom left (k = p) there is no interval, and a prediction
// says so.
//
// The model knows no more than the sweep: one broker count (a prediction
// for another is refused), kraftbench's Go nodes on the machine the sweep
// ran on, no data plane. A straight line through a few points says where
// the curve points, not what a larger cluster will do; the held-out table
// is the evidence for how much to trust it.
package predict

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/aclements/go-moremath/stats"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// Key names one fitted curve.
type Key struct {
	Mode    cluster.Mode
	Version cluster.KafkaVersion
	Brokers int
	Step    string
}

// Series is the label of k's mode and version ("ZooKeeper", "KRaft",
// "KRaft 4.1").
func (k Key) Series() string {
	s := k.Mode.Title()
	if k.Version != cluster.DefaultKafkaVersion {
		s += " " + string(k.Version)
	}
	return s
}

// Point is one measurement: a step's time at a partition count, the median
// over the runs that measured it.
type Point struct {
	Partitions int
	Seconds    float64
	Runs       int
}

// Sweep is every curve's points, sorted by partition count.
type Sweep map[Key][]Point

// FromResults collects the scale measures (metrics.MeasureScale) of rs.
// The create steps (create, create_logs) are keyed by the partitions they
// created (the sweep's "added" label: 90,000 on the way from 10k to 100k),
// so their prediction at n is the time to create n partitions; the other
// steps by the partitions the cluster held. Failover less its election is
// added as failover_after_election where both were measured.
func FromResults(rs []*metrics.Result) Sweep {
	type raw struct {
		key Key
		n   int
	}
	vals := map[raw][]float64{}
	for _, r := range rs {
		if r.Workload != "scale" {
			continue
		}
		base := Key{Mode: r.Mode, Version: cluster.KafkaVersion(r.KafkaVersion).OrDefault(), Brokers: r.Topology["brokers"]}
		elected := map[int]float64{}
		failover := map[int]float64{}
		for _, m := range r.MeasuresNamed(metrics.MeasureScale) {
			n, err := strconv.Atoi(m.Labels["partitions"])
			if err != nil || !m.Measured() || m.Value <= 0 {
				continue
			}
			k := base
			k.Step = m.Labels["step"]
			x := n
			if a, err := strconv.Atoi(m.Labels["added"]); err == nil && a > 0 && IsCreateStep(k.Step) {
				x = a
			}
			vals[raw{k, x}] = append(vals[raw{k, x}], m.Value)
			switch metrics.ScaleStep(k.Step) {
			case metrics.ScaleFailover:
				failover[n] = m.Value
			case metrics.ScaleFailoverElected:
				elected[n] = m.Value
			}
		}
		for n, f := range failover {
			if e, ok := elected[n]; ok && f > e {
				k := base
				k.Step = string(metrics.ScaleFailoverAfterElection)
				vals[raw{k, n}] = append(vals[raw{k, n}], f-e)
			}
		}
	}
	out := Sweep{}
	for rk, v := range vals {
		out[rk.key] = append(out[rk.key], Point{Partitions: rk.n, Seconds: median(v), Runs: len(v)})
	}
	for k := range out {
		sort.Slice(out[k], func(i, j int) bool { return out[k][i].Partitions < out[k][j].Partitions })
	}
	return out
}

// IsCreateStep reports whether step times the creation of the partitions
// it added.
func IsCreateStep(step string) bool {
	return step == string(metrics.ScaleCreate) || step == string(metrics.ScaleCreateLogs)
}

// Keys lists the curves in reading order: mode, version, brokers, then the
// sweep's step order.
func (s Sweep) Keys() []Key {
	order := metrics.ScaleSteps()
	rank := func(step string) int {
		if i := slices.Index(order, metrics.ScaleStep(step)); i >= 0 {
			return i
		}
		return len(order)
	}
	keys := slices.Collect(maps.Keys(s))
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		switch {
		case a.Mode != b.Mode:
			return a.Mode == cluster.ModeZK
		case a.Version != b.Version:
			return a.Version < b.Version
		case a.Brokers != b.Brokers:
			return a.Brokers < b.Brokers
		case rank(a.Step) != rank(b.Step):
			return rank(a.Step) < rank(b.Step)
		}
		return a.Step < b.Step
	})
	return keys
}

// Fit is a fitted curve.
type Fit struct {
	Fixed, PerPartition float64 // a (s) and b (s per partition)
	Points              int
	Params              int     // parameters fitted: 1 (a or b alone) or 2
	sigma               float64 // weighted residual standard deviation (relative)
	inv                 [2][2]float64
	cols                []int // which of (1, n) the fit used
}

// ErrTooFewPoints is returned for a curve with fewer than two counts.
var ErrTooFewPoints = errors.New("fewer than two partition counts measured")

// FitPoints fits t = a + b·n to ps (see the package comment): both
// parameters when that gives a ≥ 0 and b ≥ 0, else the better of b alone
// and a alone.
func FitPoints(ps []Point) (Fit, error) {
	if len(ps) < 2 {
		return Fit{}, ErrTooFewPoints
	}
	if f, ok := fitCols(ps, []int{0, 1}); ok && f.Fixed >= 0 && f.PerPartition >= 0 {
		return f, nil
	}
	best, bestRSS := Fit{}, math.Inf(1)
	for _, cols := range [][]int{{1}, {0}} {
		if f, ok := fitCols(ps, cols); ok && f.Fixed >= 0 && f.PerPartition >= 0 {
			if rss := f.rss(ps); rss < bestRSS {
				best, bestRSS = f, rss
			}
		}
	}
	if math.IsInf(bestRSS, 1) {
		return Fit{}, fmt.Errorf("no fit with non-negative costs")
	}
	return best, nil
}

func (f Fit) rss(ps []Point) float64 {
	s := 0.0
	for _, p := range ps {
		r := (p.Seconds - f.At(p.Partitions)) / p.Seconds
		s += r * r
	}
	return s
}

// fitCols is weighted least squares on the chosen columns of (1, n).
func fitCols(ps []Point, cols []int) (Fit, bool) {
	x := func(p Point, c int) float64 {
		if c == 0 {
			return 1
		}
		return float64(p.Partitions)
	}
	var m [2][2]float64
	var v [2]float64
	for _, p := range ps {
		w := 1 / (p.Seconds * p.Seconds)
		for i, ci := range cols {
			v[i] += w * x(p, ci) * p.Seconds
			for j, cj := range cols {
				m[i][j] += w * x(p, ci) * x(p, cj)
			}
		}
	}
	f := Fit{Points: len(ps), Params: len(cols), cols: cols}
	var beta [2]float64
	if len(cols) == 1 {
		if m[0][0] == 0 {
			return f, false
		}
		f.inv[0][0] = 1 / m[0][0]
		beta[0] = v[0] * f.inv[0][0]
	} else {
		det := m[0][0]*m[1][1] - m[0][1]*m[1][0]
		if det == 0 || math.Abs(det) < 1e-300 {
			return f, false
		}
		f.inv = [2][2]float64{{m[1][1] / det, -m[0][1] / det}, {-m[1][0] / det, m[0][0] / det}}
		beta[0] = f.inv[0][0]*v[0] + f.inv[0][1]*v[1]
		beta[1] = f.inv[1][0]*v[0] + f.inv[1][1]*v[1]
	}
	for i, c := range cols {
		if c == 0 {
			f.Fixed = beta[i]
		} else {
			f.PerPartition = beta[i]
		}
	}
	if dof := f.Points - f.Params; dof > 0 {
		f.sigma = math.Sqrt(f.rss(ps) / float64(dof))
	}
	return f, true
}

// At is the fitted time at n partitions.
func (f Fit) At(n int) float64 { return f.Fixed + f.PerPartition*float64(n) }

// Prediction is a fit's time at a partition count with its interval.
type Prediction struct {
	Partitions int
	Seconds    float64
	// Lo and Hi bound the prediction interval at Level; HasInterval is
	// false when the fit had no degrees of freedom left.
	Lo, Hi      float64
	Level       float64
	HasInterval bool
	Fit         Fit
}

// Predict is f's prediction at n with a level (0.95 for 95%) interval.
func (f Fit) Predict(n int, level float64) Prediction {
	y := f.At(n)
	p := Prediction{Partitions: n, Seconds: y, Level: level, Fit: f}
	dof := f.Points - f.Params
	if dof <= 0 {
		return p
	}
	xs := [2]float64{}
	for i, c := range f.cols {
		if c == 0 {
			xs[i] = 1
		} else {
			xs[i] = float64(n)
		}
	}
	var lev float64
	for i := range f.cols {
		for j := range f.cols {
			lev += xs[i] * f.inv[i][j] * xs[j]
		}
	}
	q := stats.InvCDF(stats.TDist{V: float64(dof)})(0.5 + level/2)
	half := q * f.sigma * math.Sqrt(lev+y*y)
	p.Lo, p.Hi, p.HasInterval = math.Max(0, y-half), y+half, true
	return p
}

// HeldOut is a check of the model: fitted without the largest count, its
// prediction there against what was measured.
type HeldOut struct {
	Key        Key
	Fitted     []int // the counts fitted on
	Prediction Prediction
	Measured   float64
}

// Error is the prediction's relative error, (predicted - measured) /
// measured.
func (h HeldOut) Error() float64 { return (h.Prediction.Seconds - h.Measured) / h.Measured }

// Validate holds out each curve's largest count and predicts it from the
// others, for every curve with at least three counts.
func (s Sweep) Validate(level float64) []HeldOut {
	var out []HeldOut
	for _, k := range s.Keys() {
		ps := s[k]
		if len(ps) < 3 {
			continue
		}
		last := ps[len(ps)-1]
		f, err := FitPoints(ps[:len(ps)-1])
		if err != nil {
			continue
		}
		h := HeldOut{Key: k, Prediction: f.Predict(last.Partitions, level), Measured: last.Seconds}
		for _, p := range ps[:len(ps)-1] {
			h.Fitted = append(h.Fitted, p.Partitions)
		}
		out = append(out, h)
	}
	return out
}

// Brokers lists the broker counts the sweep measured.
func (s Sweep) Brokers() []int {
	seen := map[int]bool{}
	for k := range s {
		seen[k.Brokers] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

func median(v []float64) float64 {
	c := slices.Clone(v)
	slices.Sort(c)
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}
