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
// fixes log order), not while waiting for the commit. Appends go through the
// accumulator (accumulator.go), which holds them for
// controller.quorum.append.linger.ms before they reach the log, as Kafka's
// BatchAccumulator does. On losing leadership (or any append failure) the
// pending state and the accumulator's open batch are dropped, and the state
// is rebuilt from the committed image on the next activation.
type controller struct {
	cfg  *Config
	log  *slog.Logger
	q    *quorum
	fsm  *fsm
	self int32

	mu        sync.Mutex
	active    bool
	term      uint64
	pending   *metaState
	acc       *accumulator // this term's; nil while inactive
	rng       *rand.Rand
	sessions  map[int32]time.Time // broker id -> last heartbeat
	hb        brokerHeartbeats    // reported offsets, controlled shutdowns (heartbeats.go)
	observers map[int32]observer
	bal       balancer // preferred-leader balancing (rebalance.go)
	resync    chan struct{}
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
// expired and appends a NoOpRecord every metadata.max.idle.interval.ms. It
// returns when ctx ends.
func (c *controller) run(ctx context.Context) {
	tick := time.NewTicker(c.tickInterval())
	defer tick.Stop()
	noop := newNoOpSchedule(c.cfg.MaxIdleInterval)
	defer noop.stop()
	for {
		select {
		case <-ctx.Done():
			c.deactivate("shutdown")
			return
		case <-c.q.raft.LeaderCh():
		case <-c.resync:
		case <-tick.C:
		case <-noop.c():
			noop.next()
			c.appendNoOp()
			continue
		}
		isLeader := c.q.raft.State() == raft.Leader
		c.mu.Lock()
		active := c.active
		c.mu.Unlock()
		switch {
		case isLeader && !active:
			if c.activate(ctx) {
				noop.next()
			}
		case !isLeader && active:
			c.deactivate("lost leadership")
		case active:
			c.expireSessions(ctx)
		}
		if !c.isActive() {
			noop.stop()
		}
	}
}

func (c *controller) tickInterval() time.Duration {
	d := min(c.cfg.HeartbeatInterval, c.cfg.SessionTimeout/8, 100*time.Millisecond)
	return max(d, 5*time.Millisecond)
}

// activate makes this leader the active controller: it commits a NoOpRecord,
// which proves every earlier entry is committed and applied to the FSM, then
// takes the FSM's image as its pending state. Nothing is reloaded: the
// standby already has the image. It reports whether the node is active.
//
// The NoOpRecord plays the part of Kafka's LeaderChangeMessage, which the
// new leader appends at once so the high watermark can advance in its epoch
// (Kafka 3.9, KafkaRaftClient.onBecomeLeader); Kafka appends it as a control
// batch, which skips the linger (BatchAccumulator.appendControlMessages
// force-drains), so it is applied here without the accumulator. Kafka's
// controller activation (QuorumController.CompleteActivationEvent) writes no
// records on a log that already holds a metadata.version.
func (c *controller) activate(ctx context.Context) bool {
	start := time.Now()
	fut := c.q.raft.Apply(encodeBatch([]Record{&NoOpRecord{}}), c.cfg.RequestTimeout)
	if err := fut.Error(); err != nil {
		c.log.Info("could not become the active controller", "err", err)
		return false
	}
	_, term := c.q.leader()
	st := c.fsm.cloneState()
	offset := st.img.Offset // st becomes the pending state: read it before sharing it
	c.mu.Lock()
	c.active, c.term, c.pending = true, term, st
	c.acc = newAccumulator(c.appendLinger(), c.applyBatch, c.appendFailed)
	c.rng = rand.New(rand.NewPCG(uint64(c.cfg.Seed), term<<16|uint64(uint32(c.self))))
	c.activation = time.Since(start)
	// A new active controller gives every broker a fresh session, as Kafka's
	// does: it cannot know when they last heartbeated to the old one.
	now := time.Now()
	clear(c.sessions)
	c.hb.reset()
	for id := range st.img.Brokers {
		c.sessions[id] = now
	}
	c.resetBalanceLocked(st)
	c.maybeScheduleBalanceLocked() // CompleteActivationEvent.processBatchEndOffset
	c.mu.Unlock()
	c.log.Info("became the active controller", "term", term, "offset", offset,
		"took", time.Since(start), "records_replayed", c.fsm.records.Load(), "snapshot_loads", c.fsm.restores.Load())
	return true
}

// appendLinger is controller.quorum.append.linger.ms; negative is no linger.
func (c *controller) appendLinger() time.Duration { return max(c.cfg.AppendLinger, 0) }

// applyBatch appends one drained batch to the Raft log.
func (c *controller) applyBatch(data []byte) raft.ApplyFuture {
	return c.q.raft.Apply(data, c.cfg.RequestTimeout)
}

// appendFailed handles a drained batch that did not commit: leadership is
// lost (or the log is unwritable), so the pending state is void.
func (c *controller) appendFailed(err error) {
	c.deactivate(fmt.Sprintf("append failed: %v", err))
	select {
	case c.resync <- struct{}{}:
	default:
	}
}

func (c *controller) deactivate(why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.active {
		return
	}
	c.active, c.pending = false, nil
	c.cancelBalanceLocked()
	c.acc.close(raft.ErrLeadershipLost)
	c.acc = nil
	clear(c.observers)
	c.log.Info("no longer the active controller", "reason", why)
}

// isActive reports whether this node is the active controller now.
func (c *controller) isActive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active
}

