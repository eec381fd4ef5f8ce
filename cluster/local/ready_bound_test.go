package local

import (
	"context"
	"testing"
	"time"
)

// A readiness wait takes the caller's deadline where it set one, longer or
// shorter than ReadyTimeout (the scale sweep's cold start at 1M partitions
// needs minutes), and ReadyTimeout where it did not.
func TestReadinessWaitTakesTheCallersDeadline(t *testing.T) {
	c := &localCluster{o: Options{ReadyTimeout: 2 * time.Minute}}
	for _, d := range []time.Duration{10 * time.Second, 30 * time.Minute} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		rctx, rcancel := c.readyContext(ctx)
		got, ok := rctx.Deadline()
		want, _ := ctx.Deadline()
		if !ok || !got.Equal(want) {
			t.Errorf("caller's deadline in %v: wait's deadline %v (set %v), want %v", d, got, ok, want)
		}
		rcancel()
		cancel()
	}
	rctx, rcancel := c.readyContext(context.Background())
	defer rcancel()
	got, ok := rctx.Deadline()
	if left := time.Until(got); !ok || left > 2*time.Minute || left < 119*time.Second {
		t.Errorf("no caller deadline: the wait ends in %v (set %v), want ReadyTimeout's 2m", left, ok)
	}
}
