package zkmode

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// controller is the controller half of a node (Kafka's KafkaController):
// every broker runs one, and the one that wins /controller is active.
//
// All of its work happens on one event loop (Kafka's ControllerEventManager):
// ZooKeeper watches, session events and push completions only enqueue
// events, so the controller context needs no locks and events apply in the
// order they were observed. The admin path (CreateTopics, DeleteTopics) runs
// on the caller's goroutine and talks to ZooKeeper directly, as Kafka's does.
type controller struct {
	n   *Node
	id  int32
	log *slog.Logger

	qmu   sync.Mutex
	queue []event
	wake  chan struct{}
	stop  chan struct{}
	done  chan struct{}

	// Loop-only state.
	active         bool
	epoch          int32
	epochZkVersion int32
	cc             *controllerContext
	cm             *channelManager
	armed          map[string]int64 // path -> token of its armed watch
	nextToken      int64
	deleting       map[string]bool // topics whose deletion is under way
	// heldDeletions are topics queued for deletion while a partition of
	// theirs is being reassigned (markTopicIneligibleForDeletion,
	// reassign.go): their replicas are deleted once it completes.
	heldDeletions map[string]bool
	term          uint64     // counts elections won, to drop stale callbacks
	rb            rebalancer // the auto-leader-rebalance schedule (rebalance.go)

	// Shared with Status and the admin path.
	activeID  atomic.Int32
	isActive  atomic.Bool
	epochSeen atomic.Int32
	waiters   *waiters
	failover  atomic.Pointer[FailoverStats]
}

// event is one unit of controller work.
type event struct {
	name string
	fn   func() error
}

func newController(n *Node) *controller {
	c := &controller{
		n: n, id: n.cfg.NodeID, log: n.log.With("component", "controller"),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		armed: map[string]int64{}, deleting: map[string]bool{}, heldDeletions: map[string]bool{},
		waiters: newWaiters(),
	}
	c.activeID.Store(-1)
	return c
}

// enqueue adds an event; it never blocks, so watches and callbacks may call it.
func (c *controller) enqueue(name string, fn func() error) {
	c.qmu.Lock()
	c.queue = append(c.queue, event{name: name, fn: fn})
	c.qmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *controller) next() (event, bool) {
	for {
		c.qmu.Lock()
		if len(c.queue) > 0 {
			ev := c.queue[0]
			c.queue[0] = event{}
			c.queue = c.queue[1:]
			c.qmu.Unlock()
			return ev, true
		}
		c.qmu.Unlock()
		select {
		case <-c.wake:
		case <-c.stop:
			return event{}, false
		}
	}
}

// run is the event loop. On exit the controller resigns.
func (c *controller) run() {
	defer close(c.done)
	defer c.resign("shutting down")
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		ev, ok := c.next()
		if !ok {
			return
		}
		start := time.Now()
		err := ev.fn()
		switch {
		case errors.Is(err, errControllerMoved):
			c.log.Warn("controller moved while processing an event", "event", ev.name, "err", err)
			if rerr := c.maybeResign(); rerr != nil {
				c.log.Error("check controller after a fenced write", "err", rerr)
			}
		case err != nil:
			c.log.Error("controller event failed", "event", ev.name, "err", err)
		default:
			c.log.Debug("controller event", "event", ev.name, "took", time.Since(start))
		}
	}
}

// shutdown stops the loop after the current event and waits for it.
func (c *controller) shutdown() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	<-c.done
}

