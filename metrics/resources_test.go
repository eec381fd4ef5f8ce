package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

const mib = 1 << 20

func TestResourcesRoundTripInResultFile(t *testing.T) {
	res := &Result{Schema: SchemaVersion, Workload: "topics", Mode: "zk", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Resources: &Resources{WindowNs: 3e9, IntervalNs: 1e9, Samples: 4, Failed: 1,
			Nodes: map[string]NodeResources{
				"broker-1":    {Kind: "node", Roles: []string{"broker"}, CPUSeconds: 1.25, RSSBytes: 40 * mib, PeakRSSBytes: 42 * mib, NetRxBytes: -1, NetTxBytes: -1},
				"zookeeper-1": {Kind: "zookeeper", CPUSeconds: 0.5, RSSBytes: 90 * mib, PeakRSSBytes: 95 * mib, PeakSampled: true, NetRxBytes: -1, NetTxBytes: -1, Restarts: 1},
			},
			Total:  ResourceTotals{Nodes: 2, CPUSeconds: 1.75, PeakRSSBytes: 137 * mib, NetRxBytes: -1, NetTxBytes: -1},
			ByKind: map[string]ResourceTotals{"node": {Nodes: 1, CPUSeconds: 1.25}},
			Notes:  []string{"a note"}}}
	paths, err := res.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadResult(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Resources, res.Resources) {
		t.Errorf("read back %+v\nwant %+v", back.Resources, res.Resources)
	}
	// Without a ResourceReporter the field is absent, not an empty object.
	res.Resources = nil
	js, _ := json.Marshal(res)
	var m map[string]any
	json.Unmarshal(js, &m)
	if _, ok := m["resources"]; ok {
		t.Errorf("nil Resources encoded: %s", js)
	}
}

func usage(started time.Time, cpu float64, rss, hwm, rx, tx int64) cluster.NodeUsage {
	return cluster.NodeUsage{Kind: "node", Roles: []cluster.Role{cluster.RoleBroker}, Started: started,
		CPUSeconds: cpu, RSSBytes: rss, PeakRSSBytes: hwm, NetRxBytes: rx, NetTxBytes: tx}
}

// The tracker charges the window only: deltas from the first sample, a
// restarted node from zero, a reset network counter from zero, and a kernel
// high-water mark only where it rose inside the window.
func TestUsageTrackerDeltas(t *testing.T) {
	t0 := time.Unix(1000, 0)
	boot, reboot := t0.Add(-time.Minute), t0.Add(1500*time.Millisecond)
	tr := newUsageTracker()
	tr.add(t0, map[string]cluster.NodeUsage{
		"broker-1":    usage(boot, 10, 50*mib, 80*mib, 1000, 2000), // its peak was during start-up
		"zookeeper-1": usage(boot, 20, 100*mib, 100*mib, 5000, 6000),
		"local-1":     usage(boot, 1, 10*mib, 12*mib, -1, -1),
	}, nil)
	tr.add(t0.Add(time.Second), map[string]cluster.NodeUsage{
		"broker-1":    usage(boot, 11, 60*mib, 80*mib, 1500, 2100),
		"zookeeper-1": usage(boot, 21, 110*mib, 120*mib, 100, 50), // interface reconnected
		"local-1":     usage(boot, 1.5, 11*mib, 12*mib, -1, -1),
	}, nil)
	// broker-1 restarted: 0.5 s of CPU since; zookeeper-1 failed to answer.
	tr.add(t0.Add(2*time.Second), map[string]cluster.NodeUsage{
		"broker-1": usage(reboot, 0.5, 30*mib, 35*mib, 10, 20),
		"local-1":  usage(boot, 2, 11*mib, 12*mib, -1, -1),
	}, errors.New("zookeeper-1: timeout"))
	r := tr.resources()
	want := map[string]NodeResources{
		"broker-1": {Kind: "node", Roles: []string{"broker"}, CPUSeconds: 1.5, RSSBytes: 30 * mib, PeakRSSBytes: 60 * mib,
			PeakSampled: true, NetRxBytes: 510, NetTxBytes: 120, Restarts: 1},
		"zookeeper-1": {Kind: "node", Roles: []string{"broker"}, CPUSeconds: 1, RSSBytes: 110 * mib, PeakRSSBytes: 120 * mib,
			NetRxBytes: 100, NetTxBytes: 50},
		"local-1": {Kind: "node", Roles: []string{"broker"}, CPUSeconds: 1, RSSBytes: 11 * mib, PeakRSSBytes: 11 * mib,
			PeakSampled: true, NetRxBytes: -1, NetTxBytes: -1},
	}
	if !reflect.DeepEqual(r.Nodes, want) {
		t.Errorf("nodes:\n got %+v\nwant %+v", r.Nodes, want)
	}
	if r.Samples != 3 || r.Failed != 1 || r.WindowNs != int64(2*time.Second) || len(r.Notes) != 2 {
		t.Errorf("samples %d failed %d window %d notes %q", r.Samples, r.Failed, r.WindowNs, r.Notes)
	}
	tot := r.Total
	if tot.Nodes != 3 || tot.CPUSeconds != 3.5 || tot.PeakRSSBytes != 191*mib || tot.NetRxBytes != -1 {
		t.Errorf("total %+v", tot)
	}
}

