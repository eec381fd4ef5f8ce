package docker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/layout"
	"github.com/kraftbench/kraftbench/cluster/ready"
	"github.com/kraftbench/kraftbench/internal/provision"
)

// dockerCluster is a started cluster: a run's containers, volumes and
// networks, all labelled kraftbench.run=<name>.
type dockerCluster struct {
	spec   cluster.Spec
	plan   layout.Plan
	images cluster.Images
	cli    *testcontainers.DockerClient
	log    *slog.Logger
	names  names
	res    *resolver
	start  time.Time
	phases []cluster.Phase

	stopMu sync.Mutex
}

var _ cluster.Cluster = (*dockerCluster)(nil)

// boot creates the networks, starts ZooKeeper and waits for its quorum (ZK
// mode) or formats every node's volume (KRaft mode), starts every node and
// waits for readiness. A container that exits meanwhile fails the start at
// once, with its last log lines.
func (c *dockerCluster) boot(ctx context.Context, readyTimeout time.Duration) error {
	r, err := newResolver(c.spec.Name, c.plan)
	if err != nil {
		return err
	}
	c.res = r
	if err := createNetworks(ctx, c.cli, c.names); err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	wctx, stopWatch := c.watchExits(rctx)
	defer stopWatch()
	var storeAt time.Duration
	if c.spec.Mode == cluster.ModeZK {
		if storeAt, err = c.startZooKeeper(wctx); err != nil {
			return err
		}
	} else if err := c.format(wctx); err != nil {
		return err
	}
	var specs []spec
	for _, n := range c.plan.Nodes {
		specs = append(specs, nodeSpec(c.images.Node, r, n, layout.Properties(c.spec, c.plan, n, r)))
	}
	if err := c.startAll(wctx, specs); err != nil {
		return err
	}
	phases, err := ready.Wait(wctx, c.start, ready.HTTPPoller(c.statusAddrs()), nil)
	if storeAt > 0 {
		phases = ready.WithStorePhase(phases, storeAt)
	}
	c.phases = phases
	var exited *exitedError
	if err != nil && !errors.As(context.Cause(wctx), &exited) {
		return fmt.Errorf("%w\n%s", err, c.logsOfAll(context.WithoutCancel(ctx)))
	}
	return err
}

// startZooKeeper starts the ensemble and waits for its quorum, returning
// when it was reached.
func (c *dockerCluster) startZooKeeper(ctx context.Context) (time.Duration, error) {
	var specs []spec
	for _, id := range c.plan.ZooKeepers {
		specs = append(specs, zkSpec(c.images.ZooKeeper, c.res, id, c.spec.ZKHeapMB))
	}
	if err := c.startAll(ctx, specs); err != nil {
		return 0, fmt.Errorf("zookeeper: %w", err)
	}
	if err := c.awaitQuorum(ctx); err != nil {
		return 0, err
	}
	return time.Since(c.start), nil
}

// awaitQuorum waits until every ZooKeeper server answers srvr and one leads
// (or the one server runs standalone); on timeout the error carries the
// servers' last log lines.
func (c *dockerCluster) awaitQuorum(ctx context.Context) error {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		err := zkQuorum(ctx, c.res)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			var logs string
			for _, id := range c.plan.ZooKeepers {
				name := c.names.zk(id)
				logs += fmt.Sprintf("--- %s\n%s\n", name, logsTail(context.WithoutCancel(ctx), c.cli, name, 15))
			}
			return fmt.Errorf("zookeeper quorum: %w: %w\n%s", err, context.Cause(ctx), logs)
		case <-tick.C:
		}
	}
}

// startAll creates a volume for each container and starts them all
// concurrently, reporting every failure.
func (c *dockerCluster) startAll(ctx context.Context, specs []spec) error {
	return provision.Parallel(len(specs), func(i int) error {
		s := specs[i]
		if err := createVolume(ctx, c.cli, c.names, s.name); err != nil {
			return err
		}
		if _, err := testcontainers.GenericContainer(ctx, s.request(c.names, c.log)); err != nil {
			return fmt.Errorf("start %s: %w\n%s", s.name, err, logsTail(context.WithoutCancel(ctx), c.cli, s.name, 20))
		}
		return nil
	})
}