// activeTerm reports whether this node is the active controller and the
// Raft term it became active in.
func (c *controller) activeTerm() (bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active, c.term
}

// appendLocked applies recs to the pending state and appends them to the
// accumulator, where they wait for the linger with whatever else this window
// holds; they commit atomically, in one log entry. The caller holds c.mu,
// which keeps the log order equal to the planning order.
func (c *controller) appendLocked(recs []Record) *commitFuture {
	a := newApplier(c.pending, false)
	if err := a.apply(c.pending.img.Offset, recs); err != nil {
		c.log.Warn("pending state rejected records", "err", err)
	}
	c.trackRecordsLocked(recs)
	return c.acc.append(recs)
}

// await waits for an appended batch to commit and be applied here, or for
// ctx. It returns the entry's offset. A failed append means leadership is
// lost (or the log is unwritable): the node has stopped being active
// (appendFailed) and answers NOT_CONTROLLER, so the caller retries on the
// new active controller.
func (c *controller) await(ctx context.Context, fut *commitFuture) (int64, error) {
	select {
	case <-ctx.Done():
		return 0, cluster.Errorf(kerr.RequestTimedOut, "waiting for the metadata log to commit: %v", ctx.Err())
	case <-fut.done:
	}
	if err := fut.err; err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) ||
			errors.Is(err, raft.ErrRaftShutdown) || errors.Is(err, raft.ErrLeadershipTransferInProgress) {
			return 0, errNotController()
		}
		return 0, fmt.Errorf("append to the metadata log: %w", err)
	}
	return fut.offset, fut.applyErr
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
		c.maybeScheduleBalanceLocked() // after every write event, records or not
		c.mu.Unlock()
		return off, err
	}
	fut := c.appendLocked(recs)
	c.maybeScheduleBalanceLocked()
	c.mu.Unlock()
	return c.await(ctx, fut)
}

// appendNoOp appends a NoOpRecord through the accumulator without waiting
// for it: Kafka's WRITE_NO_OP_RECORD event, an ordinary write (it lingers
// like any other) that nobody waits on.
func (c *controller) appendNoOp() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active {
		c.appendLocked([]Record{&NoOpRecord{}})
		c.maybeScheduleBalanceLocked()
	}
}

// noOpSchedule times the active controller's NoOpRecords. Kafka 3.9's
// QuorumController.maybeScheduleNextWriteNoOpRecord schedules the
// WRITE_NO_OP_RECORD event metadata.max.idle.interval.ms ahead, first when
// activation completes (CompleteActivationEvent.processBatchEndOffset) and
// then each time the event runs, before it writes: a NoOpRecord every
// interval whatever else is written, not only when the log is idle.
// (metadata.max.idle.interval.ms = 0 disables it; here a negative
// interval.)
type noOpSchedule struct {
	every time.Duration
	t     *time.Timer
}

func newNoOpSchedule(every time.Duration) *noOpSchedule { return &noOpSchedule{every: every} }

// c is the channel of the next NoOpRecord's deadline; nil (never ready)
// when none is scheduled.
func (s *noOpSchedule) c() <-chan time.Time {
	if s.t == nil {
		return nil
	}
	return s.t.C
}

// next schedules the next NoOpRecord one interval from now.
func (s *noOpSchedule) next() {
	if s.every <= 0 {
		return
	}
	s.stop()
	s.t = time.NewTimer(s.every)
}

func (s *noOpSchedule) stop() {
	if s.t != nil {
		s.t.Stop()
		s.t = nil
	}
}
