package kraftmode

import (
	"context"
	"errors"
	"slices"
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

// TestFloorAppendPaysTheLinger checks the two KRaft floors: the bare commit
// and the commit through the accumulator, which waits the append linger.
func TestFloorAppendPaysTheLinger(t *testing.T) {
	c := newTCluster(t, false, func(cfg *Config) { cfg.MaxIdleInterval = -1 })
	active := c.active(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// An append that joins a window another write opened (a broker's
	// registration or unfence while the cluster settles) drains with that
	// window, sooner than a full linger, as in Kafka: so the median, not
	// every sample, must pay the linger.
	var paths, raws []time.Duration
	for i := 0; i < 7; i++ {
		raw, err := active.FloorCommit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		path, err := active.FloorAppend(ctx)
		if err != nil {
			t.Fatal(err)
		}
		paths, raws = append(paths, path), append(raws, raw)
	}
	slices.Sort(paths)
	slices.Sort(raws)
	if med := paths[len(paths)/2]; med < DefaultAppendLinger {
		t.Fatalf("floor through the accumulator: median %v below the %v linger (all %v; bare commits %v)", med, DefaultAppendLinger, paths, raws)
	}
	for id, n := range c.nodes {
		if n == active {
			continue
		}
		if _, err := n.FloorAppend(ctx); !errors.Is(err, kerr.NotController) {
			t.Fatalf("node %d (not active): %v, want NOT_CONTROLLER", id, err)
		}
	}
}
