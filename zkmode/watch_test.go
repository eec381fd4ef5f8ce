package zkmode

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// A watch handler whose read met a lost connection runs again until it gets
// through, so the watch it re-arms is not lost for good; one that fails
// otherwise does not.
func TestWatchHandlerRetriesAfterConnectionLoss(t *testing.T) {
	for _, tc := range []struct {
		fail      error
		wantCalls int
	}{
		{fmt.Errorf("children /brokers/topics: %w", zk.ErrConnectionClosed), 3},
		{fmt.Errorf("children /brokers/topics: %w", zk.ErrNoNode), 1},
	} {
		c := &controller{log: slog.New(slog.DiscardHandler), wake: make(chan struct{}, 1), stop: make(chan struct{}),
			armed: map[string]int64{}}
		ch := make(chan zk.Event, 1)
		calls := 0
		c.watchPath("/brokers/topics", ch, func(zk.Event) error {
			calls++
			if calls < 3 {
				return tc.fail
			}
			return nil
		})
		ch <- zk.Event{Type: zk.EventNodeChildrenChanged, Path: "/brokers/topics"}
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && calls < tc.wantCalls {
			select {
			case <-c.wake:
			case <-time.After(100 * time.Millisecond):
			}
			c.qmu.Lock()
			q := c.queue
			c.queue = nil
			c.qmu.Unlock()
			for _, ev := range q {
				ev.fn()
			}
		}
		time.Sleep(2 * watchRetry) // nothing more may come
		c.qmu.Lock()
		left := len(c.queue)
		c.qmu.Unlock()
		if calls != tc.wantCalls || left != 0 {
			t.Errorf("%v: handler ran %d times (%d more queued), want %d", tc.fail, calls, left, tc.wantCalls)
		}
		close(c.stop)
	}
}
