package kraftmode

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// Closing (or crashing) every node leaves no goroutine behind.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	c := newTCluster(t, true, nil)
	c.active(10 * time.Second)
	c.waitUnfenced(10 * time.Second)
	c.stop(1, true)
	c.closeAll()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		t.Fatalf("%d goroutines after close, %d before:\n%s", n, base, firstStacks(stacks, 10))
	}
}

func firstStacks(all string, n int) string {
	parts := strings.Split(all, "\n\n")
	return strings.Join(parts[:min(n, len(parts))], "\n\n")
}
