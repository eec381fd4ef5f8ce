package kraftmode

import (
	"context"
	"net"
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

// Controlled shutdown is gated as Kafka's BrokerHeartbeatManager gates it:
// the broker's leaderships move away at once, but SHUTDOWN_NOW waits until
// every other active broker has reported, in a heartbeat, a metadata offset
// at or past those moves. With the other brokers' heartbeats held back it
// is not granted (and the broker stays unfenced, in controlled shutdown);
// once they heartbeat again it is.
func TestControlledShutdownWaitsForReportedOffsets(t *testing.T) {
	c := newTCluster(t, false, func(cfg *Config) { cfg.SessionTimeout = 20 * time.Second })
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := createOne(ctx, active, "gate", 6); err != nil {
		t.Fatal(err)
	}
	victim, others := c.brokerIDs[0], c.brokerIDs[1:]
	if !leadsAny(active.ctrl.fsm.cloneState(), victim) {
		t.Fatalf("broker %d leads nothing: the test needs it to lead", victim)
	}
	for _, id := range others {
		c.nodes[id].brk.paused.Store(true)
	}
	brk := c.nodes[victim].brk
	if brk.controlledShutdown(ctx, 1500*time.Millisecond) {
		t.Fatal("shutdown granted while the other brokers had not reported the leadership moves")
	}
	img := active.Image()
	if b := img.Brokers[victim]; b == nil || b.Fenced {
		t.Fatalf("broker %d fenced during controlled shutdown (Kafka keeps it unfenced until SHUTDOWN_NOW): %+v", victim, b)
	}
	for _, p := range img.Topics["gate"].Partitions {
		if p.Leader == victim {
			t.Fatalf("partition %d still led by broker %d in controlled shutdown", p.ID, victim)
		}
	}
	for _, id := range others {
		c.nodes[id].brk.paused.Store(false)
	}
	t0 := time.Now()
	if !brk.controlledShutdown(ctx, 5*time.Second) {
		t.Fatal("shutdown not granted after the other brokers heartbeated again")
	}
	if b := active.Image().Brokers[victim]; b == nil || !b.Fenced {
		t.Fatalf("broker %d not fenced after SHUTDOWN_NOW: %+v", victim, b)
	}
	t.Logf("granted %v after the other brokers resumed heartbeating", time.Since(t0))
}

// One heartbeat in flight, as Kafka's single-threaded BrokerLifecycleManager
// sends them: while a periodic heartbeat is outstanding the controlled
// shutdown's first heartbeat waits for it, so a heartbeat built before the
// shutdown began (not asking to shut down) can never be answered after the
// shutdown fenced the broker, and unfence it again.
func TestControlledShutdownWaitsForTheHeartbeatInFlight(t *testing.T) {
	c := newTCluster(t, false, func(cfg *Config) { cfg.SessionTimeout = 20 * time.Second })
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := createOne(ctx, active, "inflight", 6); err != nil {
		t.Fatal(err)
	}
	victim := c.brokerIDs[0]
	brk := c.nodes[victim].brk
	brk.hbMu.Lock() // a periodic heartbeat is outstanding
	done := make(chan bool, 1)
	go func() { done <- brk.controlledShutdown(ctx, 10*time.Second) }()
	time.Sleep(500 * time.Millisecond)
	active.ctrl.mu.Lock()
	started := active.ctrl.inShutdownLocked(victim)
	active.ctrl.mu.Unlock()
	if started {
		brk.hbMu.Unlock()
		t.Fatal("the controlled shutdown's heartbeat was sent while another heartbeat was in flight")
	}
	brk.hbMu.Unlock()
	select {
	case ok := <-done:
		if !ok {
			t.Fatal("controlled shutdown not granted once the heartbeat in flight was answered")
		}
	case <-ctx.Done():
		t.Fatal("controlled shutdown did not return")
	}
	if b := active.Image().Brokers[victim]; b == nil || !b.Fenced {
		t.Fatalf("broker %d not fenced after its controlled shutdown: %+v", victim, b)
	}
}

// A controller's graceful stop is bounded as Kafka bounds it: the Raft
// client's graceful shutdown gets 5 s (KafkaRaftClientDriver.initiateShutdown,
// client.shutdown(5000), raft/.../KafkaRaftClientDriver.java:73 at 3.9), then
// the node closes regardless. Here the other two voters are frozen (their
// addresses accept connections and never answer, as a paused process's
// kernel does), so every Raft RPC the leader has in flight could wait for
// its 10 s transport timeout.
func TestGracefulControllerStopIsBoundedWithFrozenPeers(t *testing.T) {
	c := newTCluster(t, false, nil)
	leader := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	for _, id := range c.brokerIDs {
		c.stop(id, true)
	}
	for _, id := range c.ctrlIDs {
		if id == leader.cfg.NodeID {
			continue
		}
		c.stop(id, true)
		ln := listen(t, c.voters[id])
		defer ln.Close()
		go func() {
			var held []net.Conn
			defer func() {
				for _, c := range held {
					c.Close()
				}
			}()
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				held = append(held, conn) // never read: a frozen peer
			}
		}()
	}
	time.Sleep(500 * time.Millisecond) // let the leader's RPCs to them start
	t0 := time.Now()
	c.stop(leader.cfg.NodeID, false)
	if d := time.Since(t0); d > 7*time.Second {
		t.Fatalf("graceful stop of the controller took %v with its peers frozen; Kafka bounds it at 5 s", d)
	} else {
		t.Logf("graceful stop took %v", d)
	}
}
