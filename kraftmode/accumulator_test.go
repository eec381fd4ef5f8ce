package kraftmode

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// fakeApply records the batches an accumulator drains and commits them at
// once.
type fakeApply struct {
	mu      sync.Mutex
	batches [][]Record
	at      []time.Time
}

func (f *fakeApply) apply(data []byte) raft.ApplyFuture {
	recs, err := decodeBatch(data)
	if err != nil {
		panic(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, recs)
	f.at = append(f.at, time.Now())
	return fakeFuture{index: uint64(len(f.batches))}
}

func (f *fakeApply) drained() ([][]Record, []time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.batches), slices.Clone(f.at)
}

type fakeFuture struct{ index uint64 }

func (f fakeFuture) Error() error  { return nil }
func (f fakeFuture) Index() uint64 { return f.index }
func (f fakeFuture) Response() any { return applyResult{offset: int64(f.index)} }

func noops(n int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = &NoOpRecord{}
	}
	return recs
}

func TestAccumulatorLingersFromTheFirstAppend(t *testing.T) {
	f := &fakeApply{}
	a := newAccumulator(25*time.Millisecond, f.apply, func(error) {})
	start := time.Now()
	first := a.append(noops(1))
	time.Sleep(5 * time.Millisecond)
	second := a.append(noops(2)) // joins the window; does not restart the timer
	<-first.done
	<-second.done
	batches, at := f.drained()
	if len(batches) != 1 || len(batches[0]) != 3 {
		t.Fatalf("drained %d batches (%v), want one of 3 records", len(batches), batches)
	}
	// Kafka's timer starts at the first append: the drain is due 25 ms
	// after it, not after the second.
	if d := at[0].Sub(start); d < 25*time.Millisecond || d > 25*time.Millisecond+250*time.Millisecond {
		t.Fatalf("drained %v after the first append, want 25 ms (plus scheduling)", d)
	}
	if first.offset != second.offset || first.err != nil {
		t.Fatalf("futures %+v %+v: want one shared committed entry", first, second)
	}
}

func TestAccumulatorZeroLingerDrainsEachAppend(t *testing.T) {
	f := &fakeApply{}
	a := newAccumulator(0, f.apply, func(error) {})
	for i := range 3 {
		<-a.append(noops(i + 1)).done
	}
	if batches, _ := f.drained(); len(batches) != 3 {
		t.Fatalf("drained %d batches, want 3 (one per append)", len(batches))
	}
}

func TestAccumulatorFullBatchDrainsAtOnce(t *testing.T) {
	f := &fakeApply{}
	a := newAccumulator(time.Hour, f.apply, func(error) {})
	one := len(appendRecordBodies(nil, noops(1)))
	a.maxBytes = 3 * one
	a.append(noops(2))
	full := a.append(noops(2)) // 4 records do not fit in 3: both batches drain now
	select {
	case <-full.done:
	case <-time.After(5 * time.Second):
		t.Fatal("a full batch waited for the linger")
	}
	batches, _ := f.drained()
	if len(batches) != 2 || len(batches[0]) != 2 || len(batches[1]) != 2 {
		t.Fatalf("drained %v, want two batches of 2 records", batches)
	}
}

func TestAccumulatorAppendNowForceDrains(t *testing.T) {
	f := &fakeApply{}
	a := newAccumulator(time.Hour, f.apply, func(error) {})
	open := a.append(noops(1))
	now := a.appendNow(noops(1))
	<-open.done
	<-now.done
	if batches, _ := f.drained(); len(batches) != 2 {
		t.Fatalf("drained %d batches, want the open one then the control one", len(batches))
	}
}

func TestAccumulatorCloseFailsTheOpenBatch(t *testing.T) {
	f := &fakeApply{}
	a := newAccumulator(time.Hour, f.apply, func(error) {})
	open := a.append(noops(1))
	a.close(raft.ErrLeadershipLost)
	<-open.done
	if !errors.Is(open.err, raft.ErrLeadershipLost) {
		t.Fatalf("open batch after close: %v", open.err)
	}
	if late := a.append(noops(1)); !errors.Is(late.err, raft.ErrLeadershipLost) {
		t.Fatalf("append after close: %v", late.err)
	}
	if batches, _ := f.drained(); len(batches) != 0 {
		t.Fatalf("a closed accumulator drained %v", batches)
	}
}

