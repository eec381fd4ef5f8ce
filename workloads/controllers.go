package workloads

import (
	"context"
	"fmt"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// Finding the active controller, for workloads that fault it (failover,
// scale) or watch it change hands (migration). Both modes answer the same
// way: a node's /status says whether it is the active controller and in
// which epoch (the ZooKeeper controller epoch or the Raft term).

// ControllerView is the active controller and its epoch.
type ControllerView struct {
	ID    int32
	Epoch int64
}

// pollEvery is how often controller and convergence polls ask; it bounds the
// resolution of the times they report.
const pollEvery = 50 * time.Millisecond

// activeController returns the node that says it is the active controller.
// When two nodes say so (an old one that has not heard of its successor),
// the higher epoch wins. It waits up to timeout for one to answer.
func activeController(ctx context.Context, c cluster.Cluster, timeout time.Duration) (ControllerView, error) {
	var got ControllerView
	err := pollUntil(ctx, timeout, func() bool {
		v, ok := scanActive(ctx, c, -1)
		got = v
		return ok
	})
	if err != nil {
		return ControllerView{}, fmt.Errorf("no node reported itself the active controller within %v: %w", timeout, err)
	}
	return got, nil
}

// awaitNewController waits until a node other than old.ID, or old.ID in a
// later epoch, reports itself the active controller, and returns it with the
// time of the answer that showed it.
func awaitNewController(ctx context.Context, c cluster.Cluster, old ControllerView, timeout time.Duration) (ControllerView, time.Time, error) {
	var got ControllerView
	var at time.Time
	err := pollUntil(ctx, timeout, func() bool {
		v, ok := scanActive(ctx, c, old.Epoch)
		if ok {
			got, at = v, time.Now()
		}
		return ok
	})
	if err != nil {
		return ControllerView{}, time.Time{}, fmt.Errorf("no new active controller (after %d in epoch %d) within %v: %w", old.ID, old.Epoch, timeout, err)
	}
	return got, at, nil
}

// scanActive asks every node once and returns the active controller with the
// highest epoch above minEpoch.
func scanActive(ctx context.Context, c cluster.Cluster, minEpoch int64) (ControllerView, bool) {
	best, found := ControllerView{ID: -1, Epoch: minEpoch}, false
	for _, n := range c.Nodes() {
		if n.Kind != "node" {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		st, err := c.Status(sctx, n.ID)
		cancel()
		if err == nil && st.Active && st.ControllerEpoch > best.Epoch {
			best, found = ControllerView{ID: n.ID, Epoch: st.ControllerEpoch}, true
		}
	}
	return best, found
}

// pollUntil calls done every pollEvery until it returns true, ctx ends or
// timeout passes.
func pollUntil(ctx context.Context, timeout time.Duration, done func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		if done() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
