package workloads

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/workloads/safety"
)

func zkPairs() []chaosPair {
	var pairs []chaosPair
	for _, k := range []cluster.FaultKind{cluster.FaultKill, cluster.FaultStop, cluster.FaultPause, cluster.FaultPartition} {
		for _, t := range []string{targetController, targetBroker, targetZKServer, targetZKLeader, targetZKQuorum} {
			pairs = append(pairs, chaosPair{k, t})
		}
	}
	return pairs
}

// The schedule is a function of its seed, hits every kind on every target
// within 100 faults, and overlaps only where the doc says.
func TestChaosSchedule(t *testing.T) {
	pairs := zkPairs()
	a := chaosSchedule(7, 100, pairs, 0.25, 4*time.Second)
	b := chaosSchedule(7, 100, pairs, 0.25, 4*time.Second)
	c := chaosSchedule(8, 100, pairs, 0.25, 4*time.Second)
	if len(a) != 100 || scheduleNote(7, a) != scheduleNote(7, b) {
		t.Fatalf("same seed, different schedules (or not 100 steps: %d)", len(a))
	}
	if scheduleNote(7, a) == scheduleNote(8, c) {
		t.Error("seeds 7 and 8 drew the same schedule")
	}
	seen := map[chaosPair]bool{}
	overlaps := 0
	for i, s := range a {
		seen[s.First] = true
		if s.N != i+1 || s.Hold < 2*time.Second || s.Hold > 4*time.Second {
			t.Errorf("step %d: N %d, hold %v", i, s.N, s.Hold)
		}
		if s.With != nil {
			overlaps++
			if quorumTarget(s.First.Target) || quorumTarget(s.With.Target) || s.With.Target == s.First.Target || s.Delay > s.Hold/2 {
				t.Errorf("step %d: overlap %s with %s after %v of %v", s.N, s.First, *s.With, s.Delay, s.Hold)
			}
		}
	}
	if len(seen) != len(pairs) {
		t.Errorf("100 faults hit %d of %d kind-target pairs", len(seen), len(pairs))
	}
	if overlaps < 5 || overlaps > 40 {
		t.Errorf("%d overlapping pairs in 100 faults at probability 0.25 (of the non-quorum ones)", overlaps)
	}
	if s := chaosSchedule(7, 10, pairs, 0, time.Second); slices.ContainsFunc(s, func(s chaosStep) bool { return s.With != nil }) {
		t.Error("overlap 0 drew overlapping faults")
	}
}

// The pairs drawn are the mode's targets and the provider's kinds; the
// rest get a note.
func TestChaosPairs(t *testing.T) {
	kinds := []cluster.FaultKind{cluster.FaultKill, cluster.FaultPartition}
	zk := &storeCluster{fakeCluster: fakeCluster{spec: cluster.Spec{Mode: cluster.ModeZK}}}
	pairs, notes := chaosPairs(checkedCluster{zk}, kinds, failoverTargets)
	want := []chaosPair{{cluster.FaultKill, targetController}, {cluster.FaultKill, targetBroker}, {cluster.FaultKill, targetZKServer},
		{cluster.FaultKill, targetZKLeader}, {cluster.FaultKill, targetZKQuorum}}
	if !slices.Equal(pairs, want) {
		t.Errorf("pairs %v, want %v", pairs, want)
	}
	for _, n := range []string{"partition of the controller: not drawn: ", "controller-standby: not drawn: a ZooKeeper-mode cluster has none"} {
		if !slices.ContainsFunc(notes, func(s string) bool { return strings.HasPrefix(s, n) }) {
			t.Errorf("no note %q in %v", n, notes)
		}
	}
}

// checkedCluster refuses partitions, of nodes and of ZooKeeper servers.
type checkedCluster struct{ *storeCluster }

func (c checkedCluster) CanFault(k cluster.FaultKind) error {
	if k == cluster.FaultPartition {
		return cluster.ErrFaultUnsupported
	}
	return nil
}
func (c checkedCluster) CanFaultStore(k cluster.FaultKind) error { return c.CanFault(k) }

