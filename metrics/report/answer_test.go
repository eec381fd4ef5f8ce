package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// startupRuns is n synthetic startup runs of mode at Kafka version v,
// taking about lat each, built at revision rev.
func startupRuns(t *testing.T, mode cluster.Mode, v cluster.KafkaVersion, rev string, first, n int, lat time.Duration) []*metrics.Result {
	t.Helper()
	var out []*metrics.Result
	for run := first; run < first+n; run++ {
		r := synth(t, "startup", mode, run, map[string]opSpec{"startup": {lat: lat, n: 3}}, nil)
		r.KafkaVersion = string(v)
		r.Build.Revision = rev
		out = append(out, r)
	}
	return out
}

func TestMachineKeyIgnoresHostnameAndKernelBuild(t *testing.T) {
	a := metrics.Machine{Hostname: "vm", Cores: 2, MemoryBytes: 25275990016, OS: "linux", Arch: "amd64", Kernel: "6.18.44-fc-v1045", InContainer: true}
	b := a
	b.Hostname, b.Kernel, b.MemoryBytes = "vm2", "6.18.44-fc-v669", 25276502016
	if MachineKey(a) != MachineKey(b) {
		t.Errorf("same kind of machine, two keys: %q, %q", MachineKey(a), MachineKey(b))
	}
	if want := "2 cores · 24 GiB · linux/amd64 · container"; MachineKey(a) != want {
		t.Errorf("key %q, want %q", MachineKey(a), want)
	}
	for name, m := range map[string]metrics.Machine{
		"cores":     {Cores: 8, MemoryBytes: a.MemoryBytes, OS: "linux", Arch: "amd64", InContainer: true},
		"memory":    {Cores: 2, MemoryBytes: 16 << 30, OS: "linux", Arch: "amd64", InContainer: true},
		"arch":      {Cores: 2, MemoryBytes: a.MemoryBytes, OS: "linux", Arch: "arm64", InContainer: true},
		"container": {Cores: 2, MemoryBytes: a.MemoryBytes, OS: "linux", Arch: "amd64"},
		"cpu model": {Cores: 2, MemoryBytes: a.MemoryBytes, OS: "linux", Arch: "amd64", InContainer: true, CPUModel: "AMD EPYC"},
	} {
		if MachineKey(m) == MachineKey(a) {
			t.Errorf("another %s, same key %q", name, MachineKey(m))
		}
	}
}

