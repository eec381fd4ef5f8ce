package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

const mib = 1 << 20

// proc is a synthetic process of a run: count of them, each with these
// figures; net < 0 means not measured.
type proc struct {
	kind, role string
	count      int
	cpu        float64
	peakMiB    float64
	net        int64
}

// synthResources builds a run's resource figures, every figure scaled by
// scale (the run's noise).
func synthResources(scale float64, procs ...proc) *metrics.Resources {
	r := &metrics.Resources{WindowNs: int64(time.Minute), IntervalNs: int64(time.Second), Samples: 61,
		Nodes: map[string]metrics.NodeResources{}, ByKind: map[string]metrics.ResourceTotals{}}
	add := func(t *metrics.ResourceTotals, n metrics.NodeResources) {
		if t.Nodes > 0 && t.NetRxBytes < 0 || n.NetRxBytes < 0 {
			t.NetRxBytes, t.NetTxBytes = -1, -1
		} else {
			t.NetRxBytes += n.NetRxBytes
			t.NetTxBytes += n.NetTxBytes
		}
		t.Nodes++
		t.CPUSeconds += n.CPUSeconds
		t.PeakRSSBytes += n.PeakRSSBytes
	}
	for _, p := range procs {
		for i := 1; i <= p.count; i++ {
			net := p.net
			if net > 0 {
				net = int64(float64(net) * scale)
			}
			n := metrics.NodeResources{Kind: p.kind, Roles: []string{p.role}, CPUSeconds: p.cpu * scale,
				PeakRSSBytes: int64(p.peakMiB * scale * mib), NetRxBytes: net, NetTxBytes: net}
			n.RSSBytes = n.PeakRSSBytes
			r.Nodes[fmt.Sprintf("%s-%d", p.role, i)] = n
			add(&r.Total, n)
			k := r.ByKind[p.kind]
			add(&k, n)
			r.ByKind[p.kind] = k
		}
	}
	return r
}

// resourceCorpus writes three runs per mode of topics and propagation with
// resource figures, and startup without. topics: KRaft uses 0.6x the CPU
// per operation (supported) and 0.85x the memory (partly), network not
// measured. propagation: the same CPU per operation (refuted), network
// measured.
func resourceCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for run := 1; run <= 3; run++ {
		scale := 1 + 0.01*float64(run)
		zkTopics := synth(t, "topics", cluster.ModeZK, run, map[string]opSpec{
			"create": {lat: 40 * time.Millisecond, n: 30}, "delete": {lat: 20 * time.Millisecond, n: 30, errs: 1},
			metrics.FloorOp: {lat: 2 * time.Millisecond, n: 20}}, map[string]string{"mode": "closed"})
		zkTopics.Resources = synthResources(scale,
			proc{"node", "broker", 3, 2.0, 40, -1}, proc{"zookeeper", "zookeeper", 3, 1.0, 100, -1})
		krTopics := synth(t, "topics", cluster.ModeKRaft, run, map[string]opSpec{
			"create": {lat: 10 * time.Millisecond, n: 30}, "delete": {lat: 8 * time.Millisecond, n: 30},
			metrics.FloorOp: {lat: time.Millisecond, n: 20}}, map[string]string{"mode": "closed"})
		krTopics.Resources = synthResources(scale,
			proc{"node", "broker", 3, 1.5, 79, -1}, proc{"node", "controller", 3, 0.3, 40, -1})
		writeResults(t, filepath.Join(dir, "topics"), zkTopics, krTopics)

		propOps := map[string]opSpec{"propagation": {lat: 10 * time.Millisecond, n: 30},
			"propagation_broker": {lat: 9 * time.Millisecond, n: 90}, "metadata": {lat: time.Millisecond, n: 300}}
		zkProp := synth(t, "propagation", cluster.ModeZK, run, propOps, nil)
		zkProp.Resources = synthResources(scale,
			proc{"node", "broker", 3, 1.0, 40, 4 * mib}, proc{"zookeeper", "zookeeper", 3, 1.0, 100, mib})
		krProp := synth(t, "propagation", cluster.ModeKRaft, run, propOps, nil)
		krProp.Resources = synthResources(scale,
			proc{"node", "broker", 3, 1.5, 80, 4 * mib}, proc{"node", "controller", 3, 0.5, 40, 2 * mib})
		writeResults(t, filepath.Join(dir, "propagation"), zkProp, krProp)
	}
	writeResults(t, filepath.Join(dir, "startup"),
		synth(t, "startup", cluster.ModeZK, 1, map[string]opSpec{"startup": {lat: 10 * time.Second, n: 3}}, nil),
		synth(t, "startup", cluster.ModeKRaft, 1, map[string]opSpec{"startup": {lat: 5 * time.Second, n: 3}}, nil))
	return dir
}

