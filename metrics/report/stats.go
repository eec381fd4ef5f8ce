package report

import (
	"math"
	"sort"

	"github.com/aclements/go-moremath/stats"
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
// ok is false when either side is empty.
func EstimateRatio(zk, kraft []float64) (r Ratio, ok bool) {
	n, m := len(zk), len(kraft)
	if n == 0 || m == 0 {
		return Ratio{}, false
	}
	d := make([]float64, 0, n*m)
	for _, x := range zk {
		for _, y := range kraft {
			d = append(d, math.Log(y)-math.Log(x))
		}
	}
	sort.Float64s(d)
	r = Ratio{Point: math.Exp(median(d)), P: math.NaN(), NZK: n, NKRaft: m}
	if n < 2 || m < 2 {
		return r, true
	}
	k, conf := mosesOrder(n, m, targetConfidence)
	r.Lo, r.Hi, r.Confidence, r.HasCI = math.Exp(d[k-1]), math.Exp(d[len(d)-k]), conf, true
	cmp := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(append([]float64(nil), zk...), &benchmath.DefaultThresholds),
		benchmath.NewSample(append([]float64(nil), kraft...), &benchmath.DefaultThresholds))
	r.P = cmp.P
	return r, true
}

// mosesOrder returns the order k (1-based) such that the k-th smallest and
// k-th largest of the n*m pairwise differences bound a confidence interval
// for the shift, with its exact confidence 1 - 2 P(U <= k-1) under the null
// distribution of the Mann-Whitney U statistic. It picks the largest k whose
// confidence is at least target; when even k = 1 falls short, k = 1 and the
// (lower) confidence it has.
func mosesOrder(n, m int, target float64) (k int, confidence float64) {
	u := stats.UDist{N1: n, N2: m}
	k, confidence = 1, 1-2*u.CDF(0)
	for j := 2; j <= n*m/2; j++ {
		c := 1 - 2*u.CDF(float64(j-1))
		if c < target {
			break
		}
		k, confidence = j, c
	}
	return k, confidence
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