// A violation keeps the whole history and its visualisation, and its error
// names the seed and fault count that reproduce it.
func TestChaosViolationKeepsHistoryAndSeed(t *testing.T) {
	env := &Env{Cluster: fakeCluster{}, Admin: newFakeAdmin(0, 0), RunID: "r1", OutputDir: t.TempDir(),
		Rec: metrics.NewRecorder(metrics.RecorderOptions{})}
	checks := newSafetyRun(env)
	checks.hist.Add(safety.Op{Kind: safety.Create, Topic: "t", Call: 1, Return: 2, Outcome: safety.OK})
	checks.hist.FinalRead(map[string]bool{"t": false}, time.Now())
	w := &chaos{seed: 42, timeout: 5 * time.Second}
	err := w.violation(env, checks, chaosStep{N: 7, First: chaosPair{cluster.FaultKill, targetController}}, 100, errors.New("safety violated: t lost"))
	for _, want := range []string{"after fault 7 of 100 (kill of the controller)", "safety violated: t lost", "--param seed=42 --param faults=7"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	for _, f := range []string{"r1-chaos-history.json", "r1-chaos.html"} {
		if st, err := os.Stat(filepath.Join(env.OutputDir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// An interrupted soak is not a violation: the checks that the interrupt cut
// short say nothing of safety, so no history is saved as one and the error
// is the interruption's.
func TestChaosInterruptIsNotAViolation(t *testing.T) {
	env := &Env{Cluster: fakeCluster{}, Admin: newFakeAdmin(0, 0), RunID: "r1", OutputDir: t.TempDir(),
		Rec: metrics.NewRecorder(metrics.RecorderOptions{})}
	checks := newSafetyRun(env)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := &chaos{seed: 42, timeout: 5 * time.Second}
	err := w.failed(ctx, env, checks, chaosStep{N: 7, First: chaosPair{cluster.FaultKill, targetController}}, 100,
		errors.New("brokers did not catch up"))
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "safety check") {
		t.Errorf("interrupted soak's error: %v, want the interruption", err)
	}
	if ents, _ := os.ReadDir(env.OutputDir); len(ents) != 0 {
		t.Errorf("an interrupt saved %d files as a violation", len(ents))
	}
	if err := w.failed(context.Background(), env, checks, chaosStep{N: 7, First: chaosPair{cluster.FaultKill, targetController}}, 100,
		errors.New("lost t")); err == nil || !strings.Contains(err.Error(), "safety check after fault 7") {
		t.Errorf("a failed check on a live context: %v, want a violation", err)
	}
}

func TestChaosParamsAreChecked(t *testing.T) {
	for _, p := range []Params{{"kinds": "kill,restart"}, {"targets": "zookeeper"}, {"overlap": "2"}, {"faults": "0"}, {"bogus": "1"}} {
		_, err := New("chaos", p)
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

// The CI-sized soak: 10 faults per mode on the local provider (kill, stop,
// pause; a partition is refused and noted), overlapping pairs included,
// with the safety checks after every fault; every fault must be survived
// and measured.
func TestChaosLocalShort(t *testing.T) {
	provider := localClusters(t)
	s, err := LoadScenario("scenarios/ci-chaos.yaml")
	if err != nil {
		t.Fatal(err)
	}
	results := realRun(t, s, provider, 6*time.Minute)
	for _, res := range results {
		if !hasNote(res, "schedule (seed 1, 10 faults): ") {
			t.Errorf("%s: no schedule note", res.Mode)
		}
		if !hasNote(res, "chaos: ") || !slices.ContainsFunc(res.Notes, func(n string) bool {
			return strings.HasPrefix(n, "chaos: ") && strings.Contains(n, "linearizability: ok")
		}) {
			t.Errorf("%s: no end-of-soak safety note: %v", res.Mode, res.Notes)
		}
		measured := len(res.MeasuresNamed(metrics.MeasureChaosUnavailable)) + len(res.UnmeasuredNamed(metrics.MeasureChaosUnavailable))
		survived := 0
		for _, n := range res.Notes {
			if strings.HasPrefix(n, "fault ") && strings.Contains(n, "safety: linearizability: ok") {
				survived++
			}
		}
		if survived < 8 || measured != survived || len(res.MeasuresNamed(metrics.MeasureChaosUnavailable)) < survived-1 {
			t.Errorf("%s: %d faults survived with their checks, %d measured; want at least 8 of 10 (targets a topology lacks are skipped), one measure each", res.Mode, survived, measured)
		}
	}
}
