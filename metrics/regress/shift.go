package regress

import (
	"math"
	"sort"

	"github.com/aclements/go-moremath/stats"
)

// ratioCI returns the distribution-free confidence interval of the ratio
// new/base that goes with the Mann-Whitney U test (Hodges-Lehmann): with the
// n1*n2 pairwise log ratios sorted, the k-th smallest and the k-th largest,
// k the largest count with P(U < k) <= alpha/2 under the exact U
// distribution. It returns the bounds as relative changes (ratio - 1) and
// the interval's exact confidence, or ok false when the samples are too
// small for any interval at this level (or hold a non-positive value).
func ratioCI(base, new []float64, alpha float64) (lo, hi, confidence float64, ok bool) {
	n1, n2 := len(base), len(new)
	d := make([]float64, 0, n1*n2)
	for _, b := range base {
		for _, x := range new {
			if b <= 0 || x <= 0 {
				return 0, 0, 0, false
			}
			d = append(d, math.Log(x/b))
		}
	}
	if len(d) == 0 {
		return 0, 0, 0, false
	}
	sort.Float64s(d)
	k, tail := uLowerCount(n1, n2, alpha/2)
	if k == 0 {
		return 0, 0, 0, false
	}
	return math.Expm1(d[k-1]), math.Expm1(d[len(d)-k]), 1 - 2*tail, true
}

// uLowerCount returns the largest k with P(U <= k-1) <= p for U of sizes
// (n1, n2) without ties, and that probability. Beyond 400 pairs it uses the
// normal approximation of U (with continuity correction).
func uLowerCount(n1, n2 int, p float64) (int, float64) {
	mn := n1 * n2
	if mn > 400 {
		mu := float64(mn) / 2
		sd := math.Sqrt(float64(mn*(n1+n2+1)) / 12)
		z := stats.NormalDist{Mu: 0, Sigma: 1}.InvCDF(p)
		k := int(math.Floor(mu + z*sd + 0.5))
		if k < 1 {
			return 0, 0
		}
		return k, stats.NormalDist{Mu: mu, Sigma: sd}.CDF(float64(k-1) + 0.5)
	}
	u := stats.UDist{N1: n1, N2: n2}
	k, tail := 0, 0.0
	for k < mn/2 {
		c := u.CDF(float64(k))
		if c > p {
			break
		}
		k, tail = k+1, c
	}
	return k, tail
}

// minP is the smallest two-sided p-value the U test can give for sizes
// (n1, n2): 2 / C(n1+n2, n1).
func minP(n1, n2 int) float64 {
	if n1 == 0 || n2 == 0 {
		return 1
	}
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}
