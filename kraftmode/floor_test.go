package kraftmode

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

func TestFloorCommitOnlyOnTheActiveController(t *testing.T) {
	c := newTCluster(t, false, nil)
	active := c.active(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	before := active.Status().MetadataOffset
	for i := 0; i < 5; i++ {
		d, err := active.FloorCommit(ctx)
		if err != nil || d <= 0 {
			t.Fatalf("floor commit %d: %v, %v", i, d, err)
		}
	}
	if after := active.Status().MetadataOffset; after < before+5 {
		t.Fatalf("offset %d -> %d: the commits did not reach the log", before, after)
	}
	for id, n := range c.nodes {
		if n == active {
			continue
		}
		if _, err := n.FloorCommit(ctx); !errors.Is(err, kerr.NotController) {
			t.Fatalf("node %d (not active): %v, want NOT_CONTROLLER", id, err)
		}
	}
}
