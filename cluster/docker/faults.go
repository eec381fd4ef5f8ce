package docker

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// stopTimeout is how long a graceful stop waits before SIGKILL: kbnode
// itself gives up shutting down after 30 s.
const stopTimeout = 35

// Fault injects f on a kbnode container and returns its window: Start just
// before the injection, End when Undo returns (or, for restart, when the node
// is running again). Undo may be called more than once; it acts once.
func (c *dockerCluster) Fault(ctx context.Context, f cluster.Fault) (*cluster.FaultRecord, error) {
	var name string
	if f.Store {
		if err := c.CanFaultStore(f.Kind); err != nil {
			return nil, err
		}
		if !slices.Contains(c.plan.ZooKeepers, int(f.Node)) {
			return nil, fmt.Errorf("fault %s: no ZooKeeper server %d in cluster %q (servers %v)", f.Kind, f.Node, c.spec.Name, c.plan.ZooKeepers)
		}
		name = c.names.zk(int(f.Node))
	} else {
		if err := c.CanFault(f.Kind); err != nil {
			return nil, err
		}
		n, ok := c.res.byID[f.Node]
		if !ok {
			return nil, fmt.Errorf("fault %s: no node %d in cluster %q", f.Kind, f.Node, c.spec.Name)
		}
		name = c.res.container(n.ID)
	}
	rec := &cluster.FaultRecord{Fault: f, Start: time.Now()}
	var err error
	var undo func(context.Context) error
	switch f.Kind {
	case cluster.FaultKill:
		err = c.kill(ctx, name)
		undo, rec.Details = c.startFn(name), "SIGKILL; undo starts the container"
	case cluster.FaultStop:
		_, err = c.cli.ContainerStop(ctx, name, client.ContainerStopOptions{Signal: "SIGTERM", Timeout: ptr(stopTimeout)})
		undo, rec.Details = c.startFn(name), "SIGTERM and wait; undo starts the container"
	case cluster.FaultPause:
		_, err = c.cli.ContainerPause(ctx, name, client.ContainerPauseOptions{})
		undo = func(ctx context.Context) error {
			_, err := c.cli.ContainerUnpause(ctx, name, client.ContainerUnpauseOptions{})
			return err
		}
		rec.Details = "docker pause (cgroup freezer); undo unpauses"
	case cluster.FaultPartition:
		_, err = c.cli.NetworkDisconnect(ctx, c.names.peerNet(), client.NetworkDisconnectOptions{Container: name})
		undo, rec.Details = c.reconnectFn(name), "disconnected from "+c.names.peerNet()+"; the host still reaches it; undo reconnects"
	case cluster.FaultRestart:
		_, err = c.cli.ContainerRestart(ctx, name, client.ContainerRestartOptions{Timeout: ptr(stopTimeout)})
		rec.End, rec.Details = time.Now(), "SIGTERM, wait, start"
	default: // a kind CanFault let through that this switch has no case for
		return nil, fmt.Errorf("%w: the docker provider has no %s fault", cluster.ErrFaultUnsupported, f.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("fault %s on %s: %w", f.Kind, name, err)
	}
	if undo != nil {
		rec.Undo = once(rec, fmt.Sprintf("undo %s on %s", f.Kind, name), undo)
	}
	return rec, nil
}

var _ cluster.FaultChecker = (*dockerCluster)(nil)

// CanFault accepts every kind: each node has its own container, and a peer
// network to be cut from.
func (c *dockerCluster) CanFault(kind cluster.FaultKind) error {
	_, err := cluster.ParseFaultKind(string(kind))
	return err
}

var _ cluster.StoreFaultChecker = (*dockerCluster)(nil)

// CanFaultStore accepts every kind on a ZooKeeper server of a ZooKeeper-mode
// cluster: each server has its own container on the peer network, which is
// also where brokers reach it, so a partitioned server is cut from its
// peers and from the brokers alike.
func (c *dockerCluster) CanFaultStore(kind cluster.FaultKind) error {
	if _, err := cluster.ParseFaultKind(string(kind)); err != nil {
		return err
	}
	if len(c.plan.ZooKeepers) == 0 {
		return fmt.Errorf("%w: cluster %q has no ZooKeeper ensemble", cluster.ErrFaultUnsupported, c.spec.Name)
	}
	return nil
}

// kill sends SIGKILL and waits until the container is no longer running, so
// the window starts with the node really gone.
func (c *dockerCluster) kill(ctx context.Context, name string) error {
	wait := c.cli.ContainerWait(ctx, name, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	if _, err := c.cli.ContainerKill(ctx, name, client.ContainerKillOptions{Signal: "SIGKILL"}); err != nil {
		return err
	}
	select {
	case <-wait.Result:
		return nil
	case err := <-wait.Error:
		return err
	}
}

func (c *dockerCluster) startFn(name string) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := c.cli.ContainerStart(ctx, name, client.ContainerStartOptions{})
		return err
	}
}

// reconnectFn joins the peer network again with the peer alias: a
// reconnected endpoint gets only the aliases given here, and peers find the
// node by that alias.
func (c *dockerCluster) reconnectFn(name string) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := c.cli.NetworkConnect(ctx, c.names.peerNet(), client.NetworkConnectOptions{
			Container: name, EndpointConfig: &network.EndpointSettings{Aliases: []string{alias(name)}}})
		return err
	}
}

// once wraps undo so that it acts once and sets the record's End.
func once(rec *cluster.FaultRecord, what string, undo func(context.Context) error) func(context.Context) error {
	var mu sync.Mutex
	done := false
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return nil
		}
		if err := undo(ctx); err != nil {
			return fmt.Errorf("%s: %w", what, err) // not done: may be retried
		}
		done, rec.End = true, time.Now()
		return nil
	}
}

func ptr[T any](v T) *T { return &v }
