// Package fidelity holds the distribution checks that compare what
// kraftbench measures with what Kafka's own rules allow: a check names the
// rule and its source, the window Kafka's rules give, and the samples
// measured. Modes export functions that fill a Check (kraftmode's election
// check, for one); `kraftbench fidelity` runs and prints them, and tests
// assert them.
package fidelity

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// Window is a closed range of durations.
type Window struct{ Min, Max time.Duration }

// Contains reports whether d is in the window.
func (w Window) Contains(d time.Duration) bool { return d >= w.Min && d <= w.Max }

func (w Window) String() string { return fmt.Sprintf("[%s, %s]", fmtDur(w.Min), fmtDur(w.Max)) }

// Check is one measured distribution against Kafka's expectation.
type Check struct {
	Name    string // what is measured, e.g. "election after kill -9 of the active controller"
	Version string // kafka.version the run modelled
	Rule    string // Kafka's rule and where it is written, one line
	// Expected is where Kafka's rules put every sample; ExpectedMedian is
	// where they put the median.
	Expected       Window
	ExpectedMedian Window
	Samples        []time.Duration
	// Note says what the window leaves out or what is known to differ.
	Note string
}

// Summary is a sample's order statistics.
type Summary struct {
	N                       int
	Min, P50, P90, Max, Avg time.Duration
}

// Summarize computes the order statistics of samples (nearest rank).
func Summarize(samples []time.Duration) Summary {
	s := slices.Clone(samples)
	slices.Sort(s)
	if len(s) == 0 {
		return Summary{}
	}
	rank := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Summary{N: len(s), Min: s[0], P50: rank(0.5), P90: rank(0.9), Max: s[len(s)-1],
		Avg: sum / time.Duration(len(s))}
}

// UniformMedian is where the median (as Summarize ranks it) of n samples
// drawn uniformly from w falls, but for a chance of alpha on each side. A
// rule that spreads a delay evenly over a window (a periodic event at a
// random phase) says where its samples go, not where their median goes; a
// fixed median window would be too wide for large n or fail too often for
// small n. The median is the k-th smallest sample, k = ceil(n/2), and it is
// at most x exactly when at least k samples are: P = P(Binomial(n, p) >= k),
// p = (x - w.Min) / (w.Max - w.Min).
func UniformMedian(w Window, n int, alpha float64) Window {
	if n < 1 || w.Max <= w.Min {
		return w
	}
	k := (n + 1) / 2
	const steps = 1000
	lo, hi := 0, steps
	for i := 1; i < steps; i++ {
		p := float64(i) / steps
		c := binomialAtLeast(n, k, p)
		if c <= alpha {
			lo = i
		}
		if c < 1-alpha {
			hi = i + 1
		}
	}
	at := func(i int) time.Duration { return w.Min + time.Duration(float64(w.Max-w.Min)*float64(i)/steps) }
	return Window{Min: at(lo), Max: at(hi)}
}

// binomialAtLeast is P(Binomial(n, p) >= k), for 0 < p < 1.
func binomialAtLeast(n, k int, p float64) float64 {
	lgn, _ := math.Lgamma(float64(n + 1))
	sum := 0.0
	for j := k; j <= n; j++ {
		lj, _ := math.Lgamma(float64(j + 1))
		lnj, _ := math.Lgamma(float64(n - j + 1))
		sum += math.Exp(lgn - lj - lnj + float64(j)*math.Log(p) + float64(n-j)*math.Log1p(-p))
	}
	return sum
}

// Outside returns the samples outside Expected.
func (c Check) Outside() []time.Duration {
	var out []time.Duration
	for _, d := range c.Samples {
		if !c.Expected.Contains(d) {
			out = append(out, d)
		}
	}
	return out
}

// Pass reports whether every sample and the median are where Kafka's rules
// put them.
func (c Check) Pass() bool {
	return len(c.Samples) > 0 && len(c.Outside()) == 0 && c.ExpectedMedian.Contains(Summarize(c.Samples).P50)
}

// Print writes the check as a few aligned lines.
func (c Check) Print(w io.Writer) {
	s := Summarize(c.Samples)
	verdict := "PASS"
	if !c.Pass() {
		verdict = "DIFFERS"
	}
	fmt.Fprintf(w, "%s (kafka.version=%s): %s\n", c.Name, c.Version, verdict)
	fmt.Fprintf(w, "  rule:     %s\n", c.Rule)
	fmt.Fprintf(w, "  measured: n=%d min=%s p50=%s p90=%s max=%s mean=%s\n",
		s.N, fmtDur(s.Min), fmtDur(s.P50), fmtDur(s.P90), fmtDur(s.Max), fmtDur(s.Avg))
	fmt.Fprintf(w, "  expected: every sample in %s, p50 in %s\n", c.Expected, c.ExpectedMedian)
	if out := c.Outside(); len(out) > 0 {
		fmt.Fprintf(w, "  outside:  %d of %d: %v\n", len(out), len(c.Samples), roundAll(out))
	}
	if c.Note != "" {
		fmt.Fprintf(w, "  note:     %s\n", c.Note)
	}
}

func fmtDur(d time.Duration) string { return d.Round(time.Millisecond).String() }

func roundAll(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmtDur(d)
	}
	return out
}
