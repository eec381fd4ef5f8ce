package external

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/ready"
)

// extCluster is a borrowed cluster, connected and checked.
type extCluster struct {
	f       *File
	log     *slog.Logger
	spec    cluster.Spec
	mode    cluster.Mode
	modeHow string // how the mode was known, for notes and errors
	boot    *kgo.Client
	nodes   []cluster.NodeInfo
	direct  map[int32]*kgo.Client // a client of each node with an address
	zk      *zk.Conn
	zkRoot  string
	prefix  string

	mu        sync.Mutex
	requested map[string]bool               // every topic the run asked to create
	creating  sync.WaitGroup                // creates outstanding
	undos     map[*cluster.FaultRecord]bool // faults in place, not yet undone
	stopped   bool
	stopErr   error
}

var (
	_ cluster.Cluster      = (*extCluster)(nil)
	_ cluster.FaultChecker = (*extCluster)(nil)
	_ cluster.NeedChecker  = (*extCluster)(nil)
	_ cluster.TopicScope   = (*extCluster)(nil)
	_ cluster.Restarter    = (*extCluster)(nil)
	_ cluster.RunNoter     = (*extCluster)(nil)
)

func (c *extCluster) Spec() cluster.Spec { return c.spec }

// Bootstrap returns the file's bootstrap servers.
func (c *extCluster) Bootstrap() []string { return slices.Clone(c.f.Bootstrap) }

// Nodes returns the file's nodes, or those the cluster named at Start.
func (c *extCluster) Nodes() []cluster.NodeInfo { return slices.Clone(c.nodes) }

func (c *extCluster) node(id int32) (cluster.NodeInfo, bool) {
	for _, n := range c.nodes {
		if n.ID == id {
			return n, true
		}
	}
	return cluster.NodeInfo{}, false
}

// RunNotes says where the run's mode came from and what the results cannot
// know of a cluster kraftbench did not start.
func (c *extCluster) RunNotes() []string {
	notes := []string{fmt.Sprintf("external cluster %s: mode %s (%s); topics named %s-*, deleted at the end", c.f.name(), c.mode, c.modeHow, c.prefix)}
	if c.f.KafkaVersion == "" {
		notes = append(notes, "external cluster: Kafka version unknown (kafka_version not set in the cluster file)")
	} else {
		notes = append(notes, "external cluster: Kafka version "+c.f.KafkaVersion+" as the cluster file states it")
	}
	notes = append(notes, "external cluster: the timeouts recorded are Kafka's defaults, not read from the cluster")
	return notes
}

// CanFault refuses a kind some node has no command for, naming the missing
// keys, and every kind in ZooKeeper mode without zookeeper.connect (no
// controller epoch to tell a new controller by).
func (c *extCluster) CanFault(kind cluster.FaultKind) error {
	if _, err := cluster.ParseFaultKind(string(kind)); err != nil {
		return err
	}
	if c.mode == cluster.ModeZK && c.zk == nil {
		return fmt.Errorf("%w: ZooKeeper mode without zookeeper.connect in the cluster file: the controller and its epoch cannot be read, so a new controller cannot be told", cluster.ErrFaultUnsupported)
	}
	var ids []int32
	for _, n := range c.nodes {
		ids = append(ids, n.ID)
	}
	if len(c.f.Nodes) == 0 {
		return fmt.Errorf("%w: the cluster file lists no nodes, so gives no fault commands (nodes[].faults.%s)", cluster.ErrFaultUnsupported, faultKeys[kind].do[0])
	}
	if m := c.f.missingFault(kind, ids); len(m) > 0 {
		return fmt.Errorf("%w: the cluster file gives no %s", cluster.ErrFaultUnsupported, strings.Join(m, ", "))
	}
	return nil
}

// CanMeet: no store floor and no migration on a borrowed cluster; a cold
// start only where every node has stop and start commands.
func (c *extCluster) CanMeet(n cluster.Need) error { return c.f.canMeet(n, c.mode, c.zk != nil) }

// CanMeet says, before a run, whether the file's cluster can meet n (the
// mode as the file states it; a detected one is checked at start).
func (f *File) CanMeet(n cluster.Need) error {
	return f.canMeet(n, cluster.Mode(f.Mode), f.ZooKeeperConnect != "")
}

func (f *File) canMeet(n cluster.Need, mode cluster.Mode, zk bool) error {
	switch n {
	case cluster.NeedStoreFloor:
		return cluster.Unavailable(n, "an external cluster's metadata store is not kraftbench's to write to or time from inside")
	case cluster.NeedMigration:
		return cluster.Unavailable(n, "an external cluster's processes are not kraftbench's to start and reconfigure")
	case cluster.NeedColdStart:
		if mode == cluster.ModeZK && !zk {
			return cluster.Unavailable(n, "ZooKeeper mode without zookeeper.connect in the cluster file: readiness needs the active controller, read from /controller")
		}
		if len(f.Nodes) == 0 {
			return cluster.Unavailable(n, "the cluster file lists no nodes, so gives no stop and start commands")
		}
		if m := f.missingFault(cluster.FaultRestart, f.kafkaNodeIDs()); len(m) > 0 {
			return cluster.Unavailable(n, "the cluster file gives no %s", strings.Join(m, ", "))
		}
	}
	return nil
}

