package docker

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/client"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/ready"
	"github.com/kraftbench/kraftbench/internal/provision"
)

var (
	_ cluster.Restarter     = (*dockerCluster)(nil)
	_ cluster.PhaseReporter = (*dockerCluster)(nil)
)

// RestartAll is a cold start, as the local provider does it: every node
// stops gracefully, every ZooKeeper server is killed (its data is on its
// volume, fsynced), then the ensemble starts and reaches quorum, the nodes
// start on their kept volumes, and readiness is awaited. The phases are
// measured from the moment the first container is started again.
func (c *dockerCluster) RestartAll(ctx context.Context) ([]cluster.Phase, error) {
	// Stop as operators stop Kafka: brokers first (each with a controlled
	// shutdown), then the controllers.
	var nodes, brokers, controllers []string
	for _, n := range c.plan.Nodes {
		name := c.res.container(n.ID)
		nodes = append(nodes, name)
		if n.IsController() {
			controllers = append(controllers, name)
		} else {
			brokers = append(brokers, name)
		}
	}
	var zks []string
	for _, id := range c.plan.ZooKeepers {
		zks = append(zks, c.names.zk(id))
	}
	for _, group := range [][]string{brokers, controllers} {
		if err := provision.Parallel(len(group), func(i int) error {
			_, err := c.cli.ContainerStop(ctx, group[i], client.ContainerStopOptions{Timeout: ptr(stopTimeout)})
			return err
		}); err != nil {
			return nil, fmt.Errorf("restart all: stop nodes: %w", err)
		}
	}
	if err := provision.Parallel(len(zks), func(i int) error { return c.kill(ctx, zks[i]) }); err != nil {
		return nil, fmt.Errorf("restart all: stop zookeeper: %w", err)
	}
	start := time.Now()
	var storeAt time.Duration
	if len(zks) > 0 {
		// Watch for exits only once every server has started again: until
		// then they are exited on purpose (killed above), and a watcher
		// ticking in between would take that for a crash.
		err := provision.Parallel(len(zks), func(i int) error { return c.startFn(zks[i])(ctx) })
		if err == nil {
			zctx, stopWatch := c.watchExits(ctx, zks...)
			err = c.awaitQuorum(zctx)
			stopWatch()
		}
		if err != nil {
			return nil, fmt.Errorf("restart all: zookeeper: %w", err)
		}
		storeAt = time.Since(start)
	}
	if err := provision.Parallel(len(nodes), func(i int) error { return c.startFn(nodes[i])(ctx) }); err != nil {
		return nil, fmt.Errorf("restart all: start nodes: %w", err)
	}
	// Watched only now: until started again, the nodes are exited on purpose.
	wctx, stopWatch := c.watchExits(ctx)
	defer stopWatch()
	phases, err := ready.Wait(wctx, start, ready.HTTPPoller(c.statusAddrs()), nil)
	if storeAt > 0 {
		phases = ready.WithStorePhase(phases, storeAt)
	}
	return phases, err
}
