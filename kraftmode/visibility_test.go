package kraftmode

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func (c *tcluster) brokerNodes() []*Node {
	var out []*Node
	for _, id := range c.brokerIDs {
		out = append(out, c.nodes[id])
	}
	return out
}

func visibility(t *testing.T, v cluster.KafkaVersion) ([]time.Duration, VisibilityWindow) {
	t.Helper()
	c := newTCluster(t, false, func(cfg *Config) { cfg.KafkaVersion = v })
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	delays, err := MeasureVisibility(ctx, active, c.brokerNodes(), 20, 3, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(delays)
	var sum time.Duration
	for _, d := range delays {
		sum += d
	}
	cfg := c.cfgs[active.cfg.NodeID].WithDefaults()
	want := ExpectedVisibility(cfg)
	t.Logf("kafka.version=%s: commit to every broker over %d lone creates: min %v p50 %v mean %v max %v; expected [%v, %v] mean %v (%s)",
		v, len(delays), delays[0], delays[len(delays)/2], sum/time.Duration(len(delays)), delays[len(delays)-1],
		want.Min, want.Max, want.Mean, want.Rule)
	return delays, want
}

// TestBrokersSeeCommitsAtTheNextAppend39 pins Kafka 3.9's high-watermark
// propagation: a broker learns that a record committed only when the
// leader's log grows again (the periodic NoOpRecord) or its parked fetch's
// max wait runs out, so on an idle quorum the delay spreads over [0, 500 ms +
// linger], far above a round trip.
func TestBrokersSeeCommitsAtTheNextAppend39(t *testing.T) {
	delays, want := visibility(t, cluster.Kafka39)
	var sum time.Duration
	for _, d := range delays {
		sum += d
		if d > want.Max+200*time.Millisecond {
			t.Errorf("a broker saw a commit after %v, beyond Kafka's %v (+200 ms margin)", d, want.Max)
		}
	}
	// Expected mean 262 ms (uniform over [0, 525 ms]); one round trip on
	// loopback is well under 10 ms. 20 samples: the mean's spread is ~35 ms.
	if mean := sum / time.Duration(len(delays)); mean < 120*time.Millisecond {
		t.Errorf("mean visibility %v: brokers learn commits too soon for Kafka 3.9 (expected ~%v)", mean, want.Mean)
	}
}

// TestBrokersSeeCommitsWithinARoundTrip41 pins Kafka 4.1's (KAFKA-14145):
// the leader completes parked fetches when the high watermark advances.
func TestBrokersSeeCommitsWithinARoundTrip41(t *testing.T) {
	delays, _ := visibility(t, cluster.Kafka41)
	if p50 := delays[len(delays)/2]; p50 > 25*time.Millisecond {
		t.Errorf("p50 visibility %v at 4.1, want about a round trip", p50)
	}
	if m := delays[len(delays)-1]; m > 250*time.Millisecond {
		t.Errorf("max visibility %v at 4.1: a commit waited for an append or a max wait", m)
	}
}

// TestBrokersNeverServeUncommittedRecords cuts the active controller off
// from both other voters, so what it appends cannot commit, and checks that
// brokers fetch the uncommitted entry (observers fetch the leader's tail)
// but never serve it.
func TestBrokersNeverServeUncommittedRecords(t *testing.T) {
	c := newTCluster(t, false, func(cfg *Config) { cfg.MaxIdleInterval = -1 })
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	committed := active.fsm.Image().Offset
	for _, id := range c.ctrlIDs {
		if c.nodes[id] != active {
			c.stop(id, true)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go createOne(ctx, active, "never-committed", 1) // fails: no majority
	eventually(t, 5*time.Second, "the leader appending the entry", func() bool {
		last, _ := active.q.logs.LastIndex()
		return int64(last) > committed
	})
	deadline := time.Now().Add(1500 * time.Millisecond)
	sawFetched := false
	for time.Now().Before(deadline) {
		for _, b := range c.brokerNodes() {
			if _, ok := b.Image().Topics["never-committed"]; ok || b.Image().Offset > committed {
				t.Fatalf("broker %d serves offset %d above the last commit %d", b.cfg.NodeID, b.Image().Offset, committed)
			}
			if b.brk.fetched.Load() > committed {
				sawFetched = true
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !sawFetched {
		t.Fatal("no broker fetched the uncommitted entry, so the test proved nothing")
	}
}
