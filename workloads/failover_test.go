package workloads

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// The failover workload against both modes, in a short form: every fault
// kind the provider can inject hits the active controller and a broker while
// the probe runs; the run must pass its safety checks (linearizable history,
// every acknowledged write kept, one digest, one controller per epoch) and
// measure what each fault should produce.
func TestFailoverLocalKillStopPause(t *testing.T) {
	// The local provider cannot partition a process: the run asks the
	// cluster, notes the fault as not run, and goes on.
	runFailover(t, "kill,stop,pause", "partition", localClusters(t))
}

// The network partition needs containers: the node is cut from its peers'
// network while the host still reaches it.
func TestFailoverDockerPartition(t *testing.T) {
	runFailover(t, "partition", "", dockerClusters(t))
}

// runFailover runs faults, which must be measured, and unsupported, which
// the provider cannot inject and the run must skip with a note.
func runFailover(t *testing.T, faults, unsupported string, provider func(cluster.Spec) (cluster.Provider, error)) {
	s := DefaultScenario()
	s.Workload, s.Profile = "failover", "tuned"
	all := faults
	if unsupported != "" {
		all += "," + unsupported
	}
	s.Params = Params{"faults": all, "hold": "0s", "settle": "500ms", "topics": "6", "timeout": "45s", "write_timeout": "20s"}
	s.Topology = Topology{Brokers: 3, Controllers: 3, ZKServers: 1}
	results := realRun(t, s, provider, 8*time.Minute)
	for _, res := range results {
		for _, kind := range strings.Split(faults, ",") {
			want := map[string][]string{
				"controller": {"new_controller", "unavailable", "converged"},
				"broker":     {"leaders_moved", "unavailable", "converged"},
			}
			if res.Mode == "zk" {
				// The ZooKeeper-mode controller is a broker: its partitions move too.
				want["controller"] = append(want["controller"], "leaders_moved")
			}
			for target, measures := range want {
				wantMeasures(t, res, kind, target, measures...)
				if !hasFault(res, kind, target) {
					t.Errorf("%s: no window for %s of the %s in %+v", res.Mode, kind, target, res.Faults)
				}
			}
		}
		for _, kind := range strings.Split(unsupported, ",") {
			for _, target := range []string{"controller", "broker"} {
				if kind != "" && !hasNote(res, kind+" of the "+target+": not run: "+cluster.ErrFaultUnsupported.Error()) {
					t.Errorf("%s: %s of the %s: no note that it was not run: %v", res.Mode, kind, target, res.Notes)
				}
			}
		}
		wantSafe(t, res)
		if o, ok := res.Op("create"); !ok || len(o.Timeline) == 0 {
			t.Errorf("%s: the probe's creates kept no timeline", res.Mode)
		}
	}
}

func hasFailoverMeasure(res *metrics.Result, fault, target, measure string) bool {
	for _, m := range res.MeasuresNamed(metrics.MeasureFailover) {
		if m.Labels["fault"] == fault && m.Labels["target"] == target && m.Labels["measure"] == measure && m.Value >= 0 {
			return true
		}
	}
	return false
}

func hasFault(res *metrics.Result, kind, target string) bool {
	for _, f := range res.Faults {
		if f.Kind == kind && f.Target == target && f.EndNs > f.StartNs {
			return true
		}
	}
	return false
}

