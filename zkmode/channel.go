package zkmode

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// channelManager is Kafka's ControllerChannelManager: one queue and one
// sender goroutine per live broker, so the pushes to a broker arrive in
// order, one in flight at a time, and a slow or dead broker delays only its
// own queue. A failed push is retried until it succeeds or the broker is
// removed, as Kafka's RequestSendThread does.
type channelManager struct {
	clientID string
	timeout  time.Duration // controller.socket.timeout.ms
	log      *slog.Logger
	listener string // the inter-broker listener pushes go to

	mu     sync.Mutex
	queues map[int32]*brokerQueue
}

// newChannelManager returns a manager that reaches brokers on the listener
// named interBroker (inter.broker.listener.name).
func newChannelManager(controllerID int32, interBroker string, timeout time.Duration, log *slog.Logger) *channelManager {
	return &channelManager{
		clientID: "controller-" + strconv.Itoa(int(controllerID)), listener: interBroker,
		timeout: timeout, log: log, queues: map[int32]*brokerQueue{},
	}
}

// pushItem is one request queued for a broker and the batch it belongs to.
type pushItem struct {
	req   kmsg.Request
	batch *pushBatch
}

// pushBatch tracks the requests one controller event sent. When every one of
// them is answered, or dropped because its broker left, onDone runs once;
// aborted says some were dropped because this controller resigned.
//
// A batch may also watch one broker: onWatch runs once every request to
// that broker is answered or dropped (or at seal, if it has none), whatever
// the other brokers do.
type pushBatch struct {
	mu      sync.Mutex
	pending int
	sealed  bool
	aborted bool
	fired   bool
	onDone  func(aborted bool)

	watch        int32
	watchPending int
	watchFired   bool
	onWatch      func(aborted bool)
}

func newPushBatch(onDone func(aborted bool)) *pushBatch { return &pushBatch{onDone: onDone} }

func (b *pushBatch) add(broker int32) {
	b.mu.Lock()
	b.pending++
	if b.onWatch != nil && broker == b.watch {
		b.watchPending++
	}
	b.mu.Unlock()
}

func (b *pushBatch) ack(broker int32, aborted bool) {
	b.mu.Lock()
	b.pending--
	if b.onWatch != nil && broker == b.watch {
		b.watchPending--
	}
	b.aborted = b.aborted || aborted
	b.maybeFireLocked()
}

// seal says no more requests join the batch.
func (b *pushBatch) seal() {
	b.mu.Lock()
	b.sealed = true
	b.maybeFireLocked()
}

// maybeFireLocked unlocks b.mu and runs onDone if the batch is complete.
func (b *pushBatch) maybeFireLocked() {
	fire := b.sealed && b.pending == 0 && !b.fired
	if fire {
		b.fired = true
	}
	fireWatch := b.sealed && b.onWatch != nil && b.watchPending == 0 && !b.watchFired
	if fireWatch {
		b.watchFired = true
	}
	aborted := b.aborted
	b.mu.Unlock()
	if fireWatch {
		b.onWatch(aborted)
	}
	if fire && b.onDone != nil {
		b.onDone(aborted)
	}
}

// addBroker starts a queue for b (replacing any for the same id).
func (cm *channelManager) addBroker(b *cluster.Broker) {
	ep, _ := b.EndpointFor(cm.listener)
	q := &brokerQueue{
		id: b.ID, addr: net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port))),
		wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	cm.removeBroker(b.ID, false)
	cm.mu.Lock()
	cm.queues[b.ID] = q
	cm.mu.Unlock()
	go q.run(cm)
}

// removeBroker stops a broker's queue; its pending requests count as done
// (aborted: false when the broker died, true when the controller resigns).
func (cm *channelManager) removeBroker(id int32, aborted bool) {
	cm.mu.Lock()
	q, ok := cm.queues[id]
	delete(cm.queues, id)
	cm.mu.Unlock()
	if !ok {
		return
	}
	q.mu.Lock()
	q.aborted = aborted
	q.mu.Unlock()
	q.cancel()
	<-q.done
}

