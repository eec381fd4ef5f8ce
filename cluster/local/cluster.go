package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/layout"
	"github.com/kraftbench/kraftbench/cluster/ready"
	"github.com/kraftbench/kraftbench/internal/provision"
	"github.com/kraftbench/kraftbench/internal/zkensemble"
)

// localCluster is a running local cluster.
type localCluster struct {
	spec      cluster.Spec
	plan      layout.Plan
	dir       string
	removeDir string // what Stop removes: dir, or its temporary parent
	bin       string
	o         Options
	res       *resolver
	start     time.Time
	clusterID string // the ZooKeeper cluster's id, once a migration needs it (migrate.go)

	zk           *zkensemble.Ensemble
	storeReadyAt time.Duration
	phases       []cluster.Phase

	mu      sync.Mutex
	procs   map[int32]*proc
	stopped bool
}

var _ cluster.Cluster = (*localCluster)(nil)

func (c *localCluster) Spec() cluster.Spec { return c.spec }

// Bootstrap returns the EXTERNAL listener of every broker.
func (c *localCluster) Bootstrap() []string {
	c.mu.Lock() // a migration adds and removes nodes while workloads ask
	defer c.mu.Unlock()
	var out []string
	for _, n := range c.plan.Brokers() {
		out = append(out, c.res.Advertise(n.ID, layout.External))
	}
	return out
}

// Nodes lists the kbnode nodes, then the ZooKeeper servers.
func (c *localCluster) Nodes() []cluster.NodeInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []cluster.NodeInfo
	for _, n := range c.plan.Nodes {
		addr := c.res.Advertise(n.ID, layout.External)
		if !n.IsBroker() {
			addr = c.res.Advertise(n.ID, layout.Controller)
		}
		out = append(out, cluster.NodeInfo{ID: n.ID, Roles: n.Roles, Kind: "node", Addr: addr, StatusAddr: c.res.Status(n.ID)})
	}
	if c.zk != nil {
		for i, a := range c.zk.Addrs() {
			out = append(out, cluster.NodeInfo{ID: int32(i + 1), Kind: "zookeeper", Addr: a})
		}
	}
	return out
}

// Phases returns the start-up phases measured while the cluster started.
func (c *localCluster) Phases() []cluster.Phase {
	out := append([]cluster.Phase(nil), c.phases...)
	if c.zk != nil {
		out = ready.WithStorePhase(out, c.storeReadyAt)
	}
	return out
}

func (c *localCluster) statusAddrs() map[int32]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := map[int32]string{}
	for _, n := range c.plan.Nodes {
		m[n.ID] = c.res.Status(n.ID)
	}
	return m
}

// Status asks node id for its status over its HTTP endpoint.
func (c *localCluster) Status(ctx context.Context, id int32) (cluster.Status, error) {
	c.mu.Lock()
	_, ok := c.res.status[id]
	addr := c.res.Status(id)
	c.mu.Unlock()
	if !ok {
		return cluster.Status{}, fmt.Errorf("no node %d in cluster %s", id, c.spec.Name)
	}
	return ready.FetchStatus(ctx, addr)
}

func (c *localCluster) proc(id int32) (*proc, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil, fmt.Errorf("cluster %s is stopped", c.spec.Name)
	}
	p, ok := c.procs[id]
	if !ok {
		return nil, fmt.Errorf("no node %d in cluster %s (nodes: %v)", id, c.spec.Name, c.nodeIDs())
	}
	return p, nil
}

func (c *localCluster) nodeIDs() []int32 {
	var ids []int32
	for _, n := range c.plan.Nodes {
		ids = append(ids, n.ID)
	}
	return ids
}

var _ cluster.FaultChecker = (*localCluster)(nil)

// CanFault refuses a network partition: every process shares the host's
// loopback, so none can be cut off from its peers alone.
func (c *localCluster) CanFault(kind cluster.FaultKind) error {
	if _, err := cluster.ParseFaultKind(string(kind)); err != nil {
		return err
	}
	if kind == cluster.FaultPartition {
		return fmt.Errorf("%w: the local provider cannot partition a node, every process shares the host's loopback (use the docker provider)", cluster.ErrFaultUnsupported)
	}
	return nil
}

