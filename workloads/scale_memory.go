package workloads

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// Memory guard of the scale sweep. Every broker, every KRaft controller and
// every ZooKeeper server holds every partition in memory, so a sweep is
// refused when the machine cannot hold its largest count, and stopped before
// a count the memory measured so far says will not fit.
//
// The estimate is per partition, per process that holds the metadata,
// from make bench-scale on this project's nodes (results/scale/report.md):
// the growth of resident memory after the create step between 1k and 100k
// partitions, about twice that, rounded up: ZooKeeper-mode brokers 530 B,
// ZooKeeper servers 2.9 KiB, KRaft brokers 300 B, KRaft controllers 440 B.
var scalePerPartition = map[cluster.Mode]struct{ broker, controller, zookeeper int64 }{
	cluster.ModeZK:    {broker: 1 << 10, zookeeper: 4 << 10},
	cluster.ModeKRaft: {broker: 1 << 10, controller: 1 << 10},
}

// A ZooKeeper server keeps every znode on its Java heap, which the providers
// cap (-Xmx) and report (cluster.ZKHeapReporter): 512 MiB in the local
// provider, as Kafka's zookeeper-server-start.sh, 1000 MiB in the docker
// image. After a full GC a server held 1.45 KiB
// of old generation per partition at 100k partitions (jcmd GC.heap_info,
// the partition and state znodes and the topics'); with the serial
// collector the old generation is two thirds of the heap.
const (
	zkHeapPerPartition = 1536 // bytes, rounded up from 1.45 KiB
	zkOldShare         = 2.0 / 3
)

// scaleHeadroom multiplies estimates for what a sample after a step misses:
// a push or snapshot in flight holds two images at once.
const scaleHeadroom = 1.5

// scaleReserve is memory kept free for the harness and the system.
const scaleReserve = 1 << 30

// scaleMemory checks that a sweep fits in the machine's memory.
type scaleMemory struct {
	perPartition int64 // bytes per partition over every process of the cluster
	how          string
	provider     string
	zkHeap       int64 // a ZooKeeper server's heap, 0 when unknown or KRaft
	// measured so far: total resident memory at the first and last count
	firstN, lastN       int
	firstRSS, lastRSS   int64
	available           func() (int64, error)
	observedAtLastCount int64
}

// newScaleMemory judges a sweep on a cluster of spec whose ZooKeeper servers
// each have zkHeap bytes of heap (0: unknown, or KRaft mode).
func newScaleMemory(spec cluster.Spec, zkHeap int64) *scaleMemory {
	pp := scalePerPartition[spec.Mode]
	var per int64
	var how string
	switch spec.Mode {
	case cluster.ModeZK:
		per = int64(spec.Brokers)*pp.broker + int64(max(spec.ZKServers, 1))*pp.zookeeper
		how = fmt.Sprintf("%d brokers x %.1f KiB + %d ZooKeeper servers x %.1f KiB", spec.Brokers, kib(pp.broker), max(spec.ZKServers, 1), kib(pp.zookeeper))
	default:
		ctrls := max(spec.Controllers, 1)
		per = int64(spec.Brokers)*pp.broker + int64(ctrls)*pp.controller
		how = fmt.Sprintf("%d brokers x %.1f KiB + %d controllers x %.1f KiB", spec.Brokers, kib(pp.broker), ctrls, kib(pp.controller))
	}
	m := &scaleMemory{perPartition: per, how: how, available: memAvailable, provider: spec.Provider}
	if spec.Mode == cluster.ModeZK {
		m.zkHeap = zkHeap
	}
	return m
}

func kib(b int64) float64 { return float64(b) / 1024 }
func gib(b int64) float64 { return float64(b) / (1 << 30) }

// check refuses count n when it will not fit: in a ZooKeeper server's heap;
// in the machine's memory, before anything ran by the static estimate, later
// by the growth measured between the first count and the last one seen,
// whichever is larger.
func (m *scaleMemory) check(n int) error {
	if m.zkHeap > 0 {
		holds := int(float64(m.zkHeap) * zkOldShare / zkHeapPerPartition)
		if n > holds {
			return fmt.Errorf("param partitions: %d partitions are more than the ZooKeeper servers can hold: each keeps about %.1f KiB of heap per partition, and the old generation of its %d MiB heap (-Xmx, %s provider) holds about %d partitions; use a smaller sweep for ZooKeeper mode",
				n, kib(zkHeapPerPartition), m.zkHeap>>20, m.provider, holds)
		}
	}
	avail, err := m.available()
	if err != nil {
		return nil // no figure to judge by: let the sweep try
	}
	per, how := m.perPartition, "an estimated "+m.how
	if m.lastN > m.firstN {
		measured := (m.lastRSS - m.firstRSS) / int64(m.lastN-m.firstN)
		if measured > per {
			per, how = measured, fmt.Sprintf("as measured between %d and %d partitions", m.firstN, m.lastN)
		}
	}
	from := m.lastN
	need := int64(float64(int64(n-from)*per) * scaleHeadroom)
	if need <= avail-scaleReserve {
		return nil
	}
	return fmt.Errorf("param partitions: %d partitions need about %.1f GiB more memory (%.1f KiB per partition, %s, x%.1f for peaks), but this machine has %.1f GiB available (less %.1f GiB kept free); use a smaller sweep",
		n, gib(need), kib(per), how, scaleHeadroom, gib(avail), gib(scaleReserve))
}

// observe notes the total resident memory after a step at count n.
func (m *scaleMemory) observe(n int, total int64) {
	if total <= 0 {
		return
	}
	if m.firstN == 0 {
		m.firstN, m.firstRSS = n, total
	}
	if n == m.firstN {
		m.firstRSS = max(m.firstRSS, total)
	}
	if n != m.lastN {
		m.lastN, m.observedAtLastCount = n, 0
	}
	m.observedAtLastCount = max(m.observedAtLastCount, total)
	m.lastRSS = m.observedAtLastCount
}

// memAvailable reads MemAvailable from /proc/meminfo.
func memAvailable() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/meminfo: no MemAvailable")
}
