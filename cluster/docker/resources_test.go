package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/moby/moby/api/types/container"
)

// Every container of a small KRaft cluster reports CPU time, resident memory
// and network bytes from the Docker API, and creating topics makes the
// cluster's CPU time and every node's network bytes grow.
func TestUsageKRaft(t *testing.T) {
	needDocker(t)
	c := startCluster(t, cluster.Spec{Name: runName(t, "usage"), Mode: cluster.ModeKRaft, Controllers: 1, Brokers: 2,
		Images: cluster.Images{Node: nodeImage(t)}, Seed: 1})
	before := dockerUsage(t, c)
	adm, err := admin.New(c.Bootstrap(), admin.Options{ClientID: t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for i := range 20 {
		res, err := adm.CreateTopics(ctx, []cluster.TopicSpec{{Name: fmt.Sprintf("load-%d", i), NumPartitions: 4, ReplicationFactor: 2}})
		if err != nil || res[0].Code != 0 {
			t.Fatalf("create topic %d: %v %+v", i, err, res)
		}
	}
	after := dockerUsage(t, c)
	var cpu0, cpu1 float64
	for name, u := range after {
		b := before[name]
		if !u.Started.Equal(b.Started) || u.CPUSeconds < b.CPUSeconds || u.NetRxBytes <= b.NetRxBytes || u.NetTxBytes <= b.NetTxBytes {
			t.Errorf("%s: before %+v, after %+v", name, b, u)
		}
		cpu0, cpu1 = cpu0+b.CPUSeconds, cpu1+u.CPUSeconds
		t.Logf("%-16s cpu %.3fs -> %.3fs  rss %d MiB  net rx %d tx %d bytes in the load", name, b.CPUSeconds, u.CPUSeconds,
			u.RSSBytes>>20, u.NetRxBytes-b.NetRxBytes, u.NetTxBytes-b.NetTxBytes)
	}
	if cpu1 <= cpu0 {
		t.Errorf("cluster CPU did not grow with 20 topics created: %.3fs -> %.3fs", cpu0, cpu1)
	}
}

// dockerUsage reads the cluster's usage and checks what every sample must
// satisfy.
func dockerUsage(t *testing.T, c *dockerCluster) map[string]cluster.NodeUsage {
	t.Helper()
	us, err := c.Usage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != len(c.plan.Nodes) {
		t.Fatalf("usage of %d containers, want %d: %v", len(us), len(c.plan.Nodes), us)
	}
	for _, n := range c.plan.Nodes {
		u, ok := us[n.Name()]
		if !ok || u.Kind != "node" || len(u.Roles) != len(n.Roles) || u.CPUSeconds <= 0 || u.RSSBytes <= 1<<20 ||
			u.PeakRSSBytes != cluster.NotMeasured || u.NetRxBytes <= 0 || u.NetTxBytes <= 0 ||
			time.Since(u.Started) > 5*time.Minute || time.Until(u.Started) > 5*time.Second {
			t.Errorf("%s: %+v (present %v)", n.Name(), u, ok)
		}
	}
	return us
}

// Stats as engines send them: cgroup v1 (total_rss, total_mapped_file,
// max_usage of usage with the page cache) and v2 (anon, file_mapped, no
// max_usage). Resident memory leaves the page cache out in both.
func TestUsageFromStats(t *testing.T) {
	started := time.Unix(100, 0)
	for _, c := range []struct{ name, js string }{
		{"cgroup v1", `{"cpu_stats":{"cpu_usage":{"total_usage":1500000000}},
			"memory_stats":{"usage":900000000,"max_usage":950000000,"stats":{"total_rss":8388608,"total_mapped_file":2097152,"total_cache":800000000,"rss":1,"mapped_file":1}},
			"networks":{"eth0":{"rx_bytes":100,"tx_bytes":10},"eth1":{"rx_bytes":200,"tx_bytes":20}}}`},
		{"cgroup v2", `{"cpu_stats":{"cpu_usage":{"total_usage":1500000000}},
			"memory_stats":{"usage":900000000,"stats":{"anon":8388608,"file_mapped":2097152,"file":800000000}},
			"networks":{"eth0":{"rx_bytes":100,"tx_bytes":10},"eth1":{"rx_bytes":200,"tx_bytes":20}}}`},
	} {
		var s container.StatsResponse
		if err := json.Unmarshal([]byte(c.js), &s); err != nil {
			t.Fatal(err)
		}
		u, err := usageFromStats(s, started)
		want := cluster.NodeUsage{Started: started, CPUSeconds: 1.5, RSSBytes: 10 << 20, PeakRSSBytes: cluster.NotMeasured,
			NetRxBytes: 300, NetTxBytes: 30}
		if err != nil || !reflect.DeepEqual(u, want) {
			t.Errorf("%s: %+v, %v; want %+v", c.name, u, err, want)
		}
	}
	if _, err := usageFromStats(container.StatsResponse{}, started); err == nil {
		t.Error("stats without memory.stat: no error")
	}
}
