package zkmode

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkControllerKill times what a controller's death costs at 10,000
// partitions (1,000 topics of 10, RF 3, on 3 brokers): each iteration kills
// the active controller (kill -9: its session is left to expire after the
// test's 2 s session timeout), and measures until both survivors serve
// metadata in which no partition is led by the dead broker and no ISR holds
// it: session expiry, the new controller's reload, its OfflineReplica pass
// and elections, and the pushes. The dead broker is started again and the
// cluster left to converge between iterations (not timed). Run with
// -benchtime=3x.
func BenchmarkControllerKill(b *testing.B) {
	c := newEmptyClusterOn(b, benchEnsemble(b))
	populate(b, c.zk(), 1000, 10, []int32{1, 2, 3})
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for id := int32(1); id <= 3; id++ {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[id-1] = c.startErr(id) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	c.waitActive(time.Minute)
	c.waitConverged(10 * time.Minute)
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dead := c.waitActive(time.Minute).cfg.NodeID
		start := time.Now()
		c.kill(dead)
		waitFor(b, 5*time.Minute, "the survivors to drop the dead broker", func() bool {
			for _, id := range c.ids() {
				if !freeOf(c.node(id), dead) {
					return false
				}
			}
			return true
		})
		took = append(took, time.Since(start))
		b.StopTimer()
		c.start(dead)
		c.waitConverged(10 * time.Minute)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(ms(percentile(took, 50)), "recovered-ms")
	b.Logf("10000 partitions: controller kill to survivors free of it p50 %v (n=%d, session timeout %v)",
		percentile(took, 50), len(took), testSessionTimeout)
}

// freeOf says whether n serves metadata without broker id: not live, leading
// nothing, in no ISR.
func freeOf(n *Node, id int32) bool {
	img := n.Image()
	if _, ok := img.Brokers[id]; ok {
		return false
	}
	for _, t := range img.Topics {
		for _, p := range t.Partitions {
			if p.Leader == id || slices.Contains(p.ISR, id) {
				return false
			}
		}
	}
	return true
}
