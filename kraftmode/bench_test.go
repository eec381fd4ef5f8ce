package kraftmode

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCreateTopicVsRaftCommit measures CreateTopics (1 partition, RF 3)
// against a bare Raft commit of a NoOpRecord on the same quorum, alternating
// the two so both see the same machine, and reports p50/p99 of each and the
// ratio. "direct" asks the active controller in-process; "via-broker" asks a
// broker, which forwards over the Kafka protocol. Kafka's default timeouts;
// 50 warm-up pairs excluded. Reproduce with:
//
//	go test ./kraftmode -run '^$' -bench CreateTopicVsRaftCommit -benchtime 2000x
func BenchmarkCreateTopicVsRaftCommit(b *testing.B) {
	c := newTCluster(b, false, func(cfg *Config) {
		cfg.HeartbeatInterval, cfg.SessionTimeout = DefaultHeartbeatInterval, DefaultSessionTimeout
		cfg.ElectionTimeout, cfg.FetchTimeout = DefaultElectionTimeout, DefaultFetchTimeout
	})
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	for _, bc := range []struct {
		name string
		via  *Node
	}{{"direct", active}, {"via-broker", c.nodes[c.brokerIDs[0]]}} {
		b.Run(bc.name, func(b *testing.B) { benchCreateVsCommit(b, active, bc.via, bc.name) })
	}
}

func benchCreateVsCommit(b *testing.B, active, via *Node, prefix string) {
	ctx := context.Background()
	noop := encodeBatch([]Record{&NoOpRecord{}})
	var creates, commits []time.Duration
	i := 0
	pair := func(record bool) {
		i++
		t0 := time.Now()
		if _, err := createOne(ctx, via, fmt.Sprintf("%s-%d", prefix, i), 1); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := active.q.raft.Apply(noop, time.Second).Error(); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if record {
			creates, commits = append(creates, t1.Sub(t0)), append(commits, t2.Sub(t1))
		}
	}
	for range 50 {
		pair(false)
	}
	for b.Loop() {
		pair(true)
	}
	cp50, cp99 := percentile(creates, 50), percentile(creates, 99)
	rp50, rp99 := percentile(commits, 50), percentile(commits, 99)
	b.ReportMetric(float64(cp50.Nanoseconds()), "create-p50-ns")
	b.ReportMetric(float64(cp99.Nanoseconds()), "create-p99-ns")
	b.ReportMetric(float64(rp50.Nanoseconds()), "commit-p50-ns")
	b.ReportMetric(float64(rp99.Nanoseconds()), "commit-p99-ns")
	b.ReportMetric(float64(cp50)/float64(rp50), "p50-ratio")
	b.ReportMetric(float64(cp99)/float64(rp99), "p99-ratio")
	b.Logf("%s: %d pairs: CreateTopics p50 %v p99 %v; bare Raft commit p50 %v p99 %v; ratio p50 %.2fx p99 %.2fx",
		prefix, len(creates), cp50, cp99, rp50, rp99, float64(cp50)/float64(rp50), float64(cp99)/float64(rp99))
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// BenchmarkCreateTopicsPipelined shows that the active controller pipelines
// concurrent CreateTopics (planning against uncommitted state) instead of
// serialising them on commit latency, next to the same number of callers
// committing bare NoOpRecords on the same quorum: the ceiling the quorum
// itself sets.
//
//	go test ./kraftmode -run '^$' -bench CreateTopicsPipelined -benchtime 2000x
func BenchmarkCreateTopicsPipelined(b *testing.B) {
	c := newTCluster(b, false, nil)
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	var seq atomic.Int64
	noop := encodeBatch([]Record{&NoOpRecord{}})
	ops := map[string]func() error{
		"create": func() error {
			_, err := createOne(context.Background(), active, fmt.Sprintf("pipe-%d", seq.Add(1)), 1)
			return err
		},
		"bare-commit": func() error { return active.q.raft.Apply(noop, time.Second).Error() },
	}
	for _, op := range []string{"create", "bare-commit"} {
		for _, callers := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/callers=%d", op, callers), func(b *testing.B) {
				b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := ops[op](); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
			})
		}
	}
}
