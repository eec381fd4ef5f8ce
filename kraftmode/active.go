package kraftmode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
)

// controller is the active-controller logic of a controller node. It is
// inactive on standbys; on the Raft leader it becomes active once every entry
// of earlier terms is applied (it appends a NoOpRecord and waits for it, as
// Kafka's new leader appends a LeaderChange record).
//
// Like Kafka's QuorumController, the active controller plans each request
// against its pending state: the committed image plus every record it has
// appended but not yet seen committed. Requests therefore pipeline instead of
// serialising on commit latency: the lock is held to plan and append (which
// fixes log order), not while waiting for the commit. On losing leadership
// (or any append failure) the pending state is dropped, and rebuilt from the
// committed image on the next activation.
type controller struct {
	cfg  *Config
	log  *slog.Logger
	q    *quorum
	fsm  *fsm
	self int32

	mu         sync.Mutex
	active     bool
	term       uint64
	pending    *metaState
	rng        *rand.Rand
	lastAppend time.Time
	sessions   map[int32]time.Time // broker id -> last heartbeat
	hb         brokerHeartbeats    // reported offsets, controlled shutdowns (heartbeats.go)
	observers  map[int32]observer
	resync     chan struct{}
	// activation is how long the last activation took, from noticing
	// leadership to serving: one NoOpRecord commit and a state copy.
	activation time.Duration
}

// observer is a broker's position in the metadata log, as its fetches show.
type observer struct {
	offset    int64
	lastFetch time.Time
	caughtUp  time.Time
}

func newController(cfg *Config, q *quorum, f *fsm) *controller {
	return &controller{cfg: cfg, log: cfg.Logger, q: q, fsm: f, self: cfg.NodeID,
		sessions: map[int32]time.Time{}, observers: map[int32]observer{}, resync: make(chan struct{}, 1)}
}

// errNotController is answered by a node that is not the active controller.
func errNotController() error {
	return cluster.Errorf(kerr.NotController, "this node is not the active controller")
}

// run watches leadership and, while active, fences brokers whose sessions
// expired and appends NoOpRecords when the log is idle. It returns when ctx
// ends.
func (c *controller) run(ctx context.Context) {
	tick := time.NewTicker(c.tickInterval())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			c.deactivate("shutdown")
			return
		case <-c.q.raft.LeaderCh():
		case <-c.resync:
		case <-tick.C:
		}
		isLeader := c.q.raft.State() == raft.Leader
		c.mu.Lock()
		active := c.active
		c.mu.Unlock()
		switch {
		case isLeader && !active:
			c.activate(ctx)
		case !isLeader && active:
			c.deactivate("lost leadership")
		case active:
			c.expireSessions(ctx)
			c.idleNoOp(ctx)
		}
	}
}

func (c *controller) tickInterval() time.Duration {
	d := min(c.cfg.HeartbeatInterval, c.cfg.SessionTimeout/8, 100*time.Millisecond)
	if c.cfg.MaxIdleInterval > 0 {
		d = min(d, c.cfg.MaxIdleInterval/2)
	}
	return max(d, 5*time.Millisecond)
}

// activate makes this leader the active controller: it commits a NoOpRecord,
// which proves every earlier entry is committed and applied to the FSM, then
// takes the FSM's image as its pending state. Nothing is reloaded: the
// standby already has the image.
func (c *controller) activate(ctx context.Context) {
	start := time.Now()
	fut := c.q.raft.Apply(encodeBatch([]Record{&NoOpRecord{}}), c.cfg.RequestTimeout)
	if err := fut.Error(); err != nil {
		c.log.Info("could not become the active controller", "err", err)
		return
	}
	_, term := c.q.leader()
	st := c.fsm.cloneState()
	offset := st.img.Offset // st becomes the pending state: read it before sharing it
	c.mu.Lock()
	c.active, c.term, c.pending = true, term, st
	c.rng = rand.New(rand.NewPCG(uint64(c.cfg.Seed), term<<16|uint64(uint32(c.self))))
	c.lastAppend = time.Now()
	c.activation = time.Since(start)
	// A new active controller gives every broker a fresh session, as Kafka's
	// does: it cannot know when they last heartbeated to the old one.
	now := time.Now()
	clear(c.sessions)
	c.hb.reset()
	for id := range st.img.Brokers {
		c.sessions[id] = now
	}
	c.mu.Unlock()
	c.log.Info("became the active controller", "term", term, "offset", offset,
		"took", time.Since(start), "records_replayed", c.fsm.records.Load(), "snapshot_loads", c.fsm.restores.Load())
}

