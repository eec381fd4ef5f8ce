package zkmode

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/ready"
)

// Once cluster/ready judges a fresh cluster ready, every broker's image (what
// its Metadata answer lists) holds every broker. Before the first
// UpdateMetadata reaches them, the brokers all serve the same empty image:
// one digest, no live broker. Readiness must not take that for agreement.
// The brokers start together, as a provider starts them, and readiness is
// polled from the first moment, over several cluster starts: fresh ones,
// where the window before the first push is a few milliseconds, and
// restarts of a cluster whose ZooKeeper holds 1,000 partitions, where the
// controller's context load widens it to tens of milliseconds.
func TestReadyMeansEveryBrokerListsEveryBroker(t *testing.T) {
	const brokers = 3
	for _, tc := range []struct {
		name   string
		starts int
		topics int // of 10 partitions each, written to ZooKeeper first
	}{{"fresh", 6, 0}, {"restart-1000-partitions", 2, 100}} {
		for i := range tc.starts {
			t.Run(fmt.Sprintf("%s/%d", tc.name, i), func(t *testing.T) {
				readyListsEveryBroker(t, brokers, tc.topics)
			})
		}
	}
}

func readyListsEveryBroker(t *testing.T, brokers int32, topics int) {
	c := newEmptyCluster(t)
	if topics > 0 {
		populate(t, c.zk(), topics, 10, []int32{1, 2, 3})
	}
	begin := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, brokers)
	for id := int32(1); id <= brokers; id++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.startErr(id); err != nil {
				errs <- err
			}
		}()
	}
	poll := func(context.Context) ready.Check {
		ch := ready.Check{Statuses: map[int32]cluster.Status{}}
		for id := int32(1); id <= brokers; id++ {
			if n := c.node(id); n != nil {
				ch.Statuses[id] = n.Status()
			} else {
				if ch.Errs == nil {
					ch.Errs = map[int32]error{}
				}
				ch.Errs[id] = fmt.Errorf("not started")
			}
		}
		return ch
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	phases, err := ready.Wait(ctx, begin, poll, nil)
	// Read the images at once: the push that would fill them may
	// be on its way.
	got := make([][]int32, brokers)
	for id := int32(1); id <= brokers; id++ {
		got[id-1] = c.node(id).Image().LiveBrokerIDs()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if err != nil {
		t.Fatal(err)
	}
	for id := int32(1); id <= brokers; id++ {
		if want := []int32{1, 2, 3}; !slices.Equal(got[id-1], want) {
			t.Errorf("ready after %v, broker %d's image lists brokers %v, want %v", phases, id, got[id-1], want)
		}
	}
}
