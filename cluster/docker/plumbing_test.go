package docker

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// These tests run testdata/fakenode in place of kbnode: they check what the
// provider itself does (images, networks, published ports, ZooKeeper,
// readiness, faults, cleanup) independently of the modes, whose own behaviour
// under the docker provider kbnode_test.go checks.

// TestZooKeeperEnsemble: three ZooKeeper servers elect a leader over the peer
// network and answer srvr on their published client ports.
func TestZooKeeperEnsemble(t *testing.T) {
	needDocker(t)
	spec := cluster.Spec{Name: runName(t, "zk3"), Mode: cluster.ModeZK, ZKServers: 3, Brokers: 2,
		Images: cluster.Images{Node: fakeNodeImage(t), ZooKeeper: zkImage(t)}}
	c := startCluster(t, spec)
	modes := map[string]int{}
	for _, n := range c.Nodes() {
		if n.Kind != "zookeeper" {
			continue
		}
		mode, err := zkSrvr(t.Context(), n.Addr)
		if err != nil {
			t.Fatalf("zookeeper %d srvr on %s: %v", n.ID, n.Addr, err)
		}
		modes[mode]++
	}
	if modes["leader"] != 1 || modes["follower"] != 2 {
		t.Errorf("zookeeper modes %v: want 1 leader, 2 followers", modes)
	}
}

// TestFaultsPlumbing injects every fault on a KRaft-shaped cluster of fake
// nodes, whose controller view follows the network alone.
func TestFaultsPlumbing(t *testing.T) {
	needDocker(t)
	spec := cluster.Spec{Name: runName(t, "faults"), Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 1,
		Images: cluster.Images{Node: fakeNodeImage(t)}}
	c := startCluster(t, spec)
	if got := c.Bootstrap(); len(got) != 1 || !strings.HasPrefix(got[0], "127.0.0.1:") {
		t.Fatalf("bootstrap %v", got)
	}
	t.Run("partition", func(t *testing.T) {
		rec := fault(t, c, cluster.FaultPartition, 1001)
		eventually(t, 20*time.Second, func() error { return activeIs(t, c, 1002, 1002, 1) })
		st, err := c.Status(t.Context(), 1001)
		if err != nil || st.Active {
			t.Errorf("partitioned controller: status %+v, err %v: want reachable and not active", st, err)
		}
		undo(t, rec)
		eventually(t, 20*time.Second, func() error { return activeIs(t, c, 1001, 1001, 1002, 1) })
	})
	t.Run("kill", func(t *testing.T) { downAndBack(t, c, cluster.FaultKill, 1) })
	t.Run("stop", func(t *testing.T) { downAndBack(t, c, cluster.FaultStop, 1) })
	t.Run("pause", func(t *testing.T) { downAndBack(t, c, cluster.FaultPause, 1) })
	t.Run("restart", func(t *testing.T) {
		rec := fault(t, c, cluster.FaultRestart, 1)
		if rec.End.IsZero() || rec.Undo != nil {
			t.Errorf("restart record %+v: want End set and no Undo", rec)
		}
		eventually(t, 20*time.Second, func() error { _, err := c.Status(t.Context(), 1); return err })
	})
	if _, err := c.Fault(t.Context(), cluster.Fault{Kind: cluster.FaultKill, Node: 77}); err == nil {
		t.Error("fault on node 77: want an error")
	}
}

// downAndBack: the node stops answering during the fault and answers again
// after Undo, which sets End.
func downAndBack(t *testing.T, c *dockerCluster, kind cluster.FaultKind, node int32) {
	t.Helper()
	rec := fault(t, c, kind, node)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	if _, err := c.Status(ctx, node); err == nil {
		t.Errorf("%s: node %d still answers", kind, node)
	}
	cancel()
	undo(t, rec)
	eventually(t, 30*time.Second, func() error { _, err := c.Status(t.Context(), node); return err })
	if err := rec.Undo(t.Context()); err != nil {
		t.Errorf("second undo: %v", err)
	}
}

func fault(t *testing.T, c *dockerCluster, kind cluster.FaultKind, node int32) *cluster.FaultRecord {
	t.Helper()
	rec, err := c.Fault(t.Context(), cluster.Fault{Kind: kind, Node: node})
	if err != nil {
		t.Fatalf("fault: %v", err)
	}
	if rec.Start.IsZero() || rec.Fault.Node != node {
		t.Errorf("record %+v", rec)
	}
	t.Logf("%s on %d: %s", kind, node, rec.Details)
	return rec
}

func undo(t *testing.T, rec *cluster.FaultRecord) {
	t.Helper()
	if err := rec.Undo(t.Context()); err != nil {
		t.Fatalf("undo: %v", err)
	}
	if rec.End.Before(rec.Start) {
		t.Errorf("record window %v .. %v", rec.Start, rec.End)
	}
}

// activeIs checks that every listed node sees want as the active controller,
// and that want says it is active.
func activeIs(t *testing.T, c *dockerCluster, want int32, nodes ...int32) error {
	for _, id := range nodes {
		st, err := c.Status(t.Context(), id)
		if err != nil {
			return err
		}
		if st.ActiveControllerID != want || (id == want) != st.Active {
			return fmt.Errorf("node %d: active controller %d (self active %v), want %d", id, st.ActiveControllerID, st.Active, want)
		}
	}
	return nil
}

func eventually(t *testing.T, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestRestartAllPlumbing: a cold restart of a ZooKeeper-mode cluster of fake
// nodes stops everything, starts the ensemble then the nodes, and measures
// the phases from the first container started again.
func TestRestartAllPlumbing(t *testing.T) {
	needDocker(t)
	spec := cluster.Spec{Name: runName(t, "restart"), Mode: cluster.ModeZK, ZKServers: 1, Brokers: 2,
		Images: cluster.Images{Node: fakeNodeImage(t), ZooKeeper: zkImage(t)}}
	c := startCluster(t, spec)
	phases, err := c.RestartAll(t.Context())
	if err != nil {
		t.Fatalf("restart all: %v", err)
	}
	t.Logf("phases after a cold restart: %v", phases)
	if len(phases) != 4 || phases[0].Name != "store_ready" || phases[0].After <= 0 {
		t.Errorf("phases %v: want 4, store_ready first", phases)
	}
	for _, id := range []int32{1, 2} {
		if _, err := c.Status(t.Context(), id); err != nil {
			t.Errorf("node %d after restart: %v", id, err)
		}
	}
}
