package kraftmode

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// watchedLog is the controller's log store, which also tells parked fetches
// that the log grew: Kafka's leader completes its fetch purgatory from
// updateLeaderEndOffsetAndTimestamp, each time its log end offset moves
// (Kafka 3.9, raft/src/main/java/org/apache/kafka/raft/KafkaRaftClient.java).
//
// hashicorp/raft's leader stores a batch (and fsyncs it) before it
// replicates it; Kafka's leader moves its log end offset before it flushes
// ("so that parked fetches can return sooner", flushLeaderLog). Parked
// fetches therefore wake one leader fsync later than Kafka's.
type watchedLog struct {
	raft.LogStore
	mu   sync.Mutex
	grew chan struct{} // closed and replaced each time the log grows
}

func newWatchedLog(s raft.LogStore) *watchedLog {
	return &watchedLog{LogStore: s, grew: make(chan struct{})}
}

// StoreLog implements raft.LogStore.
func (w *watchedLog) StoreLog(l *raft.Log) error {
	if err := w.LogStore.StoreLog(l); err != nil {
		return err
	}
	w.notify()
	return nil
}

// StoreLogs implements raft.LogStore.
func (w *watchedLog) StoreLogs(ls []*raft.Log) error {
	if err := w.LogStore.StoreLogs(ls); err != nil {
		return err
	}
	w.notify()
	return nil
}

// IsMonotonic forwards raft.MonotonicLogStore, which raft checks on the
// store it is given: an append-only store must stay known as one.
func (w *watchedLog) IsMonotonic() bool {
	m, ok := w.LogStore.(raft.MonotonicLogStore)
	return ok && m.IsMonotonic()
}

func (w *watchedLog) notify() {
	w.mu.Lock()
	close(w.grew)
	w.grew = make(chan struct{})
	w.mu.Unlock()
}

// grown returns a channel closed the next time the log grows.
func (w *watchedLog) grown() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.grew
}

// park holds a fetch that found nothing to send, as Kafka's fetch purgatory
// does, and reports whether it was completed (the caller then answers
// afresh) rather than left to expire (the caller then sends the answer it
// built before parking, as Kafka's handleFetchRequest returns "the original
// fetch response" on REQUEST_TIMED_OUT).
//
//   - Kafka 3.9: the purgatory is completed only when the leader's log end
//     offset passes the fetch offset (fetchPurgatory.maybeComplete in
//     updateLeaderEndOffsetAndTimestamp). A high-watermark advance does not
//     complete it (onUpdateLeaderHighWatermark completes the append
//     purgatory only), so an observer learns that its records committed
//     from the next append, or from its next fetch after the max wait.
//   - Kafka 4.1 (KAFKA-14145, apache/kafka PR 19800, KIP-1166):
//     onUpdateLeaderHighWatermark also completes every parked fetch, so the
//     high watermark reaches observers about one round trip after the
//     commit.
//
// hwm is the high watermark the parked answer carries.
func (c *controller) park(ctx context.Context, next, hwm int64, maxWait time.Duration) bool {
	fast := c.cfg.KafkaVersion.FastHighWatermark()
	t := time.NewTimer(maxWait)
	defer t.Stop()
	for {
		grew := c.q.logs.grown()
		var advanced <-chan struct{} // nil: never, before 4.1
		if fast {
			advanced = c.fsm.waitCh()
		}
		if last, _ := c.q.logs.LastIndex(); int64(last) >= next || !c.isActive() {
			return true
		}
		if fast && c.highWatermark() > hwm {
			return true
		}
		select {
		case <-grew:
		case <-advanced:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// highWatermark is the offset after the last entry committed and applied
// here: what a fetch answer tells observers they may publish.
func (c *controller) highWatermark() int64 { return c.fsm.Image().Offset + 1 }
