package workloads

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/local"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/metrics"
)

// A short real migration under the probe load: a ZooKeeper-mode cluster
// holding a few hundred partitions is started, linked, rolled broker by
// broker and finalized (or rolled back); every phase and every step's
// unavailability must be measured, each step shaded on the run's clock,
// and the checks after each step and the safety checks at the end must
// pass.
func TestMigrationFinalize(t *testing.T) {
	res := runMigration(t, "finalize")
	for _, ph := range []string{"start_controllers", "start_link", "start_copy", "copy", "handover", "start",
		"roll_broker_1", "roll_broker_2", "roll_broker_3", "roll", "finalize", "total"} {
		if !hasMigrationPhase(res, ph) {
			t.Errorf("no %s phase measured; measures: %v", ph, res.Measures)
		}
	}
	if total, sum := phaseValue(res, "total"), phaseValue(res, "start")+phaseValue(res, "roll")+phaseValue(res, "finalize"); total <= 0 || total < sum*0.999 || total > sum*1.001 {
		t.Errorf("total %v is not start + roll + finalize (%v)", total, sum)
	}
	for _, step := range []string{"baseline", "controllers", "link", "handover", "roll_broker_1", "roll_broker_2", "roll_broker_3", "finalize"} {
		if !hasUnavailable(res, step) {
			t.Errorf("no unavailability measured for step %s; measures: %v", step, res.Measures)
		}
	}
	for _, kind := range []string{"migrate-start", "roll", "finalize"} {
		if !hasFaultKind(res, kind) {
			t.Errorf("no %s window in %+v", kind, res.Faults)
		}
	}
	if n := countFaults(res, "roll"); n != 3 {
		t.Errorf("%d roll windows, want one per broker", n)
	}
}

func TestMigrationRollback(t *testing.T) {
	res := runMigration(t, "rollback")
	for _, ph := range []string{"start", "roll", "rollback", "rollback_brokers", "rollback_controller", "rollback_unlink", "total"} {
		if !hasMigrationPhase(res, ph) {
			t.Errorf("no %s phase measured; measures: %v", ph, res.Measures)
		}
	}
	if hasMigrationPhase(res, "finalize") {
		t.Error("a rolled-back run measured a finalize")
	}
	if !hasUnavailable(res, "rollback") || !hasFaultKind(res, "rollback") {
		t.Errorf("rollback: unavailability or window missing: %v %+v", res.Measures, res.Faults)
	}
}

func runMigration(t *testing.T, finish string) *metrics.Result {
	t.Helper()
	testbin.NeedIntegration(t, "real clusters")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	dir, keep := os.Getenv("KRAFTBENCH_TEST_KEEP"), true // a directory to keep the nodes' files and logs in
	if dir == "" {
		dir, keep = t.TempDir(), false
	}
	s := DefaultScenario()
	s.Name, s.Modes, s.Provider, s.Workload, s.Output, s.Profile = "migration-"+finish, []cluster.Mode{cluster.ModeZK}, "local", "migration", t.TempDir(), "tuned"
	s.Topology = Topology{Brokers: 3, ZKServers: 1}
	s.Params = Params{"partitions": "300", "partitions_per_topic": "50", "rate": "10", "settle": "1s",
		"timeout": "90s", "write_timeout": "15s", "finish": finish}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	r := &Runner{Provider: func(cluster.Spec) (cluster.Provider, error) {
		return local.New(local.Options{Kbnode: bin, Dir: dir, KeepFiles: keep, NoZKFsync: true}), nil
	}, Progress: &progress}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	results, err := r.Run(ctx, s)
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	if len(results) != 1 {
		t.Fatalf("%d results, want 1\nprogress:\n%s", len(results), progress.String())
	}
	res := results[0]
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("progress:\n%s\nnotes:\n%s", progress.String(), strings.Join(res.Notes, "\n"))
		}
	})
	if !hasNote(res, "safety: linearizability: ok") {
		t.Errorf("safety checks did not pass or did not run: %v", res.Notes)
	}
	if !hasNote(res, "checks: after start every broker served one digest") {
		t.Errorf("no check after each step: %v", res.Notes)
	}
	if o, ok := res.Op("create"); !ok || len(o.Timeline) == 0 || o.Latency.Count < 20 {
		t.Errorf("the probe's creates kept no timeline or too few succeeded: %+v", o.Latency)
	}
	return res
}

func hasMigrationPhase(res *metrics.Result, phase string) bool { return phaseValue(res, phase) > 0 }

func phaseValue(res *metrics.Result, phase string) float64 {
	for _, m := range res.MeasuresNamed(metrics.MeasureMigrationPhase) {
		if m.Labels["phase"] == phase && m.Labels["partitions"] == "300" {
			return m.Value
		}
	}
	return 0
}

func hasUnavailable(res *metrics.Result, step string) bool {
	for _, m := range res.MeasuresNamed(metrics.MeasureMigrationUnavailable) {
		if m.Labels["step"] == step && m.Labels["partitions"] == "300" && m.Value >= 0 && m.Unit == "s" {
			return true
		}
	}
	return false
}

func hasFaultKind(res *metrics.Result, kind string) bool { return countFaults(res, kind) > 0 }

