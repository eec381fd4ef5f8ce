package workloads

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/docker"
	"github.com/kraftbench/kraftbench/cluster/local"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/metrics"
)

// localClusters is the local provider on this test's kbnode, its run
// directories under the test's temp dir, ZooKeeper without fsync.
func localClusters(t *testing.T) func(cluster.Spec) (cluster.Provider, error) {
	t.Helper()
	testbin.NeedIntegration(t, "real clusters")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	return func(cluster.Spec) (cluster.Provider, error) {
		return local.New(local.Options{Kbnode: bin, Dir: t.TempDir(), NoZKFsync: true}), nil
	}
}

// dockerClusters is the docker provider; the test skips, saying so, where
// no Docker engine answers.
func dockerClusters(t *testing.T) func(cluster.Spec) (cluster.Provider, error) {
	t.Helper()
	testbin.NeedIntegration(t, "real clusters")
	if err := docker.Check(t.Context()); err != nil {
		t.Skip("no Docker engine answers: " + err.Error())
	}
	return func(cluster.Spec) (cluster.Provider, error) { return docker.New(docker.Options{}), nil }
}

// realRun validates s and runs it on provider within timeout. It fails the
// test on a run error or on anything but one result per mode, and logs the
// run's progress when the test fails.
func realRun(t *testing.T, s Scenario, provider func(cluster.Spec) (cluster.Provider, error), timeout time.Duration) []*metrics.Result {
	t.Helper()
	s.Output = t.TempDir()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	r := &Runner{Provider: provider, Progress: &progress}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	results, err := r.Run(ctx, s)
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	if want := len(s.Modes) * s.Repetitions; len(results) != want {
		t.Fatalf("%d results, want %d (modes %v, %d repetitions)\nprogress:\n%s", len(results), want, s.Modes, s.Repetitions, progress.String())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("progress:\n%s", progress.String())
		}
	})
	return results
}

// storeScenario is the failover workload on 3 brokers, 3 controllers and 3
// ZooKeeper servers with the tuned profile, as the store-target tests run it.
func storeScenario(params Params) Scenario {
	s := DefaultScenario()
	s.Workload, s.Profile, s.Params = "failover", "tuned", params
	s.Topology = Topology{Brokers: 3, Controllers: 3, ZKServers: 3}
	return s
}

// wantSafe fails the test unless res's safety checks ran and passed.
func wantSafe(t *testing.T, res *metrics.Result) {
	t.Helper()
	if !hasNote(res, "safety: linearizability: ok") {
		t.Errorf("%s: safety checks did not pass or did not run: %v", res.Mode, res.Notes)
	}
}

// wantMeasures fails the test unless res has every measure for kind of target.
func wantMeasures(t *testing.T, res *metrics.Result, kind, target string, measures ...string) {
	t.Helper()
	for _, m := range measures {
		if !hasFailoverMeasure(res, kind, target, m) {
			t.Errorf("%s: no %s measure for %s of the %s; notes: %v", res.Mode, m, kind, target, res.Notes)
		}
	}
}