// send queues req for broker id under batch b. A broker without a queue (not
// live) is skipped.
func (cm *channelManager) send(id int32, req kmsg.Request, b *pushBatch) {
	cm.mu.Lock()
	q, ok := cm.queues[id]
	cm.mu.Unlock()
	if !ok {
		return
	}
	b.add(id)
	q.mu.Lock()
	q.items = append(q.items, pushItem{req: req, batch: b})
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// shutdown removes every queue, aborting what is pending.
func (cm *channelManager) shutdown() {
	cm.mu.Lock()
	ids := make([]int32, 0, len(cm.queues))
	for id := range cm.queues {
		ids = append(ids, id)
	}
	cm.mu.Unlock()
	for _, id := range ids {
		cm.removeBroker(id, true)
	}
}

// brokerQueue is one broker's queue and its sender (RequestSendThread).
type brokerQueue struct {
	id   int32
	addr string

	mu      sync.Mutex
	items   []pushItem
	aborted bool

	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

func (q *brokerQueue) next() (pushItem, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			it := q.items[0]
			q.items[0] = pushItem{}
			q.items = q.items[1:]
			q.mu.Unlock()
			return it, true
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-q.ctx.Done():
			return pushItem{}, false
		}
	}
}

func (q *brokerQueue) run(cm *channelManager) {
	var conn *front.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
		q.mu.Lock()
		rest, aborted := q.items, q.aborted
		q.items = nil
		q.mu.Unlock()
		for _, it := range rest {
			it.batch.ack(q.id, aborted)
		}
		close(q.done)
	}()
	for {
		it, ok := q.next()
		if !ok {
			return
		}
		if !q.deliver(cm, &conn, it.req) {
			q.mu.Lock()
			aborted := q.aborted
			q.mu.Unlock()
			it.batch.ack(q.id, aborted)
			return
		}
		it.batch.ack(q.id, false)
	}
}

// deliver sends req until it is answered; false when the queue is stopped.
func (q *brokerQueue) deliver(cm *channelManager, conn **front.Conn, req kmsg.Request) bool {
	backoff := 50 * time.Millisecond
	for q.ctx.Err() == nil {
		if *conn == nil {
			ctx, cancel := context.WithTimeout(q.ctx, cm.timeout)
			c, err := front.Dial(ctx, q.addr, cm.clientID)
			cancel()
			if err != nil {
				cm.log.Debug("controller cannot reach broker", "broker", q.id, "addr", q.addr, "err", err)
				q.sleep(&backoff)
				continue
			}
			*conn = c
		}
		ctx, cancel := context.WithTimeout(q.ctx, cm.timeout)
		resp, err := (*conn).Request(ctx, req)
		cancel()
		if err != nil {
			*conn = nil // Request closed it
			cm.log.Debug("push failed, retrying", "broker", q.id, "api", kmsg.NameForKey(req.Key()), "err", err)
			q.sleep(&backoff)
			continue
		}
		if code := responseError(resp); code != 0 {
			cm.log.Warn("broker refused push", "broker", q.id, "api", kmsg.NameForKey(req.Key()),
				"error", cluster.ErrorName(code))
		}
		return true
	}
	return false
}

func (q *brokerQueue) sleep(backoff *time.Duration) {
	select {
	case <-time.After(*backoff):
	case <-q.ctx.Done():
	}
	*backoff = min(2**backoff, time.Second)
}

// responseError returns the top-level error code of a push's answer.
func responseError(resp kmsg.Response) int16 {
	switch r := resp.(type) {
	case *kmsg.UpdateMetadataResponse:
		return r.ErrorCode
	case *kmsg.LeaderAndISRResponse:
		return r.ErrorCode
	case *kmsg.StopReplicaResponse:
		return r.ErrorCode
	}
	return 0
}
