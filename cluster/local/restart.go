package local

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/ready"
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
	parallel(len(brokers), func(i int) error { brokers[i].stop(30 * time.Second); return nil })
	parallel(len(controllers), func(i int) error { controllers[i].stop(30 * time.Second); return nil })
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
		if err := parallel(c.zk.Size(), func(i int) error { return c.zk.Restart(ctx, i) }); err != nil {
			return nil, err
		}
		storeAt = time.Since(start)
	}
	if err := parallel(len(procs), func(i int) error { return procs[i].start(ctx) }); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, c.o.ReadyTimeout)
	defer cancel()
	phases, err := ready.Wait(rctx, start, ready.HTTPPoller(c.statusAddrs()), nil)
	if c.zk != nil {
		phases = append([]cluster.Phase{{Name: ready.PhaseStoreReady, After: storeAt}}, dropPhase(phases, ready.PhaseStoreReady)...)
	}
	return phases, err
}

// parallel runs f(0..n-1) concurrently and joins their errors.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f(i) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}
