package workloads

import (
	"context"
	"runtime"
	"time"
)

// spinWindow is how long before a scheduled send the open loop stops
// sleeping and yields in a loop instead. Go's runtime sleeps in the kernel
// in whole milliseconds (runtime/netpoll_epoll.go rounds a timer's delay to
// milliseconds: under 1 ms waits 1 ms, 2.7 ms waits 2 ms and again), so with
// a timer alone calls went out 0.7-1.1 ms late at p50, and that lateness is
// charged to the cluster (open-loop latency runs from the schedule).
const spinWindow = time.Millisecond

// spinsAt says whether an open loop sending every interval yields for the
// last spinWindow before each send. It costs up to spinWindow of one core
// per interval, so only where that is at most a tenth of a core (100 ops/s
// and below; make bench-topics offers 20): at higher rates the yielding
// loop holds one of the two cores the cluster also runs on, and measured
// tails grew (docs/harness.md).
func spinsAt(interval time.Duration) bool { return interval >= 10*spinWindow }

// waitUntil returns at t (or when ctx ends). It sleeps on a timer; with spin
// it wakes spinWindow early and yields to other goroutines until t.
func waitUntil(ctx context.Context, t time.Time, spin bool) {
	wait := time.Until(t)
	if spin {
		wait -= spinWindow
	}
	if wait > 0 {
		tm := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return
		case <-tm.C:
		}
	}
	for spin && time.Now().Before(t) && ctx.Err() == nil {
		runtime.Gosched()
	}
}