func countFaults(res *metrics.Result, kind string) int {
	n := 0
	for _, f := range res.Faults {
		if f.Kind == kind && f.EndNs > f.StartNs {
			n++
		}
	}
	return n
}

// The workload refuses what cannot be migrated, naming why.
func TestMigrationRefusals(t *testing.T) {
	for _, c := range []struct {
		params Params
		want   string
	}{
		{Params{"finish": "abort"}, "finish"},
		{Params{"partitions": "-1"}, "partitions"},
		{Params{"rate": "0"}, "rate"},
		{Params{"bogus": "1"}, "bogus"},
	} {
		if _, err := New("migration", c.params); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error naming %s", c.params, err, c.want)
		}
	}
	s := DefaultScenario()
	s.Workload = "migration"
	err := s.Validate()
	if err == nil || !strings.Contains(err.Error(), "does not run in kraft mode") {
		t.Errorf("a migration scenario with modes [zk kraft] validated: %v", err)
	}
	w, err := New("migration", Params{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec cluster.Spec
		want string
	}{
		{cluster.Spec{Mode: cluster.ModeKRaft, Brokers: 3, Provider: "local"}, "starts from ZooKeeper mode"},
		{cluster.Spec{Mode: cluster.ModeZK, Brokers: 3, Provider: "docker"}, "cannot be migrated"},
	} {
		_, err := w.Run(t.Context(), &Env{Cluster: fakeCluster{c.spec}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s mode on %s: got %v, want %q", c.spec.Mode, c.spec.Provider, err, c.want)
		}
	}
}

// unavailableWindows finds every window in turn, not only the first.
func TestUnavailableWindows(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(start, lat time.Duration, err error) probeCall {
		return probeCall{Op: "create", Start: t0.Add(start), End: t0.Add(start + lat), Err: err}
	}
	ms := time.Millisecond
	fail := errors.New("NOT_CONTROLLER")
	writes := []probeCall{
		at(0, 5*ms, nil), at(100*ms, 10*ms, fail), at(200*ms, 5*ms, nil), // window 100..205
		at(300*ms, 5*ms, nil), at(400*ms, 3*time.Second, nil), // a stall closes itself: 400..3400
		at(500*ms, 2950*ms, nil), at(3500*ms, 5*ms, nil),
		at(3600*ms, 5*ms, fail), at(3700*ms, 5*ms, fail), // never closes
	}
	ws, open := unavailableWindows(writes, time.Second)
	want := []window{{t0.Add(100 * ms), t0.Add(205 * ms)}, {t0.Add(400 * ms), t0.Add(3400 * ms)}}
	if len(ws) != len(want) {
		t.Fatalf("got %d windows %v, want %v", len(ws), ws, want)
	}
	for i := range want {
		if !ws[i].From.Equal(want[i].From) || !ws[i].To.Equal(want[i].To) {
			t.Errorf("window %d: got %v..%v, want %v..%v", i, ws[i].From.Sub(t0), ws[i].To.Sub(t0), want[i].From.Sub(t0), want[i].To.Sub(t0))
		}
	}
	if !open.Equal(t0.Add(3600 * ms)) {
		t.Errorf("open window from %v, want 3.6s", open.Sub(t0))
	}
}

// Each window counts for the step it opened in; one spanning the moment a
// broker first followed the KRaft controller is split there, the rest being
// the handover's.
func TestMigrationUnavailabilityPerStep(t *testing.T) {
	t0 := time.Now().Add(-time.Minute) // the probe has stopped: every write is in the past
	s := func(d float64) time.Time { return t0.Add(time.Duration(d * float64(time.Second))) }
	fail := errors.New("NOT_CONTROLLER")
	call := func(from, to float64, err error) probeCall {
		return probeCall{Op: "create", Start: s(from), End: s(to), Err: err}
	}
	env := &Env{Rec: metrics.NewRecorder(metrics.RecorderOptions{Base: t0})}
	m := &migrationRun{w: &migration{stall: time.Second}, env: env, partitions: "10", handover: s(5),
		p: &probe{writes: []probeCall{
			call(0.5, 0.6, nil),
			call(2, 2.1, fail), call(2.5, 2.6, nil), // link: 0.6 s
			call(4.5, 4.6, fail), call(5.5, 5.7, nil), // spans the handover at 5 s: 0.5 s link, 0.7 s handover
			call(8, 8.1, fail), call(8.2, 8.3, nil), // roll of broker 1: 0.3 s
		}}}
	for _, seg := range []segment{{"baseline", s(0)}, {"controllers", s(1)}, {"link", s(1.5)}, {"roll_broker_1", s(7)}} {
		m.mark(seg.step, seg.from)
	}
	m.unavailability()
	got := map[string]float64{}
	for _, x := range env.Rec.Measures() {
		if x.Name == metrics.MeasureMigrationUnavailable {
			got[x.Labels["step"]] = x.Value
		}
	}
	want := map[string]float64{"baseline": 0, "controllers": 0, "link": 1.1, "handover": 0.7, "roll_broker_1": 0.3}
	for step, v := range want {
		g, ok := got[step]
		if !ok || g < v-1e-6 || g > v+1e-6 {
			t.Errorf("%s: got %v (recorded %v), want %v", step, g, ok, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("steps %v, want %v", got, want)
	}
}
