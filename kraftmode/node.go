package kraftmode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/cluster/replicalog"
)

// Node is one KRaft process: a controller, a broker, or both (combined).
type Node struct {
	cfg       Config
	log       *slog.Logger
	clusterID string

	// Controller role (nil otherwise).
	srv    *front.Server
	ownSrv bool // made by Start, so closed by Close
	fsm    *fsm
	q      *quorum
	ctrl   *controller
	// Broker role (nil otherwise).
	brk *broker

	hint      *leaderHint
	cli       *ctrlClient // forwards writes and DescribeQuorum
	snapCache snapshotCache
	digest    digestCache
	pick      *controllerPicker // the controller id told to clients (controllerid.go)

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

var (
	_ cluster.Controller      = (*Node)(nil)
	_ cluster.QuorumDescriber = (*Node)(nil)
)

// Start starts a node. cfg is completed with Kafka's defaults and validated;
// cfg.MetadataLogDir must have been prepared by Format.
//
// A node with the controller role listens on its controller address (or
// takes cfg.ControllerListener; Raft and the Kafka protocol share the port)
// and serves srv there: Start registers the controller APIs on srv
// (BrokerRegistration, BrokerHeartbeat, Fetch and FetchSnapshot of
// __cluster_metadata, CreateTopics, DeleteTopics, DescribeQuorum). srv stays
// the caller's: Close stops serving the controller listener and drops its
// connections but does not close srv. With srv nil, Start makes a server of
// its own and Close closes it. Broker-only nodes take no server (pass nil).
// The client-facing listener of a broker is the caller's: serve it with
// front.RegisterKafkaAPIs(server, node). The two may share one server: the
// Kafka APIs registered after Start then answer CreateTopics, DeleteTopics
// and DescribeQuorum on both listeners, which works, because the node
// forwards writes a standby receives.
//
// ctx bounds start-up only; the node runs until Close.
func Start(ctx context.Context, cfg Config, srv *front.Server) (*Node, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("kraft node config: %w", err)
	}
	clusterID, err := checkFormatted(cfg.MetadataLogDir, cfg.NodeID)
	if err != nil {
		return nil, fmt.Errorf("start node %d: %w", cfg.NodeID, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("node", cfg.NodeID)
	cfg.Logger = log
	n := &Node{cfg: cfg, log: log, clusterID: clusterID, hint: newLeaderHint()}
	n.pick = newControllerPicker(cfg.Seed, cfg.NodeID)
	runCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	// A broker-only node keeps replica logs (a combined node's broker half
	// reads the controller's image and keeps none: docs/fidelity.md).
	var logs *replicalog.Dir
	if cfg.HasRole(cluster.RoleBroker) && !cfg.HasRole(cluster.RoleController) && cfg.LogDir != "" && !cfg.ReplicaLogsDisabled {
		if logs, err = replicalog.Open(cfg.LogDir, replicalog.Options{}); err != nil {
			cancel()
			return nil, fmt.Errorf("start node %d: %w", cfg.NodeID, err)
		}
	}
	var local func() int32
	if cfg.HasRole(cluster.RoleController) {
		if err := n.startController(runCtx, srv); err != nil {
			cancel()
			return nil, err
		}
		local = func() int32 { id, _ := n.q.leader(); return id }
	}
	n.cli = newCtrlClient(&n.cfg, "kraftbench-forward-"+strconv.Itoa(int(cfg.NodeID)), n.hint, local)
	if cfg.HasRole(cluster.RoleBroker) {
		var localImage func() *cluster.Image
		if n.fsm != nil {
			localImage = n.fsm.Image
		}
		n.brk = newBroker(&n.cfg, clusterID, n.hint, local, localImage)
		n.brk.logs = logs
		if n.fsm != nil {
			n.brk.commits = n.fsm.waitCh
		}
		n.brk.start(runCtx)
	}
	log.Info("kraft node started", "roles", cfg.Roles, "cluster_id", clusterID)
	return n, nil
}

func (n *Node) startController(ctx context.Context, srv *front.Server) error {
	n.fsm = newFSM(n.clusterID, n.log)
	q, err := openQuorum(&n.cfg, n.fsm)
	if err != nil {
		return fmt.Errorf("start controller %d: %w", n.cfg.NodeID, err)
	}
	n.q = q
	n.ctrl = newController(&n.cfg, q, n.fsm)
	if srv == nil {
		srv, n.ownSrv = front.NewServer(front.Options{Logger: n.log}), true
	}
	n.srv = srv
	n.registerControllerAPIs(srv)
	n.wg.Add(3)
	go func() {
		defer n.wg.Done()
		if err := srv.Serve(q.mux.kafkaLn); err != nil {
			n.log.Debug("controller listener stopped", "err", err)
		}
	}()
	go func() { defer n.wg.Done(); n.ctrl.run(ctx) }()
	go func() { defer n.wg.Done(); n.snapshotLoop(ctx) }()
	n.wg.Add(1)
	go func() { defer n.wg.Done(); newMigrationDriver(n).run(ctx) }()
	return nil
}

// ClusterID returns the cluster id read from meta.properties.
func (n *Node) ClusterID() string { return n.clusterID }

// ControllerAddr returns the address the controller listener is bound to
// ("" for a broker-only node): useful when Voters used port 0 placeholders.
func (n *Node) ControllerAddr() string {
	if n.q == nil {
		return ""
	}
	return n.q.mux.ln.Addr().String()
}

// CreateTopics creates topics on the active controller: locally when this
// node is it, otherwise forwarded (retrying on NOT_CONTROLLER until the new
// active controller answers or ctx ends).
func (n *Node) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	if n.ctrl != nil && n.ctrl.isActive() {
		res, err := n.ctrl.createTopics(ctx, specs)
		if !isNotController(err) {
			return res, err
		}
	}
	return n.cli.forwardCreate(ctx, specs)
}

// DeleteTopics deletes topics on the active controller, as CreateTopics.
func (n *Node) DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	if n.ctrl != nil && n.ctrl.isActive() {
		res, err := n.ctrl.deleteTopics(ctx, names)
		if !isNotController(err) {
			return res, err
		}
	}
	return n.cli.forwardDelete(ctx, names)
}

