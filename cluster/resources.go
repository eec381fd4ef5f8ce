package cluster

import (
	"context"
	"fmt"
	"time"
)

// ResourceReporter is the optional extra of a cluster that can tell what
// each of its processes (containers) has used: CPU time, resident memory and
// network bytes. The seed claims KRaft needs 15-25% fewer resources; a
// ZooKeeper-mode cluster is charged for its ensemble, a KRaft cluster for its
// controllers, so both report their ZooKeeper servers beside their nodes.
type ResourceReporter interface {
	// Usage returns the usage of every node and ZooKeeper server that is
	// running, keyed by name: "broker-1", "controller-1001", "node-1"
	// (combined), "zookeeper-1" (see ZooKeeperName). A node that is not
	// running (killed, stopped) is absent. Counters are cumulative since the
	// process or container started; NodeUsage.Started tells one incarnation
	// from the next, so a caller can sum across restarts. On error the map
	// holds whatever could be read. Safe for concurrent use, cheap enough to
	// call every second.
	Usage(ctx context.Context) (map[string]NodeUsage, error)
}

// ZKHeapReporter is the optional extra of a ZooKeeper-mode cluster that says
// how much Java heap (-Xmx) each of its ZooKeeper servers has: a server
// keeps every znode on its heap, so this bounds the partitions a cluster can
// hold. Workloads ask it rather than guess from the provider's name.
type ZKHeapReporter interface {
	ZKHeapBytes() int64
}

// NotMeasured is the value of a NodeUsage figure the provider cannot measure
// (the local provider's network bytes, a kernel high-water mark Docker does
// not expose). It is never a real value: every figure is otherwise >= 0.
const NotMeasured = -1

// NodeUsage is one node's (or ZooKeeper server's) usage since Started.
type NodeUsage struct {
	Kind  string // "node" or "zookeeper", as NodeInfo.Kind
	Roles []Role // a node's roles; none for a ZooKeeper server
	// Started is when this incarnation of the process or container started.
	Started time.Time
	// CPUSeconds is user plus system CPU time.
	CPUSeconds float64
	// RSSBytes is resident memory now: anonymous plus file-mapped pages, not
	// the page cache of files merely read or written.
	RSSBytes int64
	// PeakRSSBytes is the kernel's high-water mark of RSSBytes since Started,
	// or NotMeasured when the provider has none (callers then sample
	// RSSBytes and keep the largest).
	PeakRSSBytes int64
	// NetRxBytes and NetTxBytes are bytes received and sent on every network
	// interface of the node, or NotMeasured.
	NetRxBytes, NetTxBytes int64
}

// ZooKeeperName is the name ZooKeeper server id (its myid) has in Usage.
func ZooKeeperName(id int) string { return fmt.Sprintf("zookeeper-%d", id) }