// Fault injects f on a node process.
func (c *localCluster) Fault(ctx context.Context, f cluster.Fault) (*cluster.FaultRecord, error) {
	if f.Store {
		return c.storeFault(ctx, f)
	}
	if err := c.CanFault(f.Kind); err != nil {
		return nil, err
	}
	p, err := c.proc(f.Node)
	if err != nil {
		return nil, err
	}
	rec := &cluster.FaultRecord{Fault: f, Start: time.Now()}
	restart := func(ctx context.Context) error {
		if p.running() {
			return fmt.Errorf("node %d is still running", f.Node)
		}
		err := p.start(ctx)
		rec.End = time.Now()
		return err
	}
	switch f.Kind {
	case cluster.FaultKill:
		rec.Details = fmt.Sprintf("SIGKILL to process group %d", p.pid())
		if err := p.signal(syscall.SIGKILL); err != nil {
			return nil, err
		}
		p.wait(10 * time.Second)
		rec.Undo = restart
	case cluster.FaultStop:
		rec.Details = fmt.Sprintf("SIGTERM to process group %d", p.pid())
		p.stop(30 * time.Second)
		rec.Undo = restart
	case cluster.FaultPause:
		rec.Details = fmt.Sprintf("SIGSTOP to process group %d", p.pid())
		if err := p.signal(syscall.SIGSTOP); err != nil {
			return nil, err
		}
		if !p.waitState('T', 2*time.Second) {
			return nil, fmt.Errorf("node %d did not stop after SIGSTOP", f.Node)
		}
		rec.Undo = func(context.Context) error {
			err := p.signal(syscall.SIGCONT)
			rec.End = time.Now()
			return err
		}
	case cluster.FaultRestart:
		p.stop(30 * time.Second)
		if err := p.start(ctx); err != nil {
			return nil, fmt.Errorf("restart node %d: %w", f.Node, err)
		}
		rec.End = time.Now()
	default: // a kind CanFault let through that this switch has no case for
		return nil, fmt.Errorf("%w: the local provider has no %s fault", cluster.ErrFaultUnsupported, f.Kind)
	}
	return rec, nil
}

var _ cluster.StoreFaultChecker = (*localCluster)(nil)

// CanFaultStore accepts kill, stop and pause of a ZooKeeper server in
// ZooKeeper mode; a partition needs a network of its own, and a restart is
// never asked of the store.
func (c *localCluster) CanFaultStore(kind cluster.FaultKind) error {
	if _, err := cluster.ParseFaultKind(string(kind)); err != nil {
		return err
	}
	switch {
	case c.zk == nil:
		return fmt.Errorf("%w: cluster %s has no ZooKeeper ensemble", cluster.ErrFaultUnsupported, c.spec.Name)
	case kind == cluster.FaultPartition:
		return fmt.Errorf("%w: the local provider cannot partition a ZooKeeper server, every process shares the host's loopback (use the docker provider)", cluster.ErrFaultUnsupported)
	case kind == cluster.FaultRestart:
		return fmt.Errorf("%w: the local provider does not restart a ZooKeeper server as one fault (kill or stop it, then undo)", cluster.ErrFaultUnsupported)
	}
	return nil
}

// storeFault injects f on ZooKeeper server f.Node (its myid). Undoing a kill
// or stop starts the server's process again and returns without waiting for
// the ensemble, as the docker provider's undo starts a container: when
// faults overlap, a peer may still be paused and there is no quorum to wait
// for until it is resumed too. Whether the cluster recovered is the
// workload's to measure.
func (c *localCluster) storeFault(ctx context.Context, f cluster.Fault) (*cluster.FaultRecord, error) {
	if err := c.CanFaultStore(f.Kind); err != nil {
		return nil, err
	}
	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return nil, fmt.Errorf("cluster %s is stopped", c.spec.Name)
	}
	i := int(f.Node) - 1
	if i < 0 || i >= c.zk.Size() {
		return nil, fmt.Errorf("fault %s: no ZooKeeper server %d in cluster %s (servers 1..%d)", f.Kind, f.Node, c.spec.Name, c.zk.Size())
	}
	rec := &cluster.FaultRecord{Fault: f, Start: time.Now()}
	var err error
	var undo func(context.Context) error
	restart := func(context.Context) error { return c.zk.Launch(i) }
	switch f.Kind {
	case cluster.FaultKill:
		err, undo, rec.Details = c.zk.Kill(i), restart, "SIGKILL to the ZooKeeper server's process group; undo starts it again"
	case cluster.FaultStop:
		err, undo, rec.Details = c.zk.Terminate(i), restart, "SIGTERM to the ZooKeeper server's process group; undo starts it again"
	case cluster.FaultPause:
		err, rec.Details = c.zk.Pause(i), "SIGSTOP to the ZooKeeper server's process group; undo resumes it"
		undo = func(context.Context) error { return c.zk.Resume(i) }
	}
	if err != nil {
		return nil, fmt.Errorf("fault %s on ZooKeeper server %d: %w", f.Kind, f.Node, err)
	}
	var once sync.Once
	var undoErr error
	rec.Undo = func(ctx context.Context) error {
		once.Do(func() {
			undoErr = undo(ctx)
			rec.End = time.Now()
		})
		return undoErr
	}
	return rec, nil
}

// Stop stops every node (SIGTERM, then SIGKILL), the ZooKeeper ensemble, and
// removes the run directory unless KeepFiles is set.
func (c *localCluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return nil
	}
	c.stopped = true
	// Brokers first, then controllers: a KRaft broker's clean stop is a
	// controlled shutdown, which needs an active controller to answer it.
	var brokers, controllers []*proc
	for _, n := range c.plan.Nodes {
		if n.IsController() {
			controllers = append(controllers, c.procs[n.ID])
		} else {
			brokers = append(brokers, c.procs[n.ID])
		}
	}
	c.mu.Unlock()
	for _, group := range [][]*proc{brokers, controllers} {
		provision.Parallel(len(group), func(i int) error { group[i].stop(15 * time.Second); return nil })
	}
	var errs []error
	if c.zk != nil {
		if err := c.zk.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop zookeeper: %w", err))
		}
	}
	if !c.o.KeepFiles {
		if err := os.RemoveAll(c.removeDir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