// Image returns the image this node serves: a broker's own (fetched, or
// for a combined node the local controller's), a controller's applied one.
// ControllerID is, as Kafka's KRaft brokers tell clients, a live broker
// (which forwards writes), not the Raft leader, drawn at random for each
// call, so for each Metadata answer (controllerid.go). A controller-only
// node reports the active controller.
func (n *Node) Image() *cluster.Image {
	var img *cluster.Image
	if n.brk != nil {
		img = n.brk.Image()
	} else {
		img = n.fsm.Image()
	}
	c := *img
	c.ControllerID = n.visibleControllerID(img)
	return &c
}

func (n *Node) visibleControllerID(img *cluster.Image) int32 {
	if n.brk == nil {
		id, _ := n.q.leader()
		return id
	}
	return n.pick.pick(img.LiveBrokerIDs())
}

// Status reports the node's roles, the active controller and Raft term as
// this node knows them, its metadata offset and its broker registration.
func (n *Node) Status() cluster.Status {
	img := n.Image()
	live := len(img.LiveBrokerIDs())
	s := cluster.Status{NodeID: n.cfg.NodeID, Mode: cluster.ModeKRaft, Roles: n.cfg.Roles,
		ActiveControllerID: n.hint.id.Load(), ControllerEpoch: int64(n.hint.epoch.Load()),
		MetadataOffset: img.Offset, Digest: n.digest.get(img), LiveBrokers: &live}
	if n.q != nil {
		id, term := n.q.leader()
		active, activeTerm := n.ctrl.activeTerm()
		s.ActiveControllerID, s.ControllerEpoch, s.Active = claim(n.cfg.NodeID, id, term, active, activeTerm)
		s.Migration = n.fsm.migrationState().String()
	}
	if n.brk != nil {
		s.Registered = n.brk.registered.Load()
		s.Fenced = n.brk.fenced.Load()
		s.LogsBehind = n.brk.logsBehind()
	}
	return s
}

// claim is the controller a voter reports: while its controller is active,
// itself in the term it became active in; otherwise the leader and term
// Raft knows. A deposed leader's Raft takes the new leader's term the moment
// it hears from it, a few milliseconds before the controller sees the
// leadership loss and deactivates: reporting Raft's term with the
// controller's active flag then would claim the new leader's term for the
// old one, two active controllers in one term that Raft never had.
func claim(self, leader int32, raftTerm uint64, active bool, activeTerm uint64) (int32, int64, bool) {
	if active {
		return self, int64(activeTerm), true
	}
	return leader, int64(raftTerm), false
}

// Close stops the node gracefully: the broker stops heartbeating and
// fetching, an active controller resigns (see quorum.close), stores are
// closed. It is idempotent.
func (n *Node) Close() error { return n.stop(false) }

// Crash stops the node as kill -9 would, for in-process fault injection:
// every connection is dropped at once, nothing is flushed beyond what each
// append already synced, and peers learn of it only by timing out. The node
// cannot be used afterwards; start a new one on the same directory to
// restart it. (Killing real processes is the providers' job.)
func (n *Node) Crash() error { return n.stop(true) }

func (n *Node) stop(abrupt bool) error {
	n.closeOnce.Do(func() {
		var errs []error
		if abrupt && n.q != nil {
			n.q.mux.abort()
		}
		if !abrupt && n.brk != nil {
			n.brk.controlledShutdown(context.Background(), min(n.cfg.SessionTimeout, 10*time.Second))
		}
		n.cancel()
		if n.brk != nil {
			n.brk.stop()
		}
		if n.ownSrv {
			n.srv.Close()
		}
		if n.q != nil {
			errs = append(errs, n.q.close(abrupt))
		}
		n.wg.Wait()
		n.cli.close()
		n.closeErr = errors.Join(errs...)
		n.log.Info("kraft node stopped", "abrupt", abrupt)
	})
	return n.closeErr
}

// snapshotLoop snapshots the image once metadata.log.max.record.bytes.
// between.snapshots bytes were applied since the last snapshot, or
// metadata.log.max.snapshot.interval.ms passed with anything applied. Every
// controller snapshots its own image, as in Kafka.
func (n *Node) snapshotLoop(ctx context.Context) {
	tick := time.NewTicker(min(time.Second, n.cfg.SnapshotInterval/4+time.Millisecond))
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		b := n.fsm.bytes.Load()
		if b == 0 || (b < n.cfg.SnapshotBytes && time.Since(last) < n.cfg.SnapshotInterval) {
			continue
		}
		if err := n.q.raft.Snapshot().Error(); err != nil {
			n.log.Debug("snapshot not taken", "err", err)
			continue
		}
		last = time.Now()
		n.log.Info("metadata snapshot taken", "offset", n.fsm.Image().Offset, "bytes_since_last", b)
	}
}

// digestCache memoises the digest of the last image asked about: Status is
// called often and the digest is O(partitions).
type digestCache struct {
	mu     sync.Mutex
	img    *cluster.Image
	digest string
}

func (d *digestCache) get(img *cluster.Image) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.img == nil || d.img.Offset != img.Offset || len(d.img.Topics) != len(img.Topics) {
		d.img, d.digest = img, img.Digest()
	}
	return d.digest
}