func (c *controller) deactivate(why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.active {
		return
	}
	c.active, c.pending = false, nil
	clear(c.observers)
	c.log.Info("no longer the active controller", "reason", why)
}

// isActive reports whether this node is the active controller now.
func (c *controller) isActive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active
}

// appendLocked applies recs to the pending state and appends them to the
// log as one entry (one atomic batch). The caller holds c.mu, which keeps
// the log order equal to the planning order.
func (c *controller) appendLocked(recs []Record) raft.ApplyFuture {
	a := newApplier(c.pending, false)
	if err := a.apply(c.pending.img.Offset, recs); err != nil {
		c.log.Warn("pending state rejected records", "err", err)
	}
	c.lastAppend = time.Now()
	return c.q.raft.Apply(encodeBatch(recs), c.cfg.RequestTimeout)
}

// await waits for an appended entry to commit and be applied here, or for
// ctx. It returns the entry's offset. A failed append means leadership is
// lost (or the log is unwritable): the node stops being active, drops its
// pending state and answers NOT_CONTROLLER, so the caller retries on the new
// active controller.
func (c *controller) await(ctx context.Context, fut raft.ApplyFuture) (int64, error) {
	done := make(chan error, 1)
	go func() { done <- fut.Error() }()
	select {
	case <-ctx.Done():
		return 0, cluster.Errorf(kerr.RequestTimedOut, "waiting for the metadata log to commit: %v", ctx.Err())
	case err := <-done:
		if err != nil {
			c.deactivate(fmt.Sprintf("append failed: %v", err))
			select {
			case c.resync <- struct{}{}:
			default:
			}
			if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) ||
				errors.Is(err, raft.ErrRaftShutdown) || errors.Is(err, raft.ErrLeadershipTransferInProgress) {
				return 0, errNotController()
			}
			return 0, fmt.Errorf("append to the metadata log: %w", err)
		}
		if r, ok := fut.Response().(applyResult); ok {
			return r.offset, r.err
		}
		return int64(fut.Index()), nil
	}
}

// submit plans with fn against the pending state and, if fn returns records,
// appends them and waits for the commit. fn runs under c.mu.
func (c *controller) submit(ctx context.Context, fn func(st *metaState) ([]Record, error)) (int64, error) {
	c.mu.Lock()
	if !c.active {
		c.mu.Unlock()
		return 0, errNotController()
	}
	recs, err := fn(c.pending)
	if err != nil || len(recs) == 0 {
		off := c.pending.img.Offset
		c.mu.Unlock()
		return off, err
	}
	fut := c.appendLocked(recs)
	c.mu.Unlock()
	return c.await(ctx, fut)
}

// idleNoOp appends a NoOpRecord when nothing was appended for
// metadata.max.idle.interval.ms, as Kafka's active controller does.
func (c *controller) idleNoOp(ctx context.Context) {
	if c.cfg.MaxIdleInterval <= 0 {
		return
	}
	c.mu.Lock()
	idle := c.active && time.Since(c.lastAppend) >= c.cfg.MaxIdleInterval
	c.mu.Unlock()
	if !idle {
		return
	}
	_, err := c.submit(ctx, func(*metaState) ([]Record, error) { return []Record{&NoOpRecord{}}, nil })
	if err != nil {
		c.log.Debug("idle NoOpRecord not committed", "err", err)
	}
}
