package docker

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/kraftbench/kraftbench/cluster/clustertest"
	"github.com/kraftbench/kraftbench/internal/testbin"
)

// These tests run the real kbnode (built from this tree into the node image)
// in containers: both modes start and become ready, pass the conformance
// suite through the published, advertised addresses, and react to faults as
// Kafka's control planes do.

var realNode struct {
	once sync.Once
	ref  string
	err  error
}

// nodeImage is the node image of the current source (built once per test
// binary; present already when the source has not changed).
func nodeImage(t *testing.T) string {
	t.Helper()
	testbin.NeedIntegration(t, "a Docker image build")
	realNode.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		realNode.ref, realNode.err = EnsureNodeImage(ctx, testLogf(t))
	})
	if realNode.err != nil {
		t.Fatalf("node image: %v", realNode.err)
	}
	return realNode.ref
}

func kraftSpec(t *testing.T, what string) cluster.Spec {
	return cluster.Spec{Name: runName(t, what), Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 3, Combined: true,
		Images: cluster.Images{Node: nodeImage(t)}, Seed: 1}
}

func zkModeSpec(t *testing.T, what string) cluster.Spec {
	return cluster.Spec{Name: runName(t, what), Mode: cluster.ModeZK, ZKServers: 1, Brokers: 3,
		Images: cluster.Images{Node: nodeImage(t), ZooKeeper: zkImage(t)}, Seed: 1,
		Timeouts: cluster.Timeouts{ZKSession: 6 * time.Second}}
}

func TestConformanceKRaft(t *testing.T) { conformance(t, kraftSpec(t, "ctkraft")) }
func TestConformanceZK(t *testing.T)    { conformance(t, zkModeSpec(t, "ctzk")) }

func conformance(t *testing.T, spec cluster.Spec) {
	needDocker(t)
	clustertest.Run(t, func(t *testing.T) clustertest.Cluster {
		c := startCluster(t, spec)
		a, err := admin.New(c.Bootstrap(), admin.Options{ClientID: t.Name(), WriteTimeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(a.Close)
		var brokers []int32
		for _, n := range c.plan.Brokers() {
			brokers = append(brokers, n.ID)
		}
		return clustertest.Cluster{Admin: a, Brokers: brokers, Bootstrap: c.Bootstrap(), Propagation: 20 * time.Second,
			ControllerPerAnswer: spec.Mode == cluster.ModeKRaft}
	})
}

// TestKRaftFaults: a partitioned active controller loses leadership and the
// others elect another; after healing the quorum agrees again. A killed or
// paused node stops answering and comes back after the undo.
func TestKRaftFaults(t *testing.T) {
	needDocker(t)
	c := startCluster(t, kraftSpec(t, "kfaults"))
	old := agreedActive(t, c, 20*time.Second, 1, 2, 3)
	t.Logf("active controller %d", old)

	rec := fault(t, c, cluster.FaultPartition, old)
	others := without([]int32{1, 2, 3}, old)
	next := agreedActive(t, c, 30*time.Second, others...)
	if next == old {
		t.Fatalf("after partitioning %d the others still follow it", old)
	}
	eventually(t, 30*time.Second, func() error {
		st, err := c.Status(t.Context(), old)
		if err != nil {
			return err
		}
		if st.Active {
			return fmt.Errorf("partitioned node %d still says it is active", old)
		}
		return nil
	})
	t.Logf("partitioned %d; %d took over after %s", old, next, time.Since(rec.Start).Round(time.Millisecond))
	undo(t, rec)
	agreedActive(t, c, 30*time.Second, 1, 2, 3)

	victim := without([]int32{1, 2, 3}, agreedActive(t, c, 10*time.Second, 1, 2, 3))[0]
	for _, kind := range []cluster.FaultKind{cluster.FaultKill, cluster.FaultPause, cluster.FaultStop} {
		t.Run(string(kind), func(t *testing.T) {
			downAndBack(t, c, kind, victim)
			agreedActive(t, c, 30*time.Second, 1, 2, 3)
		})
	}
}

// TestZKModeControllerFailover: stopping the active ZooKeeper-mode controller
// (its session closes) makes another broker take over.
func TestZKModeControllerFailover(t *testing.T) {
	needDocker(t)
	c := startCluster(t, zkModeSpec(t, "zkfail"))
	old := agreedActive(t, c, 20*time.Second, 1, 2, 3)
	rec := fault(t, c, cluster.FaultStop, old)
	next := agreedActive(t, c, 30*time.Second, without([]int32{1, 2, 3}, old)...)
	t.Logf("stopped controller %d; %d took over after %s", old, next, time.Since(rec.Start).Round(time.Millisecond))
	undo(t, rec)
	agreedActive(t, c, 30*time.Second, 1, 2, 3)
}

// agreedActive waits until the nodes agree on one active controller, one of
// them, that says so itself, and returns it.
func agreedActive(t *testing.T, c *dockerCluster, timeout time.Duration, nodes ...int32) int32 {
	t.Helper()
	var active int32
	eventually(t, timeout, func() error {
		views := map[int32]bool{}
		var self int32 = -1
		for _, id := range nodes {
			st, err := c.Status(t.Context(), id)
			if err != nil {
				return err
			}
			views[st.ActiveControllerID] = true
			if st.Active {
				self = id
			}
		}
		if len(views) != 1 || views[-1] {
			return fmt.Errorf("nodes %v see active controllers %v", nodes, views)
		}
		for v := range views {
			active = v
		}
		if self != active {
			return fmt.Errorf("nodes %v agree on controller %d, which is not one of them saying it is active", nodes, active)
		}
		return nil
	})
	return active
}

func without(ids []int32, x int32) []int32 {
	var out []int32
	for _, id := range ids {
		if id != x {
			out = append(out, id)
		}
	}
	return out
}

func contains(ids []int32, x int32) bool { return len(without(ids, x)) != len(ids) }
