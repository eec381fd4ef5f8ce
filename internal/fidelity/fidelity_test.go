package fidelity

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

const ms = time.Millisecond

func msSamples(vals ...int) []time.Duration {
	out := make([]time.Duration, len(vals))
	for i, v := range vals {
		out[i] = time.Duration(v) * ms
	}
	return out
}

// A check passes only when every sample is in Expected and the median in
// ExpectedMedian; each way of leaving the window fails it, and Print says
// which samples are outside.
func TestCheckPass(t *testing.T) {
	base := Check{Name: "linger", Version: "3.9", Rule: "rule",
		Expected: Window{Min: 25 * ms, Max: 125 * ms}, ExpectedMedian: Window{Min: 25 * ms, Max: 45 * ms}}
	for _, tc := range []struct {
		name    string
		samples []time.Duration
		pass    bool
	}{
		{"inside", msSamples(26, 27, 26, 30, 90), true},
		{"none", nil, false},
		{"one below the window", msSamples(26, 27, 3, 30, 28), false},
		{"one above the window", msSamples(26, 27, 26, 30, 400), false},
		{"median above its window", msSamples(26, 60, 70, 80, 90), false},
	} {
		c := base
		c.Samples = tc.samples
		if got := c.Pass(); got != tc.pass {
			t.Errorf("%s %v: Pass() = %v, want %v", tc.name, tc.samples, got, tc.pass)
		}
		var out bytes.Buffer
		c.Print(&out)
		verdict := "DIFFERS"
		if tc.pass {
			verdict = "PASS"
		}
		if !strings.Contains(out.String(), "linger (kafka.version=3.9): "+verdict) {
			t.Errorf("%s: printed\n%s\nwant verdict %s", tc.name, out.String(), verdict)
		}
	}
	c := base
	c.Samples = msSamples(26, 27, 3, 30, 400)
	var out bytes.Buffer
	c.Print(&out)
	if !strings.Contains(out.String(), "outside:  2 of 5: [3ms 400ms]") {
		t.Errorf("Print does not list the samples outside:\n%s", out.String())
	}
}

// UniformMedian's window holds the median of uniform samples as often as
// it promises: with alpha 5% a side, about 10% of medians fall outside.
func TestUniformMedianCoverage(t *testing.T) {
	w := Window{Min: 0, Max: 525 * ms}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{5, 10, 20} {
		mw := UniformMedian(w, n, 0.05)
		if !mw.Contains(w.Max/2) || mw.Min <= w.Min || mw.Max >= w.Max {
			t.Fatalf("n=%d: median window %v: want strictly inside %v around its middle", n, mw, w)
		}
		const trials = 4000
		outside := 0
		for range trials {
			s := make([]time.Duration, n)
			for i := range s {
				s[i] = time.Duration(rng.Int64N(int64(w.Max)))
			}
			if !mw.Contains(Summarize(s).P50) {
				outside++
			}
		}
		if f := float64(outside) / trials; f < 0.075 || f > 0.115 {
			t.Errorf("n=%d: %.3f of medians outside %v, want about 0.10", n, f, mw)
		}
	}
	// More samples pin the median closer.
	if a, b := UniformMedian(w, 10, 0.001), UniformMedian(w, 40, 0.001); b.Max-b.Min >= a.Max-a.Min {
		t.Errorf("median window for 40 samples %v is not narrower than for 10 %v", b, a)
	}
}