// loneCreates times n CreateTopics, one at a time, on the active controller.
func loneCreates(t *testing.T, active *Node, prefix string, n int) []time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := MeasureLoneCreates(ctx, active, prefix, n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLoneCreateWaitsForTheLinger pins controller.quorum.append.linger.ms: a
// lone CreateTopics on an idle quorum waits the 25 ms linger before its
// records reach the log (Kafka 3.9 defaults), and with linger 0 it does not.
func TestLoneCreateWaitsForTheLinger(t *testing.T) {
	idle := func(linger time.Duration) func(*Config) {
		return func(cfg *Config) { cfg.AppendLinger, cfg.MaxIdleInterval = linger, -1 }
	}
	c := newTCluster(t, false, idle(0)) // Kafka's default linger
	c.waitUnfenced(30 * time.Second)
	lingered := loneCreates(t, c.active(30*time.Second), "lingered", 10)
	c.closeAll()
	c = newTCluster(t, false, idle(-1)) // controller.quorum.append.linger.ms=0
	c.waitUnfenced(30 * time.Second)
	direct := loneCreates(t, c.active(30*time.Second), "direct", 10)
	slices.Sort(lingered)
	slices.Sort(direct)
	t.Logf("lone create, linger 25 ms: min %v p50 %v; linger 0: min %v p50 %v",
		lingered[0], lingered[5], direct[0], direct[5])
	if lingered[0] < DefaultAppendLinger {
		t.Fatalf("a lone create took %v with a 25 ms linger: it cannot be below the linger", lingered[0])
	}
	if direct[5] >= DefaultAppendLinger || direct[5] > lingered[5]-15*time.Millisecond {
		t.Fatalf("linger 0: p50 %v, want clearly below the linger (lingered p50 %v)", direct[5], lingered[5])
	}
}

// TestConcurrentCreatesShareOneEntry pins the accumulator's window: creates
// appended within one linger are drained together, one log entry.
func TestConcurrentCreatesShareOneEntry(t *testing.T) {
	c := newTCluster(t, false, func(cfg *Config) { cfg.MaxIdleInterval = -1 })
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n = 5
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := createOne(ctx, active, fmt.Sprintf("shared-%d", i), 1)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	entries := map[uint64]int{} // log entry -> TopicRecords in it
	last, _ := active.q.logs.LastIndex()
	first, _ := active.q.logs.FirstIndex()
	for idx := first; idx <= last; idx++ {
		var l raft.Log
		if err := active.q.logs.GetLog(idx, &l); err != nil || l.Type != raft.LogCommand {
			continue
		}
		recs, _ := decodeBatch(l.Data)
		for _, r := range recs {
			if _, ok := r.(*TopicRecord); ok {
				entries[idx]++
			}
		}
	}
	if len(entries) != 1 {
		t.Fatalf("TopicRecords by log entry: %v; want all %d in one entry", entries, n)
	}
}

// noOpRecords counts the NoOpRecords in the log entries after from (alone
// or sharing a window with other writes).
func noOpRecords(t *testing.T, n *Node, from uint64) int {
	t.Helper()
	last, err := n.q.logs.LastIndex()
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for idx := from + 1; idx <= last; idx++ {
		var l raft.Log
		if err := n.q.logs.GetLog(idx, &l); err != nil || l.Type != raft.LogCommand {
			continue
		}
		recs, _ := decodeBatch(l.Data)
		for _, r := range recs {
			if _, ok := r.(*NoOpRecord); ok {
				count++
			}
		}
	}
	return count
}

// TestNoOpOnAFixedPeriod pins metadata.max.idle.interval.ms as Kafka 3.9's
// QuorumController schedules it: a NoOpRecord every 500 ms, even while other
// writes keep the log busy (not only after 500 ms without appends).
func TestNoOpOnAFixedPeriod(t *testing.T) {
	c := newTCluster(t, false, func(cfg *Config) { cfg.MaxIdleInterval = 0 }) // Kafka's 500 ms
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	from, _ := active.q.logs.LastIndex()
	start := time.Now()
	for i := 0; time.Since(start) < 2100*time.Millisecond; i++ {
		if _, err := createOne(ctx, active, fmt.Sprintf("busy-%d", i), 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	busy := noOpRecords(t, active, from)
	// 2.1 s at one NoOpRecord per 500 ms is 4 (Kafka's old "500 ms
	// without appends" rule would give none).
	if busy < 3 || busy > 5 {
		t.Fatalf("%d NoOpRecords in 2.1 s of writes every ~80 ms, want about 4 (one per 500 ms)", busy)
	}
	from, _ = active.q.logs.LastIndex()
	time.Sleep(2100 * time.Millisecond)
	if idle := noOpRecords(t, active, from); idle < 3 || idle > 5 {
		t.Fatalf("%d NoOpRecords in 2.1 s idle, want about 4 (one per 500 ms)", idle)
	}
}
