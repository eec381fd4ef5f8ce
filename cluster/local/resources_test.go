package local

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/admin"
)

// Every kbnode process and ZooKeeper server of a running cluster of each mode
// reports its CPU time and resident memory from /proc, and creating topics
// makes every one's CPU time grow. /proc counts CPU time in 10 ms ticks, so a
// node that has done almost nothing yet may show 0: the load runs until every
// node has used at least a tick.
func TestUsageOfEachMode(t *testing.T) {
	for _, spec := range []cluster.Spec{
		{Name: "use-kraft", Mode: cluster.ModeKRaft, Controllers: 1, Brokers: 2},
		{Name: "use-zk", Mode: cluster.ModeZK, ZKServers: 1, Brokers: 2},
	} {
		t.Run(string(spec.Mode), func(t *testing.T) {
			c := startLocal(t, spec)
			rep := c.(cluster.ResourceReporter)
			before := usageOf(t, rep, len(c.Nodes()))
			checkUsage(t, before)
			after := before
			for round := 0; round < 10 && (round == 0 || !allUsedCPU(after)); round++ {
				createTopics(t, c, fmt.Sprintf("load%d", round), 20)
				after = usageOf(t, rep, len(c.Nodes()))
			}
			checkUsage(t, after)
			var cpu0, cpu1 float64
			for name, u := range after {
				b := before[name]
				if !u.Started.Equal(b.Started) || u.CPUSeconds < b.CPUSeconds || u.PeakRSSBytes < b.PeakRSSBytes {
					t.Errorf("%s went back: before %+v, after %+v", name, b, u)
				}
				if u.CPUSeconds <= 0 {
					t.Errorf("%s used no CPU time under load: %+v", name, u)
				}
				cpu0, cpu1 = cpu0+b.CPUSeconds, cpu1+u.CPUSeconds
				t.Logf("%-16s cpu %.2fs -> %.2fs  rss %d MiB  peak %d MiB", name, b.CPUSeconds, u.CPUSeconds, u.RSSBytes>>20, u.PeakRSSBytes>>20)
			}
			if cpu1 <= cpu0 {
				t.Errorf("cluster CPU did not grow with topics created: %.3fs -> %.3fs", cpu0, cpu1)
			}
		})
	}
}

// checkUsage checks what every sample must satisfy.
func checkUsage(t *testing.T, us map[string]cluster.NodeUsage) {
	t.Helper()
	for name, u := range us {
		wantKind := "node"
		if strings.HasPrefix(name, "zookeeper-") {
			wantKind = "zookeeper"
		}
		if u.Kind != wantKind || (wantKind == "node") != (len(u.Roles) > 0) || u.CPUSeconds < 0 || u.RSSBytes <= 1<<20 ||
			u.PeakRSSBytes < u.RSSBytes || u.NetRxBytes != cluster.NotMeasured || u.NetTxBytes != cluster.NotMeasured ||
			time.Since(u.Started) > 5*time.Minute || time.Until(u.Started) > time.Second {
			t.Errorf("%s: %+v", name, u)
		}
	}
}

func allUsedCPU(us map[string]cluster.NodeUsage) bool {
	for _, u := range us {
		if u.CPUSeconds <= 0 {
			return false
		}
	}
	return true
}

// A restarted node is a new incarnation: its Started changes and its
// counters start again.
func TestUsageSeesRestart(t *testing.T) {
	c := startLocal(t, cluster.Spec{Name: "use-restart", Mode: cluster.ModeKRaft, Controllers: 1, Brokers: 1})
	rep := c.(cluster.ResourceReporter)
	before := usageOf(t, rep, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Fault(ctx, cluster.Fault{Kind: cluster.FaultKill, Node: 1}); err != nil {
		t.Fatal(err)
	}
	if u, err := rep.Usage(ctx); err != nil || len(u) != 1 {
		t.Errorf("with broker-1 killed: %v, %v (want the controller alone)", u, err)
	}
	if _, err := c.Fault(ctx, cluster.Fault{Kind: cluster.FaultRestart, Node: 1}); err != nil {
		t.Fatal(err)
	}
	after := usageOf(t, rep, 2)
	if b, a := before["broker-1"], after["broker-1"]; !a.Started.After(b.Started) {
		t.Errorf("broker-1 restarted, Started %v -> %v", b.Started, a.Started)
	}
}

func usageOf(t *testing.T, rep cluster.ResourceReporter, want int) map[string]cluster.NodeUsage {
	t.Helper()
	u, err := rep.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(u) != want {
		t.Fatalf("usage of %d nodes, want %d: %v", len(u), want, u)
	}
	return u
}

func createTopics(t *testing.T, c cluster.Cluster, prefix string, n int) {
	t.Helper()
	adm, err := admin.New(c.Bootstrap(), admin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range n {
		res, err := adm.CreateTopics(ctx, []cluster.TopicSpec{{Name: fmt.Sprintf("%s-%d", prefix, i), NumPartitions: 4, ReplicationFactor: 2}})
		if err != nil || res[0].Code != 0 {
			t.Fatalf("create topic %d: %v %+v", i, err, res)
		}
	}
}

// /proc's formats, including a command name with spaces and parentheses.
func TestParseProc(t *testing.T) {
	stat := "4242 (kb (node) 1) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 50 3 4 20 0 12 0 987654 1234567 2560 18446744073709551615"
	cpu, start, err := parseStat(stat)
	if err != nil || cpu != 200 || start != 987654 {
		t.Errorf("parseStat: cpu %d start %d, %v", cpu, start, err)
	}
	if _, _, err := parseStat("4242 (x) S 1 2"); err == nil {
		t.Error("parseStat of a short line: no error")
	}
	status := "Name:\tkbnode\nVmPeak:\t  900000 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t12\n"
	rss, hwm, err := parseStatus(status)
	if err != nil || rss != 10<<20 || hwm != 20<<20 {
		t.Errorf("parseStatus: rss %d hwm %d, %v", rss, hwm, err)
	}
	if _, _, err := parseStatus("Name:\tkthreadd\nState:\tS\n"); err == nil {
		t.Error("parseStatus without VmRSS: no error")
	}
	if hz := clockTicks(); hz != 100 && hz != 250 && hz != 1000 {
		t.Errorf("clock ticks %v", hz)
	}
}

// A spec's ZooKeeper heap reaches each server's JVM as its -Xmx and is what
// the cluster reports; without one it is Kafka's 512 MiB.
func TestZooKeeperHeapFromTheSpec(t *testing.T) {
	for _, heap := range []int{0, 768} {
		t.Run(fmt.Sprint(heap), func(t *testing.T) {
			c := startLocal(t, cluster.Spec{Name: fmt.Sprintf("heap-%d", heap), Mode: cluster.ModeZK, ZKServers: 1, Brokers: 1, ZKHeapMB: heap})
			want := max(heap, 512)
			if got := c.(cluster.ZKHeapReporter).ZKHeapBytes(); got != int64(want)<<20 {
				t.Errorf("ZKHeapBytes %d, want %d MiB", got, want)
			}
			pids := c.(*localCluster).zk.Pids()
			if len(pids) != 1 {
				t.Fatalf("ZooKeeper pids %v, want one server", pids)
			}
			for _, pid := range pids {
				b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				if err != nil {
					t.Fatal(err)
				}
				if args := strings.Split(string(b), "\x00"); !slices.Contains(args, fmt.Sprintf("-Xmx%dm", want)) {
					t.Errorf("ZooKeeper server %d runs %q, want -Xmx%dm", pid, args, want)
				}
			}
		})
	}
}