func TestResourceRatiosAndVerdict(t *testing.T) {
	runs, err := Load(resourceCorpus(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := Group(runs)
	if err != nil {
		t.Fatal(err)
	}
	topics := ws[2]
	if topics.Name != "topics" {
		t.Fatalf("workloads %v", ws)
	}
	// 60 successful ops per run in both modes (create, delete; not floor,
	// not the failed delete): ZK 9 CPU s, KRaft 5.4 CPU s, each times
	// 1.01..1.03.
	for _, r := range topics.Runs {
		if n := runOps(r); n != 60 {
			t.Errorf("%s: %d ops counted, want 60", r.Path, n)
		}
	}
	for _, c := range []struct {
		kind string
		f    resourceFigure
		want float64
		ok   bool
	}{
		{kindAll, figCPU, 0.6, true},
		{kindAll, figCPUPerOp, 0.6, true},
		{kindNode, figCPUPerOp, 5.4 / 6, true},
		{kindAll, figPeakRSS, 357.0 / 420, true},
		{kindZK, figCPU, 0, false}, // no ZooKeeper in KRaft mode
		{kindAll, figNet, 0, false},
	} {
		r, ok := resourceRatio(topics, c.kind, c.f)
		if ok != c.ok || ok && (math.Abs(r.Point-c.want) > 1e-6 || !r.HasCI || r.Lo > r.Point || r.Hi < r.Point) {
			t.Errorf("%s %q: %+v ok=%v, want %.3f with a CI (ok=%v)", c.f.name, c.kind, r, ok, c.want, c.ok)
		}
	}
	if v, _ := resourceValues(topics.Runs, cluster.ModeZK, kindAll, figCPUPerOp); math.Abs(medianOf(v)-9*1.02/60) > 1e-9 {
		t.Errorf("ZK CPU per op %v, want median %.4f", v, 9*1.02/60)
	}
	prop := ws[0]
	for _, r := range prop.Runs {
		if n := runOps(r); n != 30 {
			t.Errorf("%s: %d ops counted, want 30 (propagation only)", r.Path, n)
		}
	}

	// The verdict compares nodes only (like for like: Go in both modes).
	// Nodes' CPU per op: ZK 6, KRaft 5.4 CPU s per 60 ops, 0.9x (partly);
	// nodes' peak RSS: ZK 120, KRaft 357 MiB, 2.975x (refuted). With the
	// ZooKeeper servers counted, memory would be 0.85x: the ensemble's JVM
	// would decide it.
	c := answerFor(t, runs, "15-25% fewer resources", cluster.DefaultKafkaVersion)
	if !c.Measured || c.Verdict != Refuted {
		t.Fatalf("%s: %s measured=%v (%s), want refuted", c.Title, c.Verdict, c.Measured, c.Why)
	}
	if len(c.Parts) != 2 || c.Parts[0].Verdict != Partly || c.Parts[1].Verdict != Refuted ||
		c.Parts[0].Workload != "topics" || math.Abs(c.Cost.Point-357.0/120) > 1e-6 || math.Abs(c.Parts[0].Cost.Point-0.9) > 1e-6 {
		t.Errorf("parts %+v cost %+v: want nodes' CPU/op partly, nodes' memory refuted deciding, in topics", c.Parts, c.Cost)
	}
	if len(c.Ensemble) != 2 || math.Abs(c.Ensemble[0].Share-3.0/9) > 1e-6 || math.Abs(c.Ensemble[1].Share-300.0/420) > 1e-6 {
		t.Errorf("ensemble %+v: want ZooKeeper's shares of ZooKeeper mode's CPU (1/3) and memory (300/420)", c.Ensemble)
	}
	if c.Chosen == nil || len(c.Others) != 1 || c.Others[0].Workload != "propagation" || c.Others[0].Result.Verdict != Refuted {
		t.Errorf("others %+v: want propagation's group listed apart, refuted", c.Others)
	}

	// Figures for one mode only: nothing to compare.
	for _, r := range runs {
		if r.Mode == cluster.ModeKRaft {
			r.Resources = nil
		}
	}
	if c := answerFor(t, runs, "15-25% fewer resources", cluster.DefaultKafkaVersion); c.Measured || c.Verdict != NotMeasured || !strings.Contains(c.Why, "in both modes") {
		t.Errorf("ZK-only figures: %s measured=%v why=%q", c.Verdict, c.Measured, c.Why)
	}
}

// answerFor is the answer on claim title for KRaft version v.
func answerFor(t *testing.T, runs []*Run, title string, v cluster.KafkaVersion) Answer {
	t.Helper()
	as, err := Answers(runs)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Title == title && a.Version == v {
			return a
		}
	}
	t.Fatalf("no answer on %q at %s", title, v)
	return Answer{}
}

func TestResourceTablesAndDeterminism(t *testing.T) {
	in := resourceCorpus(t)
	a, b := t.TempDir(), t.TempDir()
	out, err := Generate(Options{In: in, Out: a})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(Options{In: in, Out: b}); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(out.Report)
	if err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(filepath.Join(b, ReportFile))
	if err != nil || !bytes.Equal(text, again) {
		t.Errorf("report.md differs between two reports of the same input (%v)", err)
	}
	s := string(text)
	for _, want := range []string{
		"### Resources",
		"| figure | processes | ZooKeeper (median of 3 runs) | KRaft (median of 3 runs) | KRaft/ZK across runs |",
		// 3 vs 3 runs scaled 1.01..1.03: the CI spans 0.6*1.01/1.03..0.6*1.03/1.01.
		"| CPU seconds | all processes | 9.18s | 5.51s | 0.6x [0.588x, 0.612x] (90% CI, p=0.100) |",
		"| CPU seconds | ZooKeeper servers | 3.06s | - | - |",
		"| CPU per successful operation | all processes | 153ms | 91.8ms | 0.6x [0.588x, 0.612x] (90% CI, p=0.100) |",
		"| sum of peak RSS | all processes | 428 MiB | 364 MiB | 0.85x [0.833x, 0.867x] (90% CI, p=0.100) |",
		"| network bytes (received + sent) | all processes | not measured | not measured | - |",
		// propagation: 2 x (3 x 4 + 3 x 1) MiB x 1.02 in ZK mode.
		"| network bytes (received + sent) | all processes | 30.6 MiB | 36.7 MiB | 1.2x [1.18x, 1.22x] (90% CI, p=0.100) |",
		"successful operations of `create`, `delete`; not counted: `floor`.",
		"successful operations of `propagation`; not counted: `metadata`, `propagation_broker`.",
		"- ZooKeeper: 3 nodes, 3 ZooKeeper servers; window 60s (median); 0 restarts seen in the window; 0 of 18 process peaks from samples",
		"- KRaft: 6 nodes; window 60s (median)",
		"| 15-25% fewer resources | 内存使用 减少15%, 网络开销 减少25% | KRaft 3.9 vs ZooKeeper 3.9 | 0.8x | nodes' CPU per successful operation 0.9x [0.883x, 0.918x] (90% CI, p=0.100); nodes' sum of peak RSS 2.98x [2.92x, 3.03x] (90% CI, p=0.100) | refuted |",
		"Measured from workload topics, per-run totals over the nodes, kraftbench's Go processes in both modes (ZooKeeper mode: 3 nodes, 3 ZooKeeper servers; KRaft: 6 nodes;",
		"- nodes' CPU per successful operation: 0.9x, 90% CI 0.883x–0.918x, 3 vs 3 runs, Mann-Whitney p=0.100. KRaft uses 10% less: partly.",
		"- nodes' sum of peak RSS: 2.98x, 90% CI 2.92x–3.03x, 3 vs 3 runs, Mann-Whitney p=0.100. KRaft uses 198% more: refuted.",
		"The ZooKeeper ensemble on its own, the cost of running a second system",
		"sum of peak RSS 306 MiB (71% of ZooKeeper mode's whole cluster)",
		"- `propagation`, revision unknown,",
		"cannot be concluded here",
		"ZooKeeper is the real Apache ZooKeeper on a JVM",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// startup has no resource figures: no table.
	i, j := strings.Index(s, "## Workload `startup`"), strings.Index(s, "## Workload `topics`")
	if i < 0 || j < i || strings.Contains(s[i:j], "### Resources") {
		t.Errorf("startup section (%d..%d) has a resources table, or is missing", i, j)
	}
	if t.Failed() {
		t.Logf("report.md:\n%s", s)
	}
}
