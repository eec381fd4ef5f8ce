package regress

import (
	"fmt"
	"slices"

	"github.com/kraftbench/kraftbench/metrics"
)

// Basis is what a statistic is measured against.
type Basis string

const (
	// Absolute compares latencies in nanoseconds.
	Absolute Basis = "absolute"
	// Floor compares each run's statistic divided by the same statistic of
	// the store floor measured in the same run.
	Floor Basis = "floor"
)

// Stats are the statistics of a run's latency summary that can be compared.
var Stats = []string{"p50", "p90", "p99", "p99.9", "mean", "max"}

// statValue returns statistic s of one run's summary, in nanoseconds.
func statValue(l metrics.LatencySummary, s string) (float64, error) {
	switch s {
	case "p50":
		return float64(l.P50Ns), nil
	case "p90":
		return float64(l.P90Ns), nil
	case "p99":
		return float64(l.P99Ns), nil
	case "p99.9":
		return float64(l.P999Ns), nil
	case "mean":
		return l.MeanNs, nil
	case "max":
		return float64(l.MaxNs), nil
	}
	return 0, fmt.Errorf("statistic %q: want one of %v", s, Stats)
}

// Key names one compared series.
type Key struct {
	Workload, Mode, Op, Stat string
	Basis                    Basis
}

// series is one side's per-run values of every key, plus what is needed to
// describe them.
type series struct {
	values map[Key][]float64
	keys   []Key // in first-seen order
	errors map[[3]string]int64
}

// collect turns runs into per-run sample values: for each op and statistic,
// the run's absolute value and, where the run measured a floor, its ratio to
// the floor's same statistic. Ops with no successful sample are skipped.
func collect(results []*metrics.Result, stats []string) (*series, error) {
	s := &series{values: map[Key][]float64{}, errors: map[[3]string]int64{}}
	add := func(k Key, v float64) {
		if _, ok := s.values[k]; !ok {
			s.keys = append(s.keys, k)
		}
		s.values[k] = append(s.values[k], v)
	}
	for _, r := range results {
		floor, hasFloor := r.Op(metrics.FloorOp)
		for _, o := range r.Ops {
			s.errors[[3]string{r.Workload, string(r.Mode), o.Op}] += o.Latency.Errors
			if o.Latency.Count == 0 {
				continue
			}
			for _, st := range stats {
				v, err := statValue(o.Latency, st)
				if err != nil {
					return nil, err
				}
				k := Key{Workload: r.Workload, Mode: string(r.Mode), Op: o.Op, Stat: st, Basis: Absolute}
				add(k, v)
				if !hasFloor || metrics.IsFloor(o.Op) || floor.Latency.Count == 0 {
					continue
				}
				if f, _ := statValue(floor.Latency, st); f > 0 {
					k.Basis = Floor
					add(k, v/f)
				}
			}
		}
	}
	return s, nil
}

// sortKeys orders keys by workload, op, mode, basis (absolute first) and the
// order of stats.
func sortKeys(keys []Key, stats []string) {
	slices.SortStableFunc(keys, func(a, b Key) int {
		for _, c := range [][2]string{{a.Workload, b.Workload}, {a.Op, b.Op}, {a.Mode, b.Mode}, {string(a.Basis), string(b.Basis)}} {
			if c[0] != c[1] {
				if c[0] < c[1] {
					return -1
				}
				return 1
			}
		}
		return slices.Index(stats, a.Stat) - slices.Index(stats, b.Stat)
	})
}
