package external_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/external"
	"github.com/kraftbench/kraftbench/cluster/local"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/workloads"
)

// buildCLI builds kraftbench and kbnode side by side (the local provider
// finds kbnode next to kraftbench, testbin.CLI) and returns the folder.
func buildCLI(t *testing.T) string {
	t.Helper()
	dir, err := testbin.CLI()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// clusterUp starts a cluster of mode with `kraftbench cluster up` (it outlives
// the command, owned by its supervisor) and returns its nodes as
// `cluster status --json` lists them.
func clusterUp(t *testing.T, bin, home, name string, mode cluster.Mode) (nodes []cluster.NodeInfo, file string) {
	t.Helper()
	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "KRAFTBENCH_HOME="+home)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("kraftbench %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out
	}
	t.Cleanup(func() {
		cmd := exec.Command(bin, "cluster", "down", "--name", name)
		cmd.Env = append(os.Environ(), "KRAFTBENCH_HOME="+home)
		cmd.Run()
	})
	shape := []string{"--controllers", "3"}
	if mode == cluster.ModeZK {
		shape = []string{"--zk-servers", "3"}
	}
	run(append([]string{"cluster", "up", "--mode", string(mode), "--brokers", "3", "--provider", "local", "--name", name}, shape...)...)
	var st struct {
		Nodes []struct {
			Info cluster.NodeInfo `json:"info"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(run("cluster", "status", "--name", name, "--json"), &st); err != nil {
		t.Fatal(err)
	}
	for _, n := range st.Nodes {
		if n.Info.Kind == "node" {
			nodes = append(nodes, n.Info)
		}
	}
	// The cluster file as `kraftbench cluster file` prints it.
	file = filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(file, run("cluster", "file", "--name", name), 0o644); err != nil {
		t.Fatal(err)
	}
	return nodes, file
}

// measured lists a failover result's measures as "fault/target/measure",
// and those not measured with why.
func measured(res *metrics.Result) (got []string, missing []string) {
	for _, m := range res.Measures {
		if m.Name != metrics.MeasureFailover {
			continue
		}
		key := m.Labels["fault"] + "/" + m.Labels["target"] + "/" + m.Labels["measure"]
		if m.Measured() {
			got = append(got, key)
		} else {
			missing = append(missing, key+": "+m.NotMeasured)
		}
	}
	slices.Sort(got)
	return got, missing
}

// failover with kill and stop on a kraftbench cluster described by a
// cluster file (faults by `kraftbench cluster fault`), through the external
// provider, gives the measures a run on the local provider gives, and
// passes the safety checks.
func TestFailoverThroughAClusterFileMatchesTheLocalProvider(t *testing.T) {
	testbin.NeedIntegration(t, "local clusters through kraftbench cluster up, and others through the local provider")
	dir := buildCLI(t)
	for _, mode := range []cluster.Mode{cluster.ModeKRaft, cluster.ModeZK} {
		t.Run(string(mode), func(t *testing.T) { failoverThroughClusterFile(t, dir, mode) })
	}
}

func failoverThroughClusterFile(t *testing.T, dir string, mode cluster.Mode) {
	// A short home: the control socket's path must fit a unix socket's
	// 108 bytes, which t.TempDir's test-named folders do not.
	home, err := os.MkdirTemp("", "kbext")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	bin := filepath.Join(dir, "kraftbench")
	name := "ext-failover-" + string(mode)
	_, file := clusterUp(t, bin, home, name, mode)
	f, err := external.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	params := workloads.Params{"faults": "kill,stop", "topics": "10", "hold": "2s", "settle": "1s"}
	run := func(t *testing.T, provider string, p cluster.Provider) *metrics.Result {
		s := workloads.DefaultScenario()
		s.Provider, s.Modes, s.Output = provider, []cluster.Mode{mode}, t.TempDir()
		s.Workload, s.Params = "failover", params
		s.Topology = workloads.Topology{Brokers: 3, Controllers: 3}
		if mode == cluster.ModeZK {
			s.Topology = workloads.Topology{Brokers: 3, ZKServers: 3}
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		var progress strings.Builder
		r := &workloads.Runner{Provider: func(cluster.Spec) (cluster.Provider, error) { return p, nil }, Progress: &progress}
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
		defer cancel()
		results, err := r.Run(ctx, s)
		if err != nil || len(results) != 1 {
			t.Fatalf("%s: %d results, %v\nprogress:\n%s", provider, len(results), err, progress.String())
		}
		res := results[0]
		if !slices.ContainsFunc(res.Notes, func(n string) bool {
			return strings.HasPrefix(n, "safety:") && strings.Contains(n, " 0 acknowledged-write and split-brain violations")
		}) {
			t.Errorf("%s: no passing safety note in %v", provider, res.Notes)
		}
		return res
	}
	ext := run(t, cluster.ProviderExternal, external.New(external.Options{File: f}))
	loc := run(t, "local", local.New(local.Options{Kbnode: filepath.Join(dir, "kbnode"), Dir: t.TempDir()}))

	extGot, extMissing := measured(ext)
	locGot, locMissing := measured(loc)
	if len(extMissing) > 0 || len(locMissing) > 0 {
		t.Errorf("not measured: external %v; local %v", extMissing, locMissing)
	}
	if !slices.Equal(extGot, locGot) {
		t.Errorf("measures differ:\nexternal %v\nlocal    %v", extGot, locGot)
	}
	var want []string
	for _, k := range []string{"kill", "stop"} {
		want = append(want, k+"/broker/converged", k+"/broker/leaders_moved", k+"/broker/unavailable",
			k+"/controller/converged", k+"/controller/new_controller", k+"/controller/unavailable")
		if mode == cluster.ModeZK {
			// The ZooKeeper-mode controller is a broker: faulting it moves
			// the partitions it led.
			want = append(want, k+"/controller/leaders_moved")
		}
	}
	slices.Sort(want)
	if !slices.Equal(extGot, want) {
		t.Errorf("external run measured %v, want %v", extGot, want)
	}
	t.Logf("both runs measured %v", extGot)
	kinds := map[string]bool{}
	for _, fw := range ext.Faults {
		kinds[fw.Kind] = true
	}
	if got := slices.Sorted(maps.Keys(kinds)); !slices.Equal(got, []string{"kill", "stop"}) {
		t.Errorf("external run's fault windows: %v", got)
	}
	wantTopo := map[string]int{"brokers": 3, "controllers": 3}
	if mode == cluster.ModeZK {
		wantTopo = map[string]int{"brokers": 3}
	}
	for k, v := range wantTopo {
		if ext.Topology[k] != v {
			t.Errorf("external result topology %v, want %s=%d", ext.Topology, k, v)
		}
	}
	if ext.Provider != cluster.ProviderExternal || ext.KafkaVersion != "3.9" {
		t.Errorf("external result header: %q %q", ext.Provider, ext.KafkaVersion)
	}
	detected := map[cluster.Mode]string{cluster.ModeKRaft: "mode kraft (KRaft: DescribeQuorum names leader", cluster.ModeZK: "mode zk"}[mode]
	if !slices.ContainsFunc(ext.Notes, func(n string) bool { return strings.Contains(n, detected) }) {
		t.Errorf("the mode was not detected (%q): %v", detected, ext.Notes)
	}
}