func hasNote(res *metrics.Result, prefix string) bool {
	for _, n := range res.Notes {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// unavailability reads the window off the probe's writes as documented.
func TestUnavailabilityWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(start, lat time.Duration, err error) probeCall {
		return probeCall{Op: "create", Start: t0.Add(start), End: t0.Add(start + lat), Err: err}
	}
	fail := fmt.Errorf("NOT_CONTROLLER")
	cases := []struct {
		name   string
		writes []probeCall
		want   time.Duration
		ok     bool
	}{
		{"nothing failed", []probeCall{at(0, 5*time.Millisecond, nil), at(100*time.Millisecond, 5*time.Millisecond, nil)}, 0, true},
		{"failures then success", []probeCall{
			at(0, 5*time.Millisecond, nil), at(100*time.Millisecond, 10*time.Millisecond, fail),
			at(200*time.Millisecond, 10*time.Millisecond, fail), at(300*time.Millisecond, 5*time.Millisecond, nil)},
			205 * time.Millisecond, true},
		{"a stall that succeeds closes its own window", []probeCall{
			at(0, 3*time.Second, nil), at(100*time.Millisecond, 2950*time.Millisecond, nil)},
			3 * time.Second, true},
		{"a delete held by the brokers is not the controller's unavailability", []probeCall{
			at(0, 5*time.Millisecond, nil), {Op: "delete", Start: t0.Add(50 * time.Millisecond), End: t0.Add(15 * time.Second)},
			at(100*time.Millisecond, 5*time.Millisecond, nil)}, 0, true},
		{"never recovered", []probeCall{at(0, time.Millisecond, fail), at(100*time.Millisecond, time.Millisecond, fail)}, 0, false},
	}
	for _, c := range cases {
		d, _, ok := unavailability(c.writes, time.Second)
		if d != c.want || ok != c.ok {
			t.Errorf("%s: got %v %v, want %v %v", c.name, d, ok, c.want, c.ok)
		}
	}
}

// The window is read past the cluster's convergence until it closes: under
// separate KRaft controllers the brokers agree at once when a dead
// controller is restarted, while writes keep failing until they find the
// new leader. A first cut-off at convergence left such a window open (and
// the measure missing) whenever the first good write started after it.
func TestAwaitUnavailableWaitsForTheWindowToClose(t *testing.T) {
	fault := time.Now().Add(-time.Second) // the writes below are in the past
	fail := fmt.Errorf("NOT_CONTROLLER")
	p := &probe{writes: []probeCall{
		{Op: "create", Start: fault.Add(10 * time.Millisecond), End: fault.Add(20 * time.Millisecond), Err: fail},
		{Op: "create", Start: fault.Add(30 * time.Millisecond), End: fault.Add(40 * time.Millisecond), Err: fail},
	}}
	recovered := make(chan time.Time)
	go func() {
		time.Sleep(300 * time.Millisecond) // well after the first cut-off
		start := time.Now()
		p.mu.Lock()
		p.writes = append(p.writes, probeCall{Op: "create", Start: start, End: start.Add(5 * time.Millisecond)})
		p.mu.Unlock()
		recovered <- start.Add(5 * time.Millisecond)
	}()
	w := &failover{timeout: 10 * time.Second, write: time.Second, stall: time.Second}
	d, from, why := w.awaitUnavailable(t.Context(), p, fault)
	end := <-recovered
	if why != "" {
		t.Fatalf("not measured: %s", why)
	}
	if !from.Equal(fault.Add(10*time.Millisecond)) || !from.Add(d).Equal(end) {
		t.Errorf("window %v from %v, want from the first failure to the recovered write's end (%v)", d, from.Sub(fault), end.Sub(fault))
	}

	// Writes that never recover within the timeout: not measured, and why.
	p = &probe{writes: []probeCall{{Op: "create", Start: fault, End: fault.Add(time.Millisecond), Err: fail}}}
	w.timeout = 200 * time.Millisecond
	if _, _, why := w.awaitUnavailable(t.Context(), p, fault); !strings.Contains(why, "no write succeeded") {
		t.Errorf("a window that never closed: why = %q", why)
	}
}

func TestFailoverParamsAreChecked(t *testing.T) {
	for _, p := range []Params{{"faults": "kill,explode"}, {"targets": "zookeeper"}, {"rate": "0"}, {"bogus": "1"}} {
		_, err := New("failover", p)
		if err == nil {
			t.Errorf("%v: accepted", p)
			continue
		}
		for k := range p {
			if !strings.Contains(err.Error(), k) {
				t.Errorf("%v: error %q does not name %s", p, err, k)
			}
		}
	}
}

// The store targets on real clusters, one fault each: a ZooKeeper server
// (a follower) killed in ZooKeeper mode, a standby controller killed in
// KRaft mode. Each target of the other mode is skipped with a note; each
// fault must be measured and the run must pass its safety checks.
func TestFailoverLocalStoreTargets(t *testing.T) {
	results := realRun(t, storeScenario(Params{"faults": "kill", "targets": "zk-server,controller-standby", "hold": "0s",
		"settle": "500ms", "topics": "3", "timeout": "30s", "write_timeout": "10s"}), localClusters(t), 3*time.Minute)
	want := map[cluster.Mode]string{cluster.ModeZK: "zk-server", cluster.ModeKRaft: "controller-standby"}
	skipped := map[cluster.Mode]string{cluster.ModeZK: "controller-standby", cluster.ModeKRaft: "zk-server"}
	for _, res := range results {
		target := want[res.Mode]
		wantMeasures(t, res, "kill", target, "unavailable", "converged")
		if !hasFault(res, "kill", target) {
			t.Errorf("%s: no window for kill of the %s in %+v", res.Mode, target, res.Faults)
		}
		if !hasNote(res, "kill of the "+skipped[res.Mode]+": not run: "+cluster.ErrFaultUnsupported.Error()) {
			t.Errorf("%s: kill of the %s: no note that it was not run: %v", res.Mode, skipped[res.Mode], res.Notes)
		}
		wantSafe(t, res)
	}
}

// A ZooKeeper server's partition needs containers: the server is cut from
// the peer network, where its peers and the brokers reach it. The leader is
// partitioned in ZooKeeper mode (the ensemble elects another), a standby
// controller in KRaft mode.
func TestFailoverDockerStorePartition(t *testing.T) {
	// write_timeout as failover-store.yaml's: with the leader cut off, a
	// ZooKeeper-mode create was seen to outlive a 10 s timeout by more than
	// the 5 s the unavailability's cut-off allows.
	results := realRun(t, storeScenario(Params{"faults": "partition", "targets": "zk-leader,controller-standby", "hold": "1s",
		"settle": "500ms", "topics": "3", "timeout": "60s", "write_timeout": "20s"}), dockerClusters(t), 5*time.Minute)
	want := map[cluster.Mode][]string{cluster.ModeZK: {"new_store_leader", "unavailable", "converged"}, cluster.ModeKRaft: {"unavailable", "converged"}}
	target := map[cluster.Mode]string{cluster.ModeZK: "zk-leader", cluster.ModeKRaft: "controller-standby"}
	for _, res := range results {
		wantMeasures(t, res, "partition", target[res.Mode], want[res.Mode]...)
		wantSafe(t, res)
	}
}

// Loss of each mode's metadata quorum on real clusters, held 3 s: two of
// three ZooKeeper servers killed, two of three KRaft voters killed. Both
// modes must report what clients saw (creates failed, brokers answering
// Metadata) and how long writes took to come back, and pass the safety
// checks.
func TestFailoverLocalQuorumLoss(t *testing.T) {
	results := realRun(t, storeScenario(Params{"faults": "kill", "targets": "zk-quorum,controller-quorum", "quorum_hold": "3s",
		"settle": "500ms", "topics": "3", "timeout": "45s", "write_timeout": "10s"}), localClusters(t), 4*time.Minute)
	target := map[cluster.Mode]string{cluster.ModeZK: "zk-quorum", cluster.ModeKRaft: "controller-quorum"}
	for _, res := range results {
		wantMeasures(t, res, "kill", target[res.Mode], "unavailable", "writable_after_heal", "converged")
		seen := map[string]float64{}
		for _, m := range res.MeasuresNamed(metrics.MeasureQuorumLoss) {
			seen[m.Labels["seen"]] = m.Value
		}
		if f, ok := seen[string(metrics.QuorumCreatesFailed)]; !ok || f <= 0 {
			t.Errorf("%s: creates failed during the loss = %v (%v), want a positive fraction: no quorum, no create", res.Mode, f, ok)
		}
		if f, ok := seen[string(metrics.QuorumMetadataAnswered)]; !ok || f != 1 {
			t.Errorf("%s: brokers answering Metadata during the loss = %v (%v), want all: their caches stay", res.Mode, f, ok)
		}
		wantSafe(t, res)
	}
}
