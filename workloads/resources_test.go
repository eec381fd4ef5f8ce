package workloads

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// usageCluster is a fake cluster whose nodes each use 2 CPU seconds, 1000
// bytes in and 100 out, and 1 MiB more memory between two Usage calls.
type usageCluster struct {
	fakeCluster
	mu    sync.Mutex
	calls int
}

func (c *usageCluster) Bootstrap() []string { return []string{"127.0.0.1:1"} } // never dialled

func (c *usageCluster) Usage(context.Context) (map[string]cluster.NodeUsage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	n := int64(c.calls)
	u := func(kind string, roles ...cluster.Role) cluster.NodeUsage {
		return cluster.NodeUsage{Kind: kind, Roles: roles, Started: time.Unix(1, 0), CPUSeconds: 2 * float64(n),
			RSSBytes: n << 20, PeakRSSBytes: n << 20, NetRxBytes: 1000 * n, NetTxBytes: 100 * n}
	}
	return map[string]cluster.NodeUsage{"broker-1": u("node", cluster.RoleBroker), "zookeeper-1": u("zookeeper")}, nil
}

type fakeProvider struct{ c cluster.Cluster }

func (p fakeProvider) Name() string { return "fake" }
func (p fakeProvider) Start(context.Context, cluster.Spec) (cluster.Cluster, error) {
	return p.c, nil
}

// oneOp records one sample and returns: a workload that needs no Admin.
type oneOp struct{}

func (oneOp) Name() string { return "oneop" }
func (oneOp) Run(ctx context.Context, env *Env) (Outcome, error) {
	start := time.Now()
	time.Sleep(10 * time.Millisecond)
	env.Rec.Record(metrics.Sample{Op: "noop", Start: start, End: time.Now()})
	return Outcome{}, nil
}

func runWithCluster(t *testing.T, c cluster.Cluster) *metrics.Result {
	t.Helper()
	registry["oneop"] = func(Params) (Workload, error) { return oneOp{}, nil }
	t.Cleanup(func() { delete(registry, "oneop") })
	s := DefaultScenario()
	s.Workload, s.Modes, s.Output = "oneop", []cluster.Mode{cluster.ModeZK}, t.TempDir()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Provider: func(cluster.Spec) (cluster.Provider, error) { return fakeProvider{c}, nil }}
	results, err := r.Run(context.Background(), s)
	if err != nil || len(results) != 1 {
		t.Fatalf("%d results, %v", len(results), err)
	}
	files, _ := filepath.Glob(filepath.Join(s.Output, "oneop-zk-*.json"))
	if len(files) != 1 {
		t.Fatalf("result files %v", files)
	}
	back, err := metrics.ReadResult(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// The runner samples usage when the workload starts and ends and writes the
// difference, per node and in total, into the result file.
func TestRunnerRecordsResourceDeltas(t *testing.T) {
	res := runWithCluster(t, &usageCluster{}).Resources
	if res == nil || res.Samples != 2 {
		t.Fatalf("resources %+v, want 2 samples (start and end)", res)
	}
	for _, name := range []string{"broker-1", "zookeeper-1"} {
		n := res.Nodes[name]
		if n.CPUSeconds != 2 || n.NetRxBytes != 1000 || n.NetTxBytes != 100 || n.RSSBytes != 2<<20 || n.PeakRSSBytes != 2<<20 || n.PeakSampled {
			t.Errorf("%s: %+v", name, n)
		}
	}
	if res.Total.CPUSeconds != 4 || res.Total.PeakRSSBytes != 4<<20 || res.Total.Nodes != 2 ||
		res.ByKind["zookeeper"].CPUSeconds != 2 || res.ByKind["node"].NetRxBytes != 1000 {
		t.Errorf("total %+v by kind %+v", res.Total, res.ByKind)
	}
}

func TestRunnerWithoutResourceReporter(t *testing.T) {
	res := runWithCluster(t, bootstrapped{})
	if res.Resources != nil {
		t.Errorf("a cluster that cannot tell has resources %+v", res.Resources)
	}
}

// bootstrapped is a fakeCluster with an address and no Usage.
type bootstrapped struct{ fakeCluster }

func (bootstrapped) Bootstrap() []string { return []string{"127.0.0.1:1"} }
