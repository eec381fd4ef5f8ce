package kraftmode

import (
	"context"
	"testing"
	"time"
)

// A clean broker stop is a controlled shutdown: before the broker goes, the
// active controller fences it and moves the leadership of its partitions to
// other in-sync replicas, so clients never see it lead a partition it no
// longer serves; and its next incarnation registers at once, without waiting
// out the old session.
func TestControlledShutdownMovesLeadershipAndAllowsQuickReturn(t *testing.T) {
	c := newTCluster(t, false, func(cfg *Config) { cfg.SessionTimeout = 5 * time.Second })
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := createOne(ctx, active, "cs", 6); err != nil {
		t.Fatal(err)
	}
	victim := c.brokerIDs[0]
	t0 := time.Now()
	c.stop(victim, false)
	if d := time.Since(t0); d > 3*time.Second {
		t.Fatalf("controlled shutdown took %v", d)
	}
	img := active.Image()
	if b := img.Brokers[victim]; b == nil || !b.Fenced {
		t.Fatalf("broker %d not fenced right after its controlled shutdown: %+v", victim, b)
	}
	for _, p := range img.Topics["cs"].Partitions {
		if p.Leader == victim {
			t.Fatalf("partition %d still led by the stopped broker %d", p.ID, victim)
		}
	}
	t1 := time.Now()
	c.start(victim)
	deadline := time.Now().Add(4 * time.Second)
	for {
		if b := active.Image().Brokers[victim]; b != nil && !b.Fenced {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("broker %d not back within 4s (the 5s session would have had to expire)", victim)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("controlled shutdown in %v, back unfenced %v after restart", time.Since(t0)-time.Since(t1), time.Since(t1))
}
