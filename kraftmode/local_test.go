package kraftmode

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/internal/testbin"
)

// A LocalCluster with brokers comes up with every broker unfenced and
// serving, and Close leaves no goroutine behind.
func TestLocalClusterStartsAndCloses(t *testing.T) {
	testbin.NeedIntegration(t, "a 3-controller Raft quorum on disk over loopback TCP")
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	l, err := StartLocal(ctx, LocalRun{Dir: t.TempDir(), Brokers: 3, Seed: 1, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	active, err := l.Active(ctx)
	if err == nil {
		err = l.WaitUnfenced(ctx)
	}
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	if _, err := MeasureLoneCreates(ctx, active, "local", 1); err != nil {
		l.Close()
		t.Fatal(err)
	}
	if _, err := waitServed(ctx, l.Brokers(), "local-0"); err != nil || len(l.Brokers()) != 3 {
		l.Close()
		t.Fatalf("%d brokers serving the topic: %v", len(l.Brokers()), err)
	}
	l.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, base, firstStacks(string(buf[:runtime.Stack(buf, true)]), 10))
	}
}
