package kraftmode

import (
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/twmb/franz-go/pkg/kbin"
)

// maxBatchBytes is the largest batch the accumulator builds: Kafka's
// KafkaRaftClient.MAX_BATCH_SIZE_BYTES, 8 MiB (Kafka 3.9,
// raft/src/main/java/org/apache/kafka/raft/KafkaRaftClient.java).
const maxBatchBytes = 8 << 20

// accumulator is the active controller's write buffer in front of the Raft
// log, modelled on Kafka's BatchAccumulator (Kafka 3.9,
// raft/src/main/java/org/apache/kafka/raft/internals/BatchAccumulator.java,
// driven by KafkaRaftClient.maybeAppendBatches):
//
//   - The first append of a window starts the linger timer
//     (controller.quorum.append.linger.ms, 25 ms; maybeResetLinger starts it
//     only when it is not running). Later appends join the open batch
//     without moving the timer.
//   - When the timer expires the window is drained: here one raft.Apply,
//     so one log entry, one disk write and one replication round for every
//     request appended in the window.
//   - A batch that would grow past 8 MiB is completed and a new one started;
//     a completed batch drains at once (timeUntilDrain is 0), and the drain
//     completes the new batch too (maybeCompleteDrain), so both are appended
//     back to back without waiting for the timer.
//   - A linger of 0 drains every append at once (the timer expires
//     immediately).
//
// One accumulator serves one leader term, as Kafka makes a new
// BatchAccumulator in onBecomeLeader: close fails what has not been drained
// (its records were planned against state that is being dropped).
//
// Callers serialise appends (the controller holds its lock), which fixes the
// log order; the timer drains under the accumulator's own lock, so drained
// batches reach raft.Apply in append order.
type accumulator struct {
	linger   time.Duration
	maxBytes int
	apply    func(data []byte) raft.ApplyFuture
	// failed is told of an appended batch that did not commit (leadership
	// lost, log unwritable). It is called without the lock held.
	failed func(error)

	mu     sync.Mutex
	body   []byte // the open batch: framed records, without the batch header
	count  int
	fut    *commitFuture
	timer  *time.Timer
	window uint64 // counts drains, so a timer of a drained window does nothing
	closed error
}

// commitFuture is the outcome of one drained batch, shared by every append
// of its window.
type commitFuture struct {
	done   chan struct{}
	err    error // the batch did not commit
	offset int64 // the entry's offset, once committed
	// applyErr is what applying the committed entry reported (a record
	// that did not fit the image); the entry is committed all the same.
	applyErr error
}

func newCommitFuture() *commitFuture { return &commitFuture{done: make(chan struct{})} }

func failedFuture(err error) *commitFuture {
	f := newCommitFuture()
	f.err = err
	close(f.done)
	return f
}

func newAccumulator(linger time.Duration, apply func([]byte) raft.ApplyFuture, failed func(error)) *accumulator {
	return &accumulator{linger: max(linger, 0), maxBytes: maxBatchBytes, apply: apply, failed: failed}
}

// append adds recs to the open batch (starting the window and its linger
// timer if there is none) and returns the future of the batch they will be
// drained in. recs commit atomically: they are never split across batches.
func (a *accumulator) append(recs []Record) *commitFuture {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed != nil {
		return failedFuture(a.closed)
	}
	body := appendRecordBodies(nil, recs)
	if a.count > 0 && len(a.body)+len(body) > a.maxBytes {
		// Full: Kafka completes the batch, starts a new one for recs and
		// drains both at once.
		a.drainLocked()
		fut := a.addLocked(body, len(recs))
		a.drainLocked()
		return fut
	}
	fut := a.addLocked(body, len(recs))
	if a.linger == 0 {
		a.drainLocked()
	}
	return fut
}

// appendNow drains the open batch, then appends recs as their own batch at
// once: Kafka's appendControlMessages, which force-drains (forceDrain) so a
// control record such as the new leader's LeaderChangeMessage never lingers.
func (a *accumulator) appendNow(recs []Record) *commitFuture {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed != nil {
		return failedFuture(a.closed)
	}
	a.drainLocked()
	fut := a.addLocked(appendRecordBodies(nil, recs), len(recs))
	a.drainLocked()
	return fut
}

func (a *accumulator) addLocked(body []byte, n int) *commitFuture {
	if a.count == 0 {
		a.fut = newCommitFuture()
		if a.linger > 0 {
			w := a.window
			a.timer = time.AfterFunc(a.linger, func() { a.expire(w) })
		}
	}
	a.body = append(a.body, body...)
	a.count += n
	return a.fut
}

// expire is the linger timer of window w.
func (a *accumulator) expire(w uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.window == w && a.closed == nil {
		a.drainLocked()
	}
}

// drainLocked appends the open batch to the log as one entry.
func (a *accumulator) drainLocked() {
	if a.count == 0 {
		return
	}
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	data := make([]byte, 0, len(a.body)+6)
	data = append(data, batchVersion)
	data = kbin.AppendUvarint(data, uint32(a.count))
	data = append(data, a.body...)
	fut := a.fut
	a.body, a.count, a.fut = nil, 0, nil
	a.window++
	rf := a.apply(data)
	go a.await(rf, fut)
}

func (a *accumulator) await(rf raft.ApplyFuture, fut *commitFuture) {
	if err := rf.Error(); err != nil {
		fut.err = err
		close(fut.done)
		a.failed(err)
		return
	}
	if r, ok := rf.Response().(applyResult); ok {
		fut.offset, fut.applyErr = r.offset, r.err
	} else {
		fut.offset = int64(rf.Index())
	}
	close(fut.done)
}

// close fails the open batch with err and every later append: the term this
// accumulator served is over. Drained batches complete through Raft.
func (a *accumulator) close(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed != nil {
		return
	}
	a.closed = err
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	if a.count > 0 {
		a.fut.err = err
		close(a.fut.done)
		a.body, a.count, a.fut = nil, 0, nil
	}
	a.window++
}
