// Package stats owns the distribution-free statistics kraftbench's reports
// share, so that `kraftbench report` (KRaft against ZooKeeper) and
// `kraftbench compare` (new runs against a baseline) give the same interval
// for the same per-run values. P-values are benchmath's (golang.org/x/perf),
// which both callers import directly; this package adds what benchmath lacks:
// the Hodges-Lehmann ratio with its Moses confidence interval.
package stats

import (
	"math"
	"sort"

	moremath "github.com/aclements/go-moremath/stats"
)

// exactPairs is the largest n*m for which the order is taken from the exact
// null distribution of the Mann-Whitney U statistic. go-moremath computes it
// by dynamic programming whose cost grows with n*m*(n+m); beyond this the
// normal approximation (with continuity correction) is within one order of
// the exact one and costs nothing.
const exactPairs = 400

// Shift is the Hodges-Lehmann estimate of the ratio b/a of two samples with
// its Moses confidence interval.
type Shift struct {
	// Ratio is the median of every b[j]/a[i].
	Ratio float64
	// Lo and Hi bound the interval; valid when HasCI.
	Lo, Hi float64
	// Confidence is the interval's achieved confidence, 1 - 2 P(U <= k-1):
	// the target where the sample sizes allow it, else the highest they
	// allow (3 against 3: 90%; 2 against 2: 67%).
	Confidence float64
	// HasCI is false when either sample has fewer than two values: one
	// value says nothing about the spread.
	HasCI bool
	// Approx is set when the order came from the normal approximation.
	Approx bool
}

// ShiftCI compares per-run values a (the reference: ZooKeeper, or the
// baseline) with b. It takes the n*m pairwise log ratios log(b[j]/a[i]),
// sorted: their median is the point estimate, and their k-th smallest and
// k-th largest bound the interval that inverts the Mann-Whitney U test
// (Moses' method), k the largest order whose confidence reaches target.
// When even k = 1 falls short of target, the interval is the widest one
// (k = 1) at the lower confidence it has, stated in Confidence. It assumes
// only that the two samples differ by a factor; the U distribution used
// ignores ties, so with tied values the stated confidence is approximate.
// ok is false when either sample is empty or holds a value that is not
// positive (a ratio of it means nothing).
func ShiftCI(a, b []float64, target float64) (s Shift, ok bool) {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return Shift{}, false
	}
	d := make([]float64, 0, n*m)
	for _, x := range a {
		for _, y := range b {
			if !(x > 0) || !(y > 0) {
				return Shift{}, false
			}
			d = append(d, math.Log(y)-math.Log(x))
		}
	}
	sort.Float64s(d)
	s.Ratio = math.Exp(median(d))
	if n < 2 || m < 2 {
		return s, true
	}
	k, conf, approx := mosesOrder(n, m, target)
	s.Lo, s.Hi = math.Exp(d[k-1]), math.Exp(d[len(d)-k])
	s.Confidence, s.HasCI, s.Approx = conf, true, approx
	return s, true
}

// mosesOrder returns the order k (1-based) such that the k-th smallest and
// k-th largest of the n*m pairwise differences bound an interval of
// confidence 1 - 2 P(U <= k-1): the largest k reaching target, or k = 1
// with its lower confidence when none does. k never exceeds n*m/2, so the
// bounds never cross.
func mosesOrder(n, m int, target float64) (k int, confidence float64, approx bool) {
	tail := (1 - target) / 2
	if n*m > exactPairs {
		mu := float64(n*m) / 2
		sd := math.Sqrt(float64(n*m*(n+m+1)) / 12)
		z := moremath.NormalDist{Mu: 0, Sigma: 1}.InvCDF(tail)
		k = min(max(int(math.Floor(mu+z*sd+0.5)), 1), n*m/2)
		return k, 1 - 2*moremath.NormalDist{Mu: mu, Sigma: sd}.CDF(float64(k-1)+0.5), true
	}
	u := moremath.UDist{N1: n, N2: m}
	k, confidence = 1, 1-2*u.CDF(0)
	for j := 2; j <= n*m/2; j++ {
		p := u.CDF(float64(j - 1))
		if p > tail {
			break
		}
		k, confidence = j, 1-2*p
	}
	return k, confidence, false
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