// A run from another machine added to a results folder shows up as its own
// group: the verdict stays on the group it used, and the page lists the
// newcomer with its own figures.
func TestAnotherMachineIsItsOwnGroup(t *testing.T) {
	in := t.TempDir()
	dir := filepath.Join(in, "startup")
	writeResults(t, dir, startupRuns(t, cluster.ModeZK, cluster.Kafka39, "aaaa111", 1, 3, 10*time.Second)...)
	writeResults(t, dir, startupRuns(t, cluster.ModeKRaft, cluster.Kafka39, "aaaa111", 1, 3, 5*time.Second)...)
	// KRaft 4.1 measured later at another revision, without ZooKeeper-mode
	// runs of its own: no consistent group, so no 4.1 verdict.
	writeResults(t, dir, startupRuns(t, cluster.ModeKRaft, cluster.Kafka41, "bbbb222", 4, 2, 4*time.Second)...)
	before := renderAnswers(t, in)
	if got := claimVerdict(before, "Startup 45% faster", cluster.Kafka39); got != string(Supported) {
		t.Fatalf("startup at 3.9: %q, want supported\n%s", got, before)
	}
	if got := claimVerdict(before, "Startup 45% faster", cluster.Kafka41); got != string(NotMeasured) ||
		!strings.Contains(before, "revision bbbb222, 2 cores · 8 GiB · linux/amd64 · no container, profile kafka-defaults, local provider: 0 ZooKeeper-mode runs, 2 KRaft 4.1 runs") {
		t.Errorf("startup at 4.1: %q, want not measured, naming the group without ZooKeeper-mode runs\n%s", got, before)
	}

	// A fresh clone on a bigger, slower-to-start machine, later, at the
	// same revision: KRaft slower than ZooKeeper there. Pooled, it would
	// move the verdict; grouped, it is listed beside it.
	var other []*metrics.Result
	other = append(other, startupRuns(t, cluster.ModeZK, cluster.Kafka39, "aaaa111", 10, 2, 8*time.Second)...)
	other = append(other, startupRuns(t, cluster.ModeKRaft, cluster.Kafka39, "aaaa111", 10, 2, 9*time.Second)...)
	for _, r := range other {
		r.Machine = metrics.Machine{Hostname: "laptop", Cores: 8, MemoryBytes: 32 << 30, OS: "linux", Arch: "amd64", CPUModel: "Some CPU"}
	}
	writeResults(t, dir, other...)
	after := renderAnswers(t, in)
	if got := claimVerdict(after, "Startup 45% faster", cluster.Kafka39); got != string(Supported) {
		t.Errorf("startup at 3.9 with another machine's runs: %q, want supported still", got)
	}
	for _, want := range []string{
		"Rests on 3 ZooKeeper-mode runs and 3 KRaft runs of workload `startup` (revision aaaa111, 2 cores · 8 GiB · linux/amd64 · no container",
		"Other run groups, not in the verdict:",
		"(1 other group listed below, 1 with another verdict)",
		"- `startup`, revision aaaa111, 8 cores · 32 GiB · linux/amd64 · no container · Some CPU, profile kafka-defaults, local provider (2 ZooKeeper-mode runs and 2 KRaft runs): 1.13x [1.1x, 1.16x] (67% CI, p=0.333), refuted.",
	} {
		if !strings.Contains(after, want) {
			t.Errorf("answer page lacks %q\n%s", want, after)
		}
	}
	// The newer group wins once it has enough runs and the older one has
	// not: the choice is by group, still never pooled.
	one := t.TempDir()
	writeResults(t, filepath.Join(one, "startup"), startupRuns(t, cluster.ModeZK, cluster.Kafka39, "aaaa111", 1, 1, 10*time.Second)...)
	writeResults(t, filepath.Join(one, "startup"), startupRuns(t, cluster.ModeKRaft, cluster.Kafka39, "aaaa111", 1, 1, 5*time.Second)...)
	writeResults(t, filepath.Join(one, "startup"), other...)
	if got := claimVerdict(renderAnswers(t, one), "Startup 45% faster", cluster.Kafka39); got != string(Refuted) {
		t.Errorf("newest group with 2+2 runs: %q, want refuted (KRaft 1.13x)", got)
	}
}

// The answer page covers every claim for every version: a verdict or a
// reason, and none of it repeats "not measured" without saying why.
func TestAnswerPageCoversEveryClaim(t *testing.T) {
	text := renderAnswers(t, corpus(t))
	for _, c := range seedClaims {
		for _, v := range cluster.KafkaVersions() {
			got := claimVerdict(text, c.Title, v)
			if got == "" {
				t.Errorf("%s at %s: no verdict", c.Title, v)
			}
		}
	}
	if n := strings.Count(text, "Not measured: "); n < 1 || strings.Contains(text, "Not measured: .") {
		t.Errorf("%d not-measured answers, or one without a reason", n)
	}
	for _, want := range []string{"[docs/fidelity.md](../docs/fidelity.md)", "no data plane", "*direction supported, size not*", "## Headline figures", "![Startup 45% faster"} {
		if !strings.Contains(text, want) {
			t.Errorf("answer page lacks %q", want)
		}
	}
}

// renderAnswers writes the answer page of the results under in into a
// temporary folder and returns it.
func renderAnswers(t *testing.T, in string) string {
	t.Helper()
	root, err := IsResultsRoot(in)
	if err != nil || !root {
		t.Fatalf("%s: results root %v (%v)", in, root, err)
	}
	out, err := Generate(Options{In: in, Out: t.TempDir(), Answers: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out.Report)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
