package report

import (
	"fmt"
	"slices"

	"github.com/kraftbench/kraftbench/cluster"
)

// writeResolution states how finely a workload's times were observed, from
// what its runs measured (metrics.Resolution): per mode and poller, the poll
// interval and what one round cost, so a reader knows how far a figure may
// lag the true moment (one interval plus one round). Nothing is written for
// a workload whose runs polled nothing.
func writeResolution(m *md, w *Workload) {
	type key struct {
		mode         cluster.Mode
		poller, what string
		interval     int64
	}
	type agg struct{ p50s, p99s, maxs, rounds []int64 }
	var keys []key
	by := map[key]*agg{}
	for _, r := range w.Runs { // sorted by mode
		for _, res := range r.Resolution {
			k := key{r.Mode, res.Poller, res.Round, res.IntervalNs}
			if by[k] == nil {
				by[k] = &agg{}
				keys = append(keys, k)
			}
			a := by[k]
			a.p50s, a.p99s = append(a.p50s, res.RoundP50Ns), append(a.p99s, res.RoundP99Ns)
			a.maxs, a.rounds = append(a.maxs, res.RoundMaxNs), append(a.rounds, res.Rounds)
		}
	}
	if len(keys) == 0 {
		return
	}
	m.linef("### Resolution")
	m.linef("")
	m.linef("Each poller asks every *interval*; a time it records may lag the true moment by up to one interval plus one round. Rounds were measured in the same runs: median over runs of each run's p50 and p99, and the largest round of any run.")
	m.linef("")
	m.header("llllrrrrr", "mode", "poller", "one round", "interval", "round p50", "round p99", "round max", "rounds", "worst lag")
	for _, k := range keys {
		a := by[k]
		worst := k.interval + slices.Max(a.maxs)
		m.row(string(k.mode), k.poller, k.what, dur(k.interval), dur(resMedian(a.p50s)), dur(resMedian(a.p99s)),
			dur(slices.Max(a.maxs)), fmt.Sprint(resSum(a.rounds)), dur(worst))
	}
	m.linef("")
}

func resMedian(xs []int64) int64 {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

func resSum(xs []int64) int64 {
	var t int64
	for _, x := range xs {
		t += x
	}
	return t
}
