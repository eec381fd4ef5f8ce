package stats

import (
	"math"
	"testing"
)

// seq returns f(0), ..., f(n-1).
func seq(n int, f func(i int) float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = f(i)
	}
	return v
}

func TestShiftCI(t *testing.T) {
	// 30 against 30 built so that the 900 log ratios are exactly
	// 0.01*(-870 .. 29), all distinct: the i-th smallest is 0.01*(i-1-870).
	wide := seq(30, func(i int) float64 { return math.Exp(0.3 * float64(i)) })
	narrow := seq(30, func(i int) float64 { return math.Exp(0.01 * float64(i)) })
	for _, c := range []struct {
		name          string
		a, b          []float64
		ok, hasCI     bool
		ratio, lo, hi float64
		conf          float64
		approx        bool
	}{
		{name: "empty", a: nil, b: []float64{1}},
		{name: "not positive", a: []float64{1, 0}, b: []float64{1, 2}},
		{name: "NaN", a: []float64{1, math.NaN()}, b: []float64{1, 2}},
		{name: "one run: point only", a: []float64{40}, b: []float64{10, 12}, ok: true,
			ratio: math.Sqrt(10*12) / 40},
		// k=0: no order reaches 95% with 2 against 2 (C(4,2) = 6
		// arrangements), so the widest interval at the 67% it has.
		{name: "2v2 below target", a: []float64{1, 2}, b: []float64{3, 4}, ok: true, hasCI: true,
			ratio: math.Sqrt(2 * 3), lo: 1.5, hi: 4, conf: 1 - 2.0/6},
		{name: "3v3 at 90%", a: []float64{40, 42, 38}, b: []float64{10, 11, 9}, ok: true, hasCI: true,
			ratio: 10.0 / 40, lo: 9.0 / 42, hi: 11.0 / 38, conf: 1 - 2.0/20},
		// P(U<=2) = 4/252 <= 2.5% < P(U<=3) = 7/252: k = 3.
		{name: "5v5 k=3", a: []float64{1, 2, 3, 4, 5}, b: []float64{10, 20, 30, 40, 50}, ok: true, hasCI: true,
			ratio: 10, lo: 10.0 / 3, hi: 30, conf: 1 - 2*4.0/252},
		{name: "ties", a: []float64{5, 5, 5}, b: []float64{10, 10, 10}, ok: true, hasCI: true,
			ratio: 2, lo: 2, hi: 2, conf: 0.9},
		// P(U<=0) = 1/70 <= 2.5% < P(U<=1) = 2/70: k = 1, min..max.
		{name: "equal samples", a: []float64{1, 2, 3, 4}, b: []float64{1, 2, 3, 4}, ok: true, hasCI: true,
			ratio: 1, lo: 1.0 / 4, hi: 4, conf: 1 - 2.0/70},
		// 900 pairs: normal approximation, k = floor(450 - 1.95996*67.64 + 0.5)
		// = 317 (the exact distribution gives 318).
		{name: "30v30 normal approximation", a: wide, b: narrow, ok: true, hasCI: true,
			ratio: math.Exp(-4.205), lo: math.Exp(0.01 * (316 - 870)), hi: math.Exp(0.01 * (583 - 870)),
			conf: 0.95159, approx: true},
	} {
		s, ok := ShiftCI(c.a, c.b, 0.95)
		if ok != c.ok || s.HasCI != c.hasCI || s.Approx != c.approx {
			t.Errorf("%s: ok=%v hasCI=%v approx=%v, want %v %v %v", c.name, ok, s.HasCI, s.Approx, c.ok, c.hasCI, c.approx)
			continue
		}
		if !ok {
			continue
		}
		near := func(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want)) }
		if !near(s.Ratio, c.ratio, 1e-9) {
			t.Errorf("%s: ratio %v, want %v", c.name, s.Ratio, c.ratio)
		}
		if !c.hasCI {
			continue
		}
		if !near(s.Lo, c.lo, 1e-9) || !near(s.Hi, c.hi, 1e-9) || !near(s.Confidence, c.conf, 1e-4) {
			t.Errorf("%s: [%v, %v] at %v, want [%v, %v] at %v", c.name, s.Lo, s.Hi, s.Confidence, c.lo, c.hi, c.conf)
		}
		// Swapping the samples inverts the ratio and its interval.
		r, _ := ShiftCI(c.b, c.a, 0.95)
		if !near(r.Ratio*s.Ratio, 1, 1e-9) || !near(r.Lo*s.Hi, 1, 1e-9) || !near(r.Hi*s.Lo, 1, 1e-9) || r.Confidence != s.Confidence {
			t.Errorf("%s: swapped gives %+v, not the inverse of %+v", c.name, r, s)
		}
	}
}