// Fault runs the node's command for f.Kind; the record's Undo runs its undo
// command. A command that fails is an error carrying its output, after its
// undo was tried (the fault may have half happened); the error says whether
// the undo worked.
func (c *extCluster) Fault(ctx context.Context, f cluster.Fault) (*cluster.FaultRecord, error) {
	if f.Store {
		return nil, fmt.Errorf("%w: a cluster file gives no commands for its ZooKeeper servers", cluster.ErrFaultUnsupported)
	}
	if _, ok := c.node(f.Node); !ok {
		return nil, fmt.Errorf("no node %d in cluster %s", f.Node, c.f.name())
	}
	do, undo, err := c.f.faultCommands(f.Kind, f.Node)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return nil, fmt.Errorf("cluster %s is stopped", c.f.name())
	}
	rec := &cluster.FaultRecord{Fault: f, Start: time.Now()}
	var details []string
	for _, cmd := range do {
		details = append(details, cmd.Key)
		if _, err := cmd.run(ctx); err != nil {
			if undo != nil {
				if _, uerr := undo.run(context.WithoutCancel(ctx)); uerr != nil {
					return nil, fmt.Errorf("%w; its undo failed too, run it by hand: %v", err, uerr)
				}
				return nil, fmt.Errorf("%w (its undo %s ran)", err, undo.Key)
			}
			return nil, err
		}
	}
	rec.Details = "ran " + strings.Join(details, ", ")
	if f.Kind == cluster.FaultRestart {
		rec.End = time.Now()
		return rec, nil
	}
	var once sync.Once
	var undoErr error
	rec.Undo = func(ctx context.Context) error {
		once.Do(func() {
			_, undoErr = undo.run(ctx)
			rec.End = time.Now()
			c.mu.Lock()
			delete(c.undos, rec)
			c.mu.Unlock()
		})
		return undoErr
	}
	c.mu.Lock()
	if c.undos == nil {
		c.undos = map[*cluster.FaultRecord]bool{}
	}
	c.undos[rec] = true
	c.mu.Unlock()
	return rec, nil
}

// RestartAll stops every node with its stop command (brokers first: a KRaft
// broker's clean stop needs an active controller), starts them all with
// their start commands (controllers first), and waits until the cluster is
// ready, as the local provider's readiness says it (a controller active,
// every broker registered and unfenced, one digest), asked over the Kafka
// protocol. Phases are timed from the first start command.
func (c *extCluster) RestartAll(ctx context.Context) ([]cluster.Phase, error) {
	if err := c.CanMeet(cluster.NeedColdStart); err != nil {
		return nil, err
	}
	isCtl := func(n cluster.NodeInfo) bool { return slices.Contains(n.Roles, cluster.RoleController) }
	var brokersFirst []cluster.NodeInfo
	for _, first := range []bool{false, true} {
		for _, n := range c.nodes {
			if isCtl(n) == first {
				brokersFirst = append(brokersFirst, n)
			}
		}
	}
	for _, n := range brokersFirst {
		cmd, _ := c.f.command(c.f.nodeIndex(n.ID), "stop")
		if _, err := cmd.run(ctx); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	for _, n := range slices.Backward(brokersFirst) {
		cmd, _ := c.f.command(c.f.nodeIndex(n.ID), "start")
		if _, err := cmd.run(ctx); err != nil {
			return nil, err
		}
	}
	return ready.Wait(ctx, start, c.poller(), nil)
}

// poller asks every node's Status, for readiness.
func (c *extCluster) poller() ready.Poller {
	return func(ctx context.Context) ready.Check {
		ch := ready.Check{Statuses: map[int32]cluster.Status{}, Errs: map[int32]error{}}
		for _, n := range c.nodes {
			sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			st, err := c.Status(sctx, n.ID)
			cancel()
			if err != nil {
				ch.Errs[n.ID] = err
			} else {
				ch.Statuses[n.ID] = st
			}
		}
		if len(ch.Errs) == 0 {
			ch.Errs = nil
		}
		return ch
	}
}

// Stop undoes every fault still in place, deletes the topics the run
// created (see removeTopics) and closes the connections. It stops no
// process: the cluster is not kraftbench's.
func (c *extCluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return c.stopErr
	}
	c.stopped = true
	var undos []*cluster.FaultRecord
	for r := range c.undos {
		undos = append(undos, r)
	}
	c.mu.Unlock()
	var errs []error
	for _, r := range undos {
		if err := r.Undo(ctx); err != nil {
			errs = append(errs, fmt.Errorf("undo %s of node %d: %w", r.Fault.Kind, r.Fault.Node, err))
		}
	}
	errs = append(errs, c.removeTopics(ctx))
	c.close()
	c.mu.Lock()
	c.stopErr = errors.Join(errs...)
	c.mu.Unlock()
	return c.stopErr
}

// close releases the connections.
func (c *extCluster) close() {
	if c.boot != nil {
		c.boot.Close()
	}
	for _, cl := range c.direct {
		cl.Close()
	}
	if c.zk != nil {
		c.zk.Close()
	}
}
