package report

import (
	"math"
	"sort"

	"github.com/kraftbench/kraftbench/internal/stats"
	"golang.org/x/perf/benchmath"
)

// targetConfidence is the confidence the report asks its intervals for.
const targetConfidence = 0.95

// Ratio is KRaft/ZK for one per-run statistic (see the package doc).
type Ratio struct {
	// Point is the Hodges-Lehmann estimate: the median of every
	// KRaft-run/ZK-run ratio.
	Point float64
	// Lo and Hi bound the confidence interval; valid when HasCI.
	Lo, Hi float64
	// Confidence is the interval's exact confidence level.
	Confidence float64
	HasCI      bool
	// P is the two-sided Mann-Whitney U p-value (benchmath); NaN without a CI.
	P float64
	// NZK and NKRaft are the numbers of runs compared.
	NZK, NKRaft int
}

// EstimateRatio compares per-run values of the two modes (all positive).
// ok is false when either side is empty or holds a value that is not
// positive. The ratio and interval are internal/stats' ShiftCI, the same
// that `kraftbench compare` prints; the p-value is benchmath's.
func EstimateRatio(zk, kraft []float64) (r Ratio, ok bool) {
	s, ok := stats.ShiftCI(zk, kraft, targetConfidence)
	if !ok {
		return Ratio{}, false
	}
	r = Ratio{Point: s.Ratio, Lo: s.Lo, Hi: s.Hi, Confidence: s.Confidence, HasCI: s.HasCI,
		P: math.NaN(), NZK: len(zk), NKRaft: len(kraft)}
	if !r.HasCI {
		return r, true
	}
	cmp := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(append([]float64(nil), zk...), &benchmath.DefaultThresholds),
		benchmath.NewSample(append([]float64(nil), kraft...), &benchmath.DefaultThresholds))
	r.P = cmp.P
	return r, true
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// medianOf returns the median of unsorted values (0 when empty).
func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return median(s)
}
