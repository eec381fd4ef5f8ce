package kraftmode

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// topicStream creates topics through the brokers (which forward to the
// active controller) from several goroutines until stopped, and keeps every
// acknowledged topic.
type topicStream struct {
	mu    sync.Mutex
	acked map[string]cluster.TopicID
	fails atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
}

func startStream(c *tcluster, workers int) *topicStream {
	s := &topicStream{acked: map[string]cluster.TopicID{}, stop: make(chan struct{})}
	var seq atomic.Int64
	for w := 0; w < workers; w++ {
		n := c.nodes[c.brokerIDs[w%len(c.brokerIDs)]]
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				select {
				case <-s.stop:
					return
				default:
				}
				name := fmt.Sprintf("stream-%d", seq.Add(1))
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				r, err := createOne(ctx, n, name, 1)
				cancel()
				if err != nil {
					s.fails.Add(1)
					continue
				}
				s.mu.Lock()
				s.acked[name] = r.ID
				s.mu.Unlock()
			}
		}()
	}
	return s
}

func (s *topicStream) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acked)
}

func (s *topicStream) halt() {
	close(s.stop)
	s.wg.Wait()
}

// Kill -9 the active controller during a stream of CreateTopics: a standby
// takes over without reloading its image (it applied every record as they
// committed), no acknowledged topic is lost, every broker converges.
func TestKillActiveControllerDuringCreates(t *testing.T) {
	c := newTCluster(t, false, nil)
	old := c.active(10 * time.Second)
	c.waitUnfenced(10 * time.Second)
	s := startStream(c, 6)
	eventually(t, 10*time.Second, "100 topics acknowledged", func() bool { return s.count() >= 100 })

	type stats struct{ records, restores int64 }
	before := map[int32]stats{}
	for _, id := range c.ctrlIDs {
		if id != old.cfg.NodeID {
			f := c.nodes[id].fsm
			before[id] = stats{f.records.Load(), f.restores.Load()}
		}
	}
	ackedAtKill := s.count()
	killed := time.Now()
	c.stop(old.cfg.NodeID, true)
	next := c.active(10 * time.Second)
	takeover := time.Since(killed)
	eventually(t, 10*time.Second, "50 more topics acknowledged", func() bool { return s.count() >= ackedAtKill+50 })
	s.halt()

	for id, b := range before {
		f := c.nodes[id].fsm
		after := stats{f.records.Load(), f.restores.Load()}
		t.Logf("standby %d: records applied %d before the kill, %d after; snapshot loads %d -> %d",
			id, b.records, after.records, b.restores, after.restores)
		if after.restores != b.restores {
			t.Errorf("controller %d reloaded its image from a snapshot during failover", id)
		}
		if after.records <= b.records {
			t.Errorf("controller %d applied no records after the failover", id)
		}
	}
	next.ctrl.mu.Lock()
	activation := next.ctrl.activation
	next.ctrl.mu.Unlock()
	t.Logf("controller %d killed with %d topics acknowledged; controller %d active after %v (of which %v from winning the election to serving); %d acknowledged in all, %d failed attempts",
		old.cfg.NodeID, ackedAtKill, next.cfg.NodeID, takeover.Round(time.Millisecond), activation.Round(time.Microsecond), s.count(), s.fails.Load())

	digest := c.converged(10 * time.Second)
	for _, id := range c.allIDs() {
		n := c.nodes[id]
		if n == nil {
			continue
		}
		img := n.Image()
		for name, tid := range s.acked {
			if tp, ok := img.Topics[name]; !ok || tp.ID != tid {
				t.Fatalf("node %d lost acknowledged topic %s", id, name)
			}
		}
	}
	// The killed controller comes back from its directory and catches up.
	back := c.start(old.cfg.NodeID)
	eventually(t, 10*time.Second, "the restarted controller caught up", func() bool {
		return back.Image().Digest() == digest
	})
}
