package local

import (
	"context"
	"fmt"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/ready"
	"github.com/kraftbench/kraftbench/internal/provision"
)

var _ cluster.Restarter = (*localCluster)(nil)

// RestartAll is a cold start: every node stops gracefully, as operators stop
// Kafka (brokers first, each with a controlled shutdown, then the
// controllers), every ZooKeeper server is killed (ZooKeeper recovers from its
// fsynced log), then all of them start again at once, keeping their data.
// Phases are measured from the moment the first process starts again.
func (c *localCluster) RestartAll(ctx context.Context) ([]cluster.Phase, error) {
	c.mu.Lock()
	var procs, brokers, controllers []*proc
	for _, n := range c.plan.Nodes {
		p := c.procs[n.ID]
		procs = append(procs, p)
		if n.IsController() {
			controllers = append(controllers, p)
		} else {
			brokers = append(brokers, p)
		}
	}
	c.mu.Unlock()
	provision.Parallel(len(brokers), func(i int) error { brokers[i].stop(30 * time.Second); return nil })
	provision.Parallel(len(controllers), func(i int) error { controllers[i].stop(30 * time.Second); return nil })
	if c.zk != nil {
		for i := 0; i < c.zk.Size(); i++ {
			if err := c.zk.Kill(i); err != nil {
				return nil, fmt.Errorf("stop zookeeper server %d: %w", i+1, err)
			}
		}
	}
	start := time.Now()
	var storeAt time.Duration
	if c.zk != nil {
		if err := provision.Parallel(c.zk.Size(), func(i int) error { return c.zk.Restart(ctx, i) }); err != nil {
			return nil, err
		}
		storeAt = time.Since(start)
	}
	if err := provision.Parallel(len(procs), func(i int) error { return procs[i].start(ctx) }); err != nil {
		return nil, err
	}
	rctx, cancel := c.readyContext(ctx)
	defer cancel()
	phases, err := ready.Wait(rctx, start, ready.HTTPPoller(c.statusAddrs()), nil)
	if c.zk != nil {
		phases = ready.WithStorePhase(phases, storeAt)
	}
	return phases, err
}
