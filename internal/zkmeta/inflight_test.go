package zkmeta

import (
	"sync"
	"testing"
	"time"
)

// TestInFlightBound checks the semaphore itself: 50 concurrent requests on
// a session never have more than zookeeper.max.in.flight.requests
// outstanding, and do reach it.
func TestInFlightBound(t *testing.T) {
	f := newInFlight(DefaultMaxInFlightRequests)
	var mu sync.Mutex
	var seen []Request
	f.observe(func(q Request) {
		mu.Lock()
		seen = append(seen, q)
		mu.Unlock()
	})
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = f.do("getData", "/x", nil, func() error { <-release; return nil })
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.cur.Load() != DefaultMaxInFlightRequests {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for the slots to fill: %d in flight", f.cur.Load())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if n := f.cur.Load(); n != DefaultMaxInFlightRequests {
		t.Fatalf("%d in flight, want %d", n, DefaultMaxInFlightRequests)
	}
	close(release)
	wg.Wait()
	peak := 0
	for _, q := range seen {
		peak = max(peak, q.InFlight)
	}
	if peak != DefaultMaxInFlightRequests {
		t.Fatalf("peak in flight %d, want %d", peak, DefaultMaxInFlightRequests)
	}
	if len(seen) != 50 {
		t.Fatalf("observed %d requests, want 50", len(seen))
	}
}
