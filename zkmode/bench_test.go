package zkmode

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/internal/zkensemble"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// The benchmarks run on their own 3-server ensemble with fsync on
// (ZooKeeper's default, what DESIGN.md's floors were measured with),
// separate from the functional tests' ensemble. TestMain stops it.
var benchEns struct {
	once sync.Once
	ens  *zkensemble.Ensemble
	err  error
}

func benchEnsemble(b *testing.B) *zkensemble.Ensemble {
	b.Helper()
	testbin.NeedIntegration(b, "a ZooKeeper ensemble")
	benchEns.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		benchEns.ens, benchEns.err = zkensemble.Start(ctx, zkensemble.Options{
			Servers: 3, TickTime: 500 * time.Millisecond, Fsync: true, HeapMB: 1024})
	})
	if benchEns.err != nil {
		b.Fatalf("the benchmarks need a real ZooKeeper (Debian's zookeeper package): %v", benchEns.err)
	}
	return benchEns.ens
}

// BenchmarkCreateTopicVsZKWrites times CreateTopics (1 partition, RF 3) at
// the controller of 3 brokers, each call answered only once every broker
// has the leader, against the bare ZooKeeper writes that path makes, issued
// from one session on the same ensemble: create /config/topics/<t>, create
// /brokers/topics/<t>, and one multi (check /controller_epoch, create
// partitions, partitions/0, partitions/0/state). The two are interleaved so
// they share the machine's noise, and the floor's session is on the same
// ZooKeeper server as the controller's. zk+reads adds the two reads the
// controller's watch handling needs (children of /brokers/topics, the new
// topic), so what remains above it is the event loop and the pushes. Run with -benchtime=300x or so; 20
// warm-up rounds are excluded.
func BenchmarkCreateTopicVsZKWrites(b *testing.B) {
	c := newEmptyClusterOn(b, benchEnsemble(b))
	for id := int32(1); id <= 3; id++ {
		c.start(id)
	}
	ctrl := c.ready()
	// The floor's session uses the ZooKeeper server the controller's session
	// is on, so both pay the same path (a follower forwards writes to the
	// leader; the leader does not).
	_, chroot, _ := zkmeta.ParseConnect(c.connect)
	floor, err := zkmeta.Connect(context.Background(), ctrl.z.Server()+chroot, 4*time.Second, 10*time.Second, c.log, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(floor.Close)
	if err := floor.EnsurePath("/floor/config/topics"); err != nil {
		b.Fatal(err)
	}
	if err := floor.EnsurePath("/floor/brokers/topics"); err != nil {
		b.Fatal(err)
	}
	_, epochStat, err := floor.Get(zkmeta.ControllerEpochPath)
	if err != nil {
		b.Fatal(err)
	}
	const warmup = 20
	var create, bare, reads []time.Duration
	round := func(i int, record bool) {
		name := fmt.Sprintf("bench-%06d", i)
		start := time.Now()
		mustCreate(b, ctrl, cluster.TopicSpec{Name: name, NumPartitions: 1, ReplicationFactor: 3})
		d1 := time.Since(start)
		start = time.Now()
		bareWrites(b, floor, name, epochStat.Version)
		d2 := time.Since(start)
		start = time.Now()
		bareReads(b, floor, name)
		d3 := time.Since(start)
		if record {
			create, bare, reads = append(create, d1), append(bare, d2), append(reads, d2+d3)
		}
	}
	for i := 0; i < warmup; i++ {
		round(-1-i, false)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		round(i, true)
	}
	b.StopTimer()
	cp50, cp99 := percentile(create, 50), percentile(create, 99)
	zp50, zp99 := percentile(bare, 50), percentile(bare, 99)
	b.ReportMetric(ms(cp50), "create-p50-ms")
	b.ReportMetric(ms(cp99), "create-p99-ms")
	b.ReportMetric(ms(zp50), "zk-p50-ms")
	b.ReportMetric(ms(zp99), "zk-p99-ms")
	b.ReportMetric(float64(cp50)/float64(zp50), "p50-ratio")
	b.ReportMetric(ms(percentile(reads, 50)), "zk+reads-p50-ms")
	b.ReportMetric(float64(cp99)/float64(zp99), "p99-ratio")
	b.Logf("zk server %s: CreateTopics(1p,RF3) p50 %v p99 %v | bare ZK writes p50 %v p99 %v | ratio p50 %.2f p99 %.2f | writes+watch reads p50 %v (n=%d)",
		ctrl.z.Server(), cp50, cp99, zp50, zp99, float64(cp50)/float64(zp50), float64(cp99)/float64(zp99),
		percentile(reads, 50), len(create))
}

// bareWrites makes the ZooKeeper writes a 1-partition topic creation needs,
// under /floor so the controller does not see them.
func bareWrites(b *testing.B, z *zkmeta.Client, name string, epochVersion int32) {
	t := &cluster.Topic{Name: name, Partitions: []cluster.Partition{{ID: 0, Replicas: []int32{1, 2, 3}}}}
	if err := z.Create("/floor"+zkmeta.TopicConfigPath(name), zkmeta.EncodeConfig(nil), 0); err != nil {
		b.Fatal(err)
	}
	if err := z.Create("/floor"+zkmeta.TopicPath(name), zkmeta.EncodeTopic(t), 0); err != nil {
		b.Fatal(err)
	}
	if _, err := z.Multi([]zkmeta.Op{
		{Kind: zkmeta.OpCheck, Path: zkmeta.ControllerEpochPath, Version: epochVersion},
		{Kind: zkmeta.OpCreate, Path: "/floor" + zkmeta.PartitionsPath(name)},
		{Kind: zkmeta.OpCreate, Path: "/floor" + zkmeta.PartitionPath(name, 0)},
		{Kind: zkmeta.OpCreate, Path: "/floor" + zkmeta.StatePath(name, 0), Data: zkmeta.EncodeState(1, 0, []int32{1, 2, 3}, 1)},
	}); err != nil {
		b.Fatal(err)
	}
}

// bareReads makes the reads the controller's watch handling adds to the
// path: the children of the topics znode (with a watch) and the new topic.
func bareReads(b *testing.B, z *zkmeta.Client, name string) {
	if _, _, err := z.ChildrenW("/floor" + zkmeta.TopicsPath); err != nil {
		b.Fatal(err)
	}
	if _, _, err := z.Get("/floor" + zkmeta.TopicPath(name)); err != nil {
		b.Fatal(err)
	}
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(i-1, len(s)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkControllerReload times a controller failover on a cluster of 3
// brokers whose ZooKeeper holds 1k, 10k or (with KB_BENCH_100K=1) 100k
// partitions in topics of 10 partitions, RF 3. Each iteration deletes
// /controller, as an operator forcing a re-election would; the winner reads
// every broker, topic and partition state (pipelined) and pushes the full
// metadata. reload-ms is the ZooKeeper read phase, push-ms the full
// UpdateMetadata until every broker acknowledged it.
func BenchmarkControllerReload(b *testing.B) {
	sizes := []int{1000, 10000}
	if os.Getenv("KB_BENCH_100K") != "" {
		sizes = append(sizes, 100000)
	}
	for _, parts := range sizes {
		b.Run("partitions="+strconv.Itoa(parts), func(b *testing.B) {
			c := newEmptyClusterOn(b, benchEnsemble(b))
			// The testing package runs a sub-benchmark more than once (b.N =
			// 1 first); the populated chroot is reused.
			if connect, ok := populated[parts]; ok {
				c.connect = connect
			} else {
				populate(b, c.zk(), parts/10, 10, []int32{1, 2, 3})
				populated[parts] = c.connect
			}
			// Brokers start together, as a cluster restart would; whichever
			// is elected first may still see the others missing and shrink
			// ISRs (Kafka's cold-start storm), so convergence may take a while.
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
			admin := c.zk()
			var reload, push, total []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s := forceFailover(b, c, admin)
				reload, push, total = append(reload, s.Reload), append(push, s.Push), append(total, s.Total)
			}
			b.StopTimer()
			b.ReportMetric(ms(percentile(reload, 50)), "reload-ms")
			b.ReportMetric(ms(percentile(push, 50)), "push-ms")
			b.ReportMetric(ms(percentile(total, 50)), "failover-ms")
			b.Logf("%d partitions: reload p50 %v, full push p50 %v, total p50 %v (n=%d)",
				parts, percentile(reload, 50), percentile(push, 50), percentile(total, 50), len(reload))
		})
	}
}

// populated maps a partition count to the chroot holding it.
var populated = map[int]string{}

// forceFailover deletes /controller and returns the winner's failover stats.
func forceFailover(b *testing.B, c *testCluster, admin *zkmeta.Client) FailoverStats {
	b.Helper()
	prev := c.waitActive(30 * time.Second).Status().ControllerEpoch
	if err := admin.Delete(zkmeta.ControllerPath, -1); err != nil {
		b.Fatal(err)
	}
	var stats FailoverStats
	waitFor(b, 5*time.Minute, "the new controller's failover", func() bool {
		for _, id := range c.ids() {
			if s, ok := c.node(id).LastFailover(); ok && int64(s.Epoch) > prev {
				stats = s
				return true
			}
		}
		return false
	})
	return stats
}

// populate writes topics of partsPerTopic partitions (RF = len(brokers),
// Kafka's round-robin placement, leader the first replica) straight into
// ZooKeeper, as a Kafka cluster would have left them, with multis of up to
// maxOpsPerMulti ops from 8 concurrent writers on one session.
func populate(b testing.TB, z *zkmeta.Client, topics, partsPerTopic int, brokers []int32) {
	b.Helper()
	start := time.Now()
	if err := z.EnsurePath(zkmeta.TopicsPath); err != nil {
		b.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ops []zkmeta.Op
			flush := func() bool {
				if len(ops) > 0 {
					if _, err := z.Multi(ops); err != nil {
						mu.Lock()
						first = cmp.Or(first, err)
						mu.Unlock()
						return false
					}
					ops = ops[:0]
				}
				return true
			}
			for i := w; i < topics; i += 8 {
				ops = append(ops, populateOps(fmt.Sprintf("reload-%06d", i), i, partsPerTopic, brokers)...)
				if len(ops) >= maxOpsPerMulti && !flush() {
					return
				}
			}
			flush()
		}()
	}
	wg.Wait()
	if first != nil {
		b.Fatalf("populate: %v", first)
	}
	b.Logf("populated %d partitions in %v", topics*partsPerTopic, time.Since(start))
}

func populateOps(name string, seed, parts int, brokers []int32) []zkmeta.Op {
	t := &cluster.Topic{Name: name, ID: cluster.TopicID{byte(seed), byte(seed >> 8), byte(seed >> 16), 1}}
	ops := []zkmeta.Op{{}, {Kind: zkmeta.OpCreate, Path: zkmeta.PartitionsPath(name)}}
	for p := 0; p < parts; p++ {
		reps := make([]int32, len(brokers))
		for j := range brokers {
			reps[j] = brokers[(seed+p+j)%len(brokers)]
		}
		t.Partitions = append(t.Partitions, cluster.Partition{ID: int32(p), Replicas: reps})
		ops = append(ops, zkmeta.Op{Kind: zkmeta.OpCreate, Path: zkmeta.PartitionPath(name, int32(p))},
			zkmeta.Op{Kind: zkmeta.OpCreate, Path: zkmeta.StatePath(name, int32(p)), Data: zkmeta.EncodeState(reps[0], 0, reps, 0)})
	}
	ops[0] = zkmeta.Op{Kind: zkmeta.OpCreate, Path: zkmeta.TopicPath(name), Data: zkmeta.EncodeTopic(t)}
	return ops
}