// A node first seen after the window opened counts from zero when it started
// inside the window, and from its first sample when it predates the window.
func TestUsageTrackerLateNodes(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tr := newUsageTracker()
	tr.add(t0, map[string]cluster.NodeUsage{"a": usage(t0.Add(-time.Hour), 5, mib, mib, 0, 0)}, nil)
	tr.add(t0.Add(time.Second), map[string]cluster.NodeUsage{
		"a":    usage(t0.Add(-time.Hour), 6, mib, mib, 0, 0),
		"new":  usage(t0.Add(500*time.Millisecond), 0.25, 3*mib, 4*mib, 10, 10),
		"miss": usage(t0.Add(-time.Hour), 7, 2*mib, 9*mib, 10, 10), // not read at the first sample
	}, nil)
	r := tr.resources()
	if n := r.Nodes["new"]; n.CPUSeconds != 0.25 || n.PeakRSSBytes != 4*mib || n.PeakSampled || n.NetRxBytes != 10 {
		t.Errorf("new: %+v", n)
	}
	if n := r.Nodes["miss"]; n.CPUSeconds != 0 || n.PeakRSSBytes != 2*mib || !n.PeakSampled || n.NetRxBytes != 0 {
		t.Errorf("miss: %+v", n)
	}
	if tot := r.Total; tot.CPUSeconds != 1.25 || tot.NetRxBytes != 10 {
		t.Errorf("total %+v", tot)
	}
}

// fakeReporter's RSS spikes between the first and the last sample, as a
// provider without a high-water mark (docker) would show it.
type fakeReporter struct {
	cluster.Cluster
	mu    sync.Mutex
	calls int
}

func (f *fakeReporter) Usage(context.Context) (map[string]cluster.NodeUsage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	rss := int64(10 * mib)
	if f.calls == 3 {
		rss = 500 * mib
	}
	return map[string]cluster.NodeUsage{"controller-1001": {Kind: "node", Roles: []cluster.Role{cluster.RoleController},
		Started: time.Unix(1, 0), CPUSeconds: float64(f.calls), RSSBytes: rss, PeakRSSBytes: cluster.NotMeasured,
		NetRxBytes: int64(100 * f.calls), NetTxBytes: int64(10 * f.calls)}}, nil
}

func TestSampleResourcesSeesPeakBetweenEnds(t *testing.T) {
	f := &fakeReporter{}
	s := SampleResources(context.Background(), f, 5*time.Millisecond)
	for {
		f.mu.Lock()
		n := f.calls
		f.mu.Unlock()
		if n >= 4 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	r := s.Stop(context.Background())
	n := r.Nodes["controller-1001"]
	calls := float64(r.Samples)
	if n.PeakRSSBytes != 500*mib || !n.PeakSampled || n.RSSBytes != 10*mib || n.CPUSeconds != calls-1 ||
		n.NetRxBytes != int64(100*(calls-1)) || r.IntervalNs != int64(5*time.Millisecond) || !reflect.DeepEqual(n.Roles, []string{"controller"}) {
		t.Errorf("%d samples: %+v", r.Samples, r)
	}
	if r.ByKind["node"].CPUSeconds != n.CPUSeconds || r.Total.NetTxBytes != n.NetTxBytes {
		t.Errorf("totals %+v by kind %+v", r.Total, r.ByKind)
	}
}

func TestSampleResourcesWithoutReporter(t *testing.T) {
	var c cluster.Cluster // a cluster that cannot tell
	s := SampleResources(context.Background(), c, time.Second)
	if s != nil || s.Stop(context.Background()) != nil {
		t.Error("a cluster without ResourceReporter should give no resources")
	}
}