// watchExits cancels the returned context, with the reason, when one of the
// run's containers exits: one of only, or any when only is empty (a format
// container's exit is expected and is labelled as such).
func (c *dockerCluster) watchExits(ctx context.Context, only ...string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			list, err := c.cli.ContainerList(ctx, client.ContainerListOptions{All: true,
				Filters: client.Filters{}.Add("label", LabelRun+"="+c.spec.Name).Add("status", "exited", "dead")})
			if err != nil {
				continue
			}
			for _, ct := range list.Items {
				name := trimSlash(ct.Names)
				if ct.Labels[labelOneShot] != "" || len(only) > 0 && !slices.Contains(only, name) {
					continue
				}
				cancel(&exitedError{name: name, status: ct.Status, logs: logsTail(context.Background(), c.cli, name, 30)})
				return
			}
		}
	}()
	return ctx, func() { close(done); cancel(nil) }
}

// exitedError says which container exited during start, with its output.
type exitedError struct{ name, status, logs string }

func (e *exitedError) Error() string {
	return fmt.Sprintf("container %s exited (%s):\n%s", e.name, e.status, e.logs)
}

func trimSlash(names []string) string {
	if len(names) == 0 {
		return "?"
	}
	n := names[0]
	if len(n) > 0 && n[0] == '/' {
		n = n[1:]
	}
	return n
}

// logsOfAll is the last lines of every node container, for a start that
// timed out.
func (c *dockerCluster) logsOfAll(ctx context.Context) string {
	var out string
	for _, n := range c.plan.Nodes {
		name := c.res.container(n.ID)
		out += fmt.Sprintf("--- %s\n%s\n", name, logsTail(ctx, c.cli, name, 10))
	}
	return out
}

func (c *dockerCluster) statusAddrs() map[int32]string {
	m := map[int32]string{}
	for _, n := range c.plan.Nodes {
		m[n.ID] = c.res.hostStatus(n.ID)
	}
	return m
}

// Spec returns the spec the cluster was started from.
func (c *dockerCluster) Spec() cluster.Spec { return c.spec }

// Phases returns how long each start-up phase took.
func (c *dockerCluster) Phases() []cluster.Phase { return c.phases }

// Bootstrap returns every broker's EXTERNAL address on 127.0.0.1.
func (c *dockerCluster) Bootstrap() []string {
	var out []string
	for _, n := range c.plan.Brokers() {
		out = append(out, c.res.hostAddr(n))
	}
	return out
}

// Nodes returns the kbnode containers, then the ZooKeeper servers.
func (c *dockerCluster) Nodes() []cluster.NodeInfo {
	var out []cluster.NodeInfo
	for _, n := range c.plan.Nodes {
		out = append(out, cluster.NodeInfo{ID: n.ID, Roles: n.Roles, Kind: "node",
			Addr: c.res.hostAddr(n), StatusAddr: c.res.hostStatus(n.ID)})
	}
	for _, id := range c.plan.ZooKeepers {
		out = append(out, cluster.NodeInfo{ID: int32(id), Kind: "zookeeper",
			Addr: fmt.Sprintf("%s:%d", loopback, c.res.zkClient[id])})
	}
	return out
}

// Status asks node id's status endpoint.
func (c *dockerCluster) Status(ctx context.Context, id int32) (cluster.Status, error) {
	if _, ok := c.res.byID[id]; !ok {
		return cluster.Status{}, fmt.Errorf("no node %d in cluster %q", id, c.spec.Name)
	}
	return ready.FetchStatus(ctx, c.res.hostStatus(id))
}

// Stop removes every container, volume and network of the run. It may be
// called more than once; each call sweeps again.
func (c *dockerCluster) Stop(ctx context.Context) error {
	c.stopMu.Lock()
	defer c.stopMu.Unlock()
	_, err := removeRun(ctx, c.cli, c.spec.Name)
	c.cli.Close() // closes idle connections only; the client stays usable
	return err
}
