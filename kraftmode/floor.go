package kraftmode

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/raft"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
)

// FloorCommit commits one bare NoOpRecord through Raft on this node, which
// must be the active controller, and returns how long raft.Apply took to
// commit it (one fsynced append on a majority). It is the floor a
// CreateTopics on the same quorum cannot go below: the benchmark harness
// measures it in the same run as the workload, so results can be read as a
// ratio to it. A node that is not the active controller answers
// NOT_CONTROLLER.
func (n *Node) FloorCommit(ctx context.Context) (time.Duration, error) {
	if n.q == nil || n.q.raft.State() != raft.Leader {
		return 0, cluster.Errorf(kerr.NotController, "node %d is not the active controller", n.cfg.NodeID)
	}
	timeout := time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if timeout <= 0 {
		return 0, context.DeadlineExceeded
	}
	noop := encodeBatch([]Record{&NoOpRecord{}})
	start := time.Now()
	err := n.q.raft.Apply(noop, timeout).Error()
	d := time.Since(start)
	if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
		return d, cluster.Errorf(kerr.NotController, "node %d lost leadership: %v", n.cfg.NodeID, err)
	}
	return d, err
}

// FloorAppend commits one NoOpRecord through the active controller's
// accumulator, as any controller write goes, and returns how long it took:
// the append linger (controller.quorum.append.linger.ms, Kafka's own wait)
// plus the commit. It is the floor of a write as Kafka makes it, so a
// workload's ratio to it is the harness's overhead over Kafka's path, not
// Kafka's waits; FloorCommit is the bare store under it. A node that is not
// the active controller answers NOT_CONTROLLER.
func (n *Node) FloorAppend(ctx context.Context) (time.Duration, error) {
	if n.ctrl == nil || !n.ctrl.isActive() {
		return 0, cluster.Errorf(kerr.NotController, "node %d is not the active controller", n.cfg.NodeID)
	}
	start := time.Now()
	_, err := n.ctrl.submit(ctx, func(*metaState) ([]Record, error) { return []Record{&NoOpRecord{}}, nil })
	return time.Since(start), err
}
