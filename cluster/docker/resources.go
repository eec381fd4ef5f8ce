package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/provision"
)

// Usage of a docker cluster is the Docker API's one-shot stats of each node
// and ZooKeeper container (a ZooKeeper-mode cluster is charged for its
// ensemble), read with an inspect for the container's start time:
//
//   - CPU: cpu_stats.cpu_usage.total_usage, the container's cgroup CPU time.
//   - memory: anonymous plus file-mapped memory of the cgroup's memory.stat
//     (cgroup v1: total_rss + total_mapped_file; v2: anon + file_mapped),
//     the analogue of the local provider's VmRSS summed over the container.
//     memory_stats.usage is not used: it counts the page cache, which here
//     holds ZooKeeper's transaction log and the Raft log, and would charge a
//     node for files it wrote.
//   - peak memory: NotMeasured. cgroup v2 has no max_usage in the stats, and
//     cgroup v1's max_usage is the high-water mark of usage, page cache
//     included, so not of the figure above. Callers sample RSSBytes and keep
//     the largest (metrics.SampleResources does, every second).
//   - network: rx_bytes and tx_bytes summed over the container's interfaces
//     (its peer and client networks): peer traffic and Kafka clients alike.
//     An interface's counters restart from zero when a partition fault
//     disconnects and reconnects it; callers that sum increments see a drop
//     and count from zero (metrics.SampleResources does).
var _ cluster.ResourceReporter = (*dockerCluster)(nil)

// Usage reads every running node's and ZooKeeper server's usage, the
// containers concurrently.
func (c *dockerCluster) Usage(ctx context.Context) (map[string]cluster.NodeUsage, error) {
	type target struct {
		name, container, kind string
		roles                 []cluster.Role
	}
	var targets []target
	for _, n := range c.plan.Nodes {
		targets = append(targets, target{name: n.Name(), container: c.res.container(n.ID), kind: "node", roles: n.Roles})
	}
	for _, id := range c.plan.ZooKeepers {
		targets = append(targets, target{name: cluster.ZooKeeperName(id), container: c.names.zk(id), kind: "zookeeper"})
	}
	usages := make([]*cluster.NodeUsage, len(targets))
	err := provision.Parallel(len(targets), func(i int) error {
		u, err := c.containerUsage(ctx, targets[i].container)
		if err != nil {
			return fmt.Errorf("usage of %s: %w", targets[i].name, err)
		}
		if u != nil {
			u.Kind, u.Roles = targets[i].kind, targets[i].roles
		}
		usages[i] = u
		return nil
	})
	out := make(map[string]cluster.NodeUsage, len(targets))
	for i, u := range usages {
		if u != nil {
			out[targets[i].name] = *u
		}
	}
	return out, err
}

// containerUsage reads one container's usage, or nil when it is not running
// (stopped by a fault, or gone).
func (c *dockerCluster) containerUsage(ctx context.Context, name string) (*cluster.NodeUsage, error) {
	in, err := c.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", name, err)
	}
	st := in.Container.State
	if st == nil || !st.Running {
		return nil, nil
	}
	started, err := time.Parse(time.RFC3339Nano, st.StartedAt)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: start time: %w", name, err)
	}
	res, err := c.cli.ContainerStats(ctx, name, client.ContainerStatsOptions{})
	if err != nil {
		return nil, fmt.Errorf("stats of %s: %w", name, err)
	}
	defer res.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		return nil, fmt.Errorf("stats of %s: %w", name, err)
	}
	u, err := usageFromStats(s, started)
	if err != nil {
		return nil, fmt.Errorf("stats of %s: %w", name, err)
	}
	return &u, nil
}

// usageFromStats turns a stats sample into a NodeUsage.
func usageFromStats(s container.StatsResponse, started time.Time) (cluster.NodeUsage, error) {
	u := cluster.NodeUsage{Started: started, PeakRSSBytes: cluster.NotMeasured,
		NetRxBytes: cluster.NotMeasured, NetTxBytes: cluster.NotMeasured}
	u.CPUSeconds = float64(s.CPUStats.CPUUsage.TotalUsage) / 1e9
	rss, err := residentBytes(s.MemoryStats.Stats)
	if err != nil {
		return u, err
	}
	u.RSSBytes = rss
	if len(s.Networks) > 0 {
		u.NetRxBytes, u.NetTxBytes = 0, 0
		for _, n := range s.Networks {
			u.NetRxBytes += int64(n.RxBytes)
			u.NetTxBytes += int64(n.TxBytes)
		}
	}
	return u, nil
}

// residentBytes is anonymous plus file-mapped memory from a cgroup's
// memory.stat, as the stats carry it for cgroup v2 or v1 (hierarchical
// totals where present).
func residentBytes(m map[string]uint64) (int64, error) {
	for _, keys := range [][2]string{{"anon", "file_mapped"}, {"total_rss", "total_mapped_file"}, {"rss", "mapped_file"}} {
		anon, ok1 := m[keys[0]]
		mapped, ok2 := m[keys[1]]
		if ok1 && ok2 {
			return int64(anon + mapped), nil
		}
	}
	return 0, errors.New("memory stats have neither anon/file_mapped (cgroup v2) nor rss/mapped_file (cgroup v1)")
}

// zkHeapMB is each ZooKeeper container's -Xmx: the image's entrypoint
// (scripts/images/zk-entrypoint.sh) gives 1000 MiB, as the official
// ZooKeeper image does.
const zkHeapMB = 1000

var _ cluster.ZKHeapReporter = (*dockerCluster)(nil)

// ZKHeapBytes is each ZooKeeper server's heap (0 in KRaft mode: none runs).
func (c *dockerCluster) ZKHeapBytes() int64 {
	if c.spec.Mode != cluster.ModeZK {
		return 0
	}
	if c.spec.ZKHeapMB > 0 {
		return int64(c.spec.ZKHeapMB) << 20
	}
	return zkHeapMB << 20
}
