package external_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
// finds kbnode next to kraftbench) and returns the folder.
func buildCLI(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range []string{"kraftbench", "kbnode"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, c), "../../cmd/"+c)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", c, err, out)
		}
	}
	return dir
}

// clusterUp starts a KRaft cluster with `kraftbench cluster up` (it outlives
// the command, owned by its supervisor) and returns its nodes as
// `cluster status --json` lists them.
func clusterUp(t *testing.T, bin, home, name string) []cluster.NodeInfo {
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
	run("cluster", "up", "--mode", "kraft", "--controllers", "3", "--brokers", "3", "--provider", "local", "--name", name)
	var st struct {
		Nodes []struct {
			Info cluster.NodeInfo `json:"info"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(run("cluster", "status", "--name", name, "--json"), &st); err != nil {
		t.Fatal(err)
	}
	var nodes []cluster.NodeInfo
	for _, n := range st.Nodes {
		if n.Info.Kind == "node" {
			nodes = append(nodes, n.Info)
		}
	}
	return nodes
}

// clusterFile describes the cluster with fault commands that call
// `kraftbench cluster fault`; the mode is left to be detected.
func clusterFile(bin, home, name string, nodes []cluster.NodeInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nkafka_version: \"3.9\"\ncommand_timeout: 2m\nbootstrap: [", name)
	var boot []string
	for _, n := range nodes {
		if slices.Contains(n.Roles, cluster.RoleBroker) {
			boot = append(boot, n.Addr)
		}
	}
	fmt.Fprintf(&b, "%s]\nnodes:\n", strings.Join(boot, ", "))
	fault := func(kind string, id int32) string {
		return fmt.Sprintf("%q", fmt.Sprintf("KRAFTBENCH_HOME='%s' '%s' cluster fault %s --name %s --node %d", home, bin, kind, name, id))
	}
	for _, n := range nodes {
		var roles []string
		for _, r := range n.Roles {
			roles = append(roles, string(r))
		}
		fmt.Fprintf(&b, "  - id: %d\n    roles: [%s]\n    addr: %s\n    faults:\n", n.ID, strings.Join(roles, ", "), n.Addr)
		for _, k := range []string{"kill", "stop", "pause"} {
			fmt.Fprintf(&b, "      %s: %s\n", k, fault(k, n.ID))
		}
		fmt.Fprintf(&b, "      start: %s\n      resume: %s\n", fault("heal", n.ID), fault("heal", n.ID))
	}
	return b.String()
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
	testbin.NeedIntegration(t, "a local KRaft cluster through kraftbench cluster up, and another through the local provider")
	dir := buildCLI(t)
	bin, home := filepath.Join(dir, "kraftbench"), t.TempDir()
	name := "ext-failover"
	nodes := clusterUp(t, bin, home, name)
	file := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(file, []byte(clusterFile(bin, home, name, nodes)), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := external.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	params := workloads.Params{"faults": "kill,stop", "topics": "10", "hold": "2s", "settle": "1s"}
	run := func(t *testing.T, provider string, p cluster.Provider) *metrics.Result {
		s := workloads.DefaultScenario()
		s.Provider, s.Modes, s.Output = provider, []cluster.Mode{cluster.ModeKRaft}, t.TempDir()
		s.Workload, s.Params = "failover", params
		s.Topology = workloads.Topology{Brokers: 3, Controllers: 3}
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
	// Controllers are separate nodes: faulting one moves no partition leader.
	var want []string
	for _, k := range []string{"kill", "stop"} {
		want = append(want, k+"/broker/converged", k+"/broker/leaders_moved", k+"/broker/unavailable",
			k+"/controller/converged", k+"/controller/new_controller", k+"/controller/unavailable")
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
	if ext.Provider != cluster.ProviderExternal || ext.Topology["brokers"] != 3 || ext.Topology["controllers"] != 3 || ext.KafkaVersion != "3.9" {
		t.Errorf("external result header: %q %v %q", ext.Provider, ext.Topology, ext.KafkaVersion)
	}
	if !slices.ContainsFunc(ext.Notes, func(n string) bool { return strings.Contains(n, "mode kraft (KRaft: DescribeQuorum names leader") }) {
		t.Errorf("the mode was not detected from DescribeQuorum: %v", ext.Notes)
	}
}
