package kraftmode

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/fidelity"
)

// The linger and visibility windows tell Kafka's rules apart: each check
// passes the distribution its rule gives and fails the one the other rule
// (or the other version) gives.
func TestFidelityWindowsTellTheRulesApart(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	spread := func(lo, hi time.Duration, n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = lo + time.Duration(rng.Int64N(int64(hi-lo)))
		}
		return out
	}
	const n = 20
	lingered := spread(26*time.Millisecond, 32*time.Millisecond, n) // 25 ms + a commit
	commits := spread(500*time.Microsecond, 3*time.Millisecond, n)  // a commit, a round trip
	nextAppend := spread(0, 525*time.Millisecond, n)                // 3.9's propagation
	cfg39 := Config{KafkaVersion: cluster.Kafka39}.WithDefaults()
	cfg41 := Config{KafkaVersion: cluster.Kafka41}.WithDefaults()
	for _, tc := range []struct {
		name       string
		check      fidelity.Check
		pass, fail []time.Duration
	}{
		{"linger 25 ms", lingerExpectation(cluster.Kafka39, DefaultAppendLinger), lingered, commits},
		{"linger 0", lingerExpectation(cluster.Kafka39, 0), commits, lingered},
		{"visibility 3.9", visibilityExpectation(cfg39, n), nextAppend, commits},
		{"visibility 4.1", visibilityExpectation(cfg41, n), commits, nextAppend},
	} {
		c := tc.check
		if c.Samples = tc.pass; !c.Pass() {
			t.Errorf("%s: its own rule's samples (p50 %v) fail %v, p50 in %v", tc.name,
				fidelity.Summarize(c.Samples).P50, c.Expected, c.ExpectedMedian)
		}
		if c.Samples = tc.fail; c.Pass() {
			t.Errorf("%s: the other rule's samples (p50 %v) pass %v, p50 in %v", tc.name,
				fidelity.Summarize(c.Samples).P50, c.Expected, c.ExpectedMedian)
		}
	}
}
