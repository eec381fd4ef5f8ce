package workloads

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

func testEnv(a *fakeAdmin) *Env {
	return &Env{Cluster: fakeCluster{spec: cluster.Spec{Brokers: 3}}, Admin: a,
		Rec: metrics.NewRecorder(metrics.RecorderOptions{}), RunID: "t"}
}

func TestTopicsClosedLoopCreatesAndDeletesEveryTopic(t *testing.T) {
	a := newFakeAdmin(0, 0)
	w, err := New("topics", Params{"ops": "40", "concurrency": "4", "batch": "2"})
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(a)
	if _, err := w.Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	res, _ := env.Rec.Results()
	if len(res) != 2 || res[0].Op != "create" || res[0].Latency.Count != 40 || res[1].Latency.Count != 40 {
		t.Fatalf("results %+v", res)
	}
	if len(a.created) != 0 {
		t.Fatalf("%d topics left after the delete phase", len(a.created))
	}
	if res[0].Latency.Errors != 0 || res[1].Latency.Errors != 0 {
		t.Fatalf("errors: %v %v", res[0].Latency.ErrorsByCode, res[1].Latency.ErrorsByCode)
	}
}

func TestTopicsOpenLoopCorrectsForCoordinatedOmission(t *testing.T) {
	// 50 requests/s for 1 s, each taking 100 ms, at most one in flight: the
	// service time is 100 ms but requests queue behind each other, so the
	// corrected latency of the last ones approaches a second.
	a := newFakeAdmin(100*time.Millisecond, 0)
	w, err := New("topics", Params{"rate": "50", "duration": "1s", "max_in_flight": "1", "delete": "false"})
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(a)
	if _, err := w.Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	res, _ := env.Rec.Results()
	l := res[0].Latency
	if l.Count != 50 {
		t.Fatalf("count %d, want 50", l.Count)
	}
	if time.Duration(l.MaxNs) < 3*time.Second || time.Duration(l.P50Ns) < time.Second {
		t.Fatalf("open loop hid the queueing: %s", l)
	}
}

func TestPropagationMeasuresLagToEveryBroker(t *testing.T) {
	a := newFakeAdmin(0, 30*time.Millisecond)
	w, err := New("propagation", Params{"iterations": "5", "replication_factor": "1", "poll_interval": "1ms"})
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(a)
	out, err := w.Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	h := env.Rec.Histogram("propagation")
	if h.TotalCount() != 5 || time.Duration(h.Min()) < 25*time.Millisecond || time.Duration(h.Max()) > 500*time.Millisecond {
		t.Fatalf("propagation n=%d min=%v max=%v, want 5 samples near 30ms", h.TotalCount(), time.Duration(h.Min()), time.Duration(h.Max()))
	}
	if env.Rec.Histogram("propagation_broker").TotalCount() != 15 {
		t.Fatalf("want one propagation_broker sample per broker and iteration")
	}
	if len(out.Notes) == 0 || !strings.Contains(out.Notes[0], "resolution") {
		t.Fatalf("notes %v", out.Notes)
	}
}

func TestWorkloadInterruptedKeepsSamples(t *testing.T) {
	a := newFakeAdmin(20*time.Millisecond, 0)
	w, _ := New("topics", Params{"ops": "1000", "delete": "false"})
	env := testEnv(a)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := w.Run(ctx, env)
	if err == nil {
		t.Fatal("an interrupted run must say so")
	}
	if n := env.Rec.Histogram("create").TotalCount(); n == 0 || n >= 1000 {
		t.Fatalf("recorded %d samples", n)
	}
}

func TestParamsRejectUnknownAndInvalid(t *testing.T) {
	_, err := New("topics", Params{"opz": "5", "concurrency": "0", "duration": "soon"})
	for _, want := range []string{"param opz: workload topics has no such parameter", `param concurrency="0"`, `param duration="soon"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to contain %q", err, want)
		}
	}
	if _, err := New("nope", nil); err == nil || !strings.Contains(err.Error(), "want one of") {
		t.Errorf("unknown workload: %v", err)
	}
}

func TestScenarioFilesLoadAndValidate(t *testing.T) {
	files, _ := filepath.Glob("scenarios/*.yaml")
	if len(files) == 0 {
		t.Fatal("no scenarios under workloads/scenarios")
	}
	for _, f := range files {
		s, err := LoadScenario(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("modes: [zk, etcd]\nworkload: topics\nrepetitons: 3\n"), 0o644)
	if _, err := LoadScenario(bad); err == nil || !strings.Contains(err.Error(), "repetitons") {
		t.Errorf("misspelt field: %v", err)
	}
	s := DefaultScenario()
	s.Modes = []cluster.Mode{"zk", "etcd"}
	s.Profile = "fast"
	err := s.Validate()
	for _, want := range []string{`modes: unknown mode "etcd"`, `profile "fast"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
}

func TestStartupPopulatesThenTimesEachColdStart(t *testing.T) {
	a := newFakeAdmin(0, 0)
	c := &fakeRestarter{fakeCluster: fakeCluster{spec: cluster.Spec{Brokers: 3}}}
	w, err := New("startup", Params{"topics": "10", "partitions": "25", "restarts": "3", "batch": "4"})
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(a)
	env.Cluster = c
	if _, err := w.Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if len(a.created) != 10 || a.calls != 3 || c.restarts != 3 {
		t.Fatalf("created %d topics in %d requests, %d restarts", len(a.created), a.calls, c.restarts)
	}
	h := env.Rec.Histogram("startup")
	if h.TotalCount() != 3 || time.Duration(h.Max()) < 39*time.Millisecond || time.Duration(h.Max()) > 41*time.Millisecond {
		t.Fatalf("startup n=%d max=%v", h.TotalCount(), time.Duration(h.Max()))
	}
	if env.Rec.Histogram("phase_controller_active").TotalCount() != 3 {
		t.Fatal("phases not recorded")
	}
	if _, err := New("startup", Params{"topics": "10", "partitions": "5"}); err == nil {
		t.Fatal("fewer partitions than topics must be refused")
	}
	env.Cluster = fakeCluster{spec: cluster.Spec{Brokers: 3}}
	if _, err := w.Run(context.Background(), env); err == nil || !strings.Contains(err.Error(), "cannot restart") {
		t.Fatalf("a cluster without Restarter: %v", err)
	}
}