// watchPath arms a ZooKeeper watch channel: when it fires, onFire runs on the
// loop. A watch invalidated by session expiry just disarms. A handler that
// failed because the connection was lost runs again watchRetry later (and
// again, until it gets through or the controller stops): its first read
// re-arms the watch, so giving up would lose the watch for good, and with it
// every later change of path (a topic created after a ZooKeeper leader
// change went unnoticed until the next controller). Kafka's handlers cannot
// fail so: every request retries until connected (KafkaZkClient
// retryRequestsUntilConnected, core/src/main/scala/kafka/zk/
// KafkaZkClient.scala at 3.9).
func (c *controller) watchPath(path string, ch <-chan zk.Event, onFire func(zk.Event) error) {
	c.nextToken++
	token := c.nextToken
	c.armed[path] = token
	go func() {
		ev, ok := <-ch
		if !ok {
			return
		}
		var fire func() error
		fire = func() error {
			if c.armed[path] == token {
				delete(c.armed, path)
			}
			if ev.Type == zk.EventNotWatching {
				return nil
			}
			err := onFire(ev)
			if errors.Is(err, zk.ErrConnectionClosed) || errors.Is(err, zk.ErrNoServer) {
				go func() {
					select {
					case <-time.After(watchRetry):
						c.enqueue("watch "+path+" (again: connection lost)", fire)
					case <-c.stop:
					}
				}()
			}
			return err
		}
		c.enqueue("watch "+path, fire)
	}()
}

// watchRetry is how long a watch handler that lost its connection waits
// before it runs again.
const watchRetry = 200 * time.Millisecond

// children reads path's children and arms a child watch on it unless one is
// armed already, so watches never pile up.
func (c *controller) children(path string, onFire func(zk.Event) error) ([]string, error) {
	if _, ok := c.armed[path]; ok {
		return c.n.z.Children(path)
	}
	kids, ch, err := c.n.z.ChildrenW(path)
	if err != nil {
		return nil, err
	}
	c.watchPath(path, ch, onFire)
	return kids, nil
}

// FailoverStats describe the last time this node became the controller.
type FailoverStats struct {
	Epoch      int32
	Brokers    int
	Topics     int
	Partitions int
	// Reload is the time to read every broker, topic and partition state
	// from ZooKeeper (Kafka's initializeControllerContext).
	Reload time.Duration
	// Push is the time from the end of the reload until every live broker
	// acknowledged the full UpdateMetadata.
	Push time.Duration
	// Total runs from winning the election to the end of Push.
	Total time.Duration
	// StateChanges is the time from the end of the reload until the replica
	// and partition state machines' start-up wrote their ZooKeeper changes:
	// the OfflineReplica pass over dead brokers' replicas and the elections
	// (their pushes may still be on their way).
	StateChanges time.Duration
	At           time.Time
}

// controllerMovedError is a controller write refused because the
// /controller_epoch version moved on: another broker was elected since.
type controllerMovedError struct {
	expected int32
	err      error
}

var errControllerMoved = errors.New("controller moved")

func (e *controllerMovedError) Error() string {
	return fmt.Sprintf("controller moved: %s is no longer at version %d: %v", zkmeta.ControllerEpochPath, e.expected, e.err)
}

func (e *controllerMovedError) Is(target error) bool { return target == errControllerMoved }

func (e *controllerMovedError) Unwrap() error { return e.err }

// cwrite is every write the controller makes (Kafka's
// retryRequestsUntilConnected with an expected controller epoch zkVersion):
// one multi that first checks /controller_epoch is still at the version this
// controller's election left it, so a deposed controller's writes fail with
// BADVERSION and change nothing. Indexes in a returned *zkmeta.MultiError
// and the responses refer to ops, without the check.
func (c *controller) cwrite(ops []zkmeta.Op) ([]zk.MultiResponse, error) {
	all := make([]zkmeta.Op, 0, len(ops)+1)
	all = append(all, zkmeta.Op{Kind: zkmeta.OpCheck, Path: zkmeta.ControllerEpochPath, Version: c.epochZkVersion})
	all = append(all, ops...)
	res, err := c.n.z.Multi(all)
	var me *zkmeta.MultiError
	if errors.As(err, &me) {
		if me.Index == 0 {
			return nil, &controllerMovedError{expected: c.epochZkVersion, err: me.Err}
		}
		me.Index--
		return nil, me
	}
	if err != nil {
		return nil, err
	}
	return res[1:], nil
}
