package report

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// corpus writes three runs per mode of topics (KRaft 4x faster) and
// propagation (KRaft 1.1x faster), and one run per mode of startup (KRaft
// twice as fast), in separate subfolders.
func corpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for run := 1; run <= 3; run++ {
		writeResults(t, filepath.Join(dir, "topics"),
			synth(t, "topics", cluster.ModeZK, run, map[string]opSpec{
				"create": {lat: 40 * time.Millisecond, n: 30}, "delete": {lat: 20 * time.Millisecond, n: 30, errs: 1},
				metrics.FloorOp: {lat: 2 * time.Millisecond, n: 20}}, map[string]string{"mode": "closed", "partitions": "1"}),
			synth(t, "topics", cluster.ModeKRaft, run, map[string]opSpec{
				"create": {lat: 10 * time.Millisecond, n: 30}, "delete": {lat: 8 * time.Millisecond, n: 30},
				metrics.FloorOp: {lat: time.Millisecond, n: 20}}, map[string]string{"mode": "closed", "partitions": "1"}))
		writeResults(t, filepath.Join(dir, "propagation"),
			synth(t, "propagation", cluster.ModeZK, run, map[string]opSpec{"propagation": {lat: 11 * time.Millisecond, n: 30}}, nil),
			synth(t, "propagation", cluster.ModeKRaft, run, map[string]opSpec{"propagation": {lat: 10 * time.Millisecond, n: 30}}, nil))
	}
	writeResults(t, filepath.Join(dir, "startup"),
		synth(t, "startup", cluster.ModeZK, 1, map[string]opSpec{"startup": {lat: 10 * time.Second, n: 3},
			"phase_store_ready": {lat: 3 * time.Second, n: 3}, "phase_controller_active": {lat: 6 * time.Second, n: 3}}, nil),
		synth(t, "startup", cluster.ModeKRaft, 1, map[string]opSpec{"startup": {lat: 5 * time.Second, n: 3},
			"phase_controller_active": {lat: 2 * time.Second, n: 3}}, nil))
	return dir
}

func TestReportTablesRatiosAndVerdicts(t *testing.T) {
	in := corpus(t)
	if err := os.WriteFile(filepath.Join(in, "notes.json"), []byte(`{"owner":"someone"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	out, err := Generate(Options{In: in, Out: t.TempDir(), Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if out.Runs != 14 || !strings.Contains(warn.String(), "skipping") || !strings.Contains(warn.String(), "notes.json") {
		t.Errorf("runs=%d, warnings %q: want 14 runs and notes.json skipped", out.Runs, warn.String())
	}
	b, err := os.ReadFile(out.Report)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		"| Topic creation 4x faster | 主题创建速度 5个/秒 → 20个/秒, 300% ↑ | KRaft 3.9 vs ZooKeeper 3.9 | 0.25x |",
		"| Metadata latency 75% lower |",
		"[answer page](../README.md)",
		"提升幅度: 45% 更快",
		"Translation: Topic creation speed",
		"| ZooKeeper | 3 | 90 | 3 |", // delete: 3 runs, 90 ok, 3 errors
		"errors by code: ZooKeeper: NOT_CONTROLLER 3; KRaft: none",
		"90% CI",                                // 3 vs 3 runs
		"too few runs for a CI (1 ZK, 1 KRaft)", // startup
		"p50 as a multiple of the same run's store floor",
		"![topics/create latency by percentile](latency-topics-create.png)",
		"([SVG](latency-topics-create.svg))",
		"![startup phases per mode](startup-phases.png)",
		"![topics throughput per mode](throughput-topics.png)",
		"`topics/topics-zk-20260102T040405.000Z.json`",
		"brokers=3, controllers=3, zk_servers=3",
		"zookeeper.session.timeout.ms=18000",
		"- synthetic topics run (zk, kraft)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for title, want := range map[string]Verdict{
		"Topic creation 4x faster":   Supported,
		"Metadata latency 75% lower": Refuted,
		"Startup 45% faster":         Supported,
	} {
		if got := claimVerdict(text, title, cluster.DefaultKafkaVersion); got != string(want) {
			t.Errorf("%s: verdict %q, want %q", title, got, want)
		}
	}
	// Claims these results do not measure are left to the answer page.
	for _, title := range []string{"Failover 70% faster", "15-25% fewer resources"} {
		if strings.Contains(text, "### "+title) || strings.Contains(text, "| "+title+" |") {
			t.Errorf("report shows %q, which it does not measure", title)
		}
	}
	if t.Failed() {
		t.Logf("report.md:\n%s", text)
	}
}

// claimVerdict finds a claim's section ("### title" or "## title") in a
// rendered page and returns the verdict it gives for KRaft version v, ""
// when absent.
func claimVerdict(text, title string, v cluster.KafkaVersion) string {
	i := strings.Index(text, "## "+title+"\n")
	if i < 0 {
		return ""
	}
	sec := text[i+len(title)+4:]
	if j := strings.Index(sec, "\n## "); j >= 0 {
		sec = sec[:j]
	}
	if j := strings.Index(sec, "\n### "); j >= 0 {
		sec = sec[:j]
	}
	pre := "**KRaft " + string(v) + " against ZooKeeper mode at " + string(cluster.DefaultKafkaVersion) + ": "
	k := strings.Index(sec, pre)
	if k < 0 {
		return ""
	}
	rest := sec[k+len(pre):]
	return rest[:strings.Index(rest, ".**")]
}

func TestReportNumbers(t *testing.T) {
	runs, err := Load(corpus(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := Group(runs)
	if err != nil {
		t.Fatal(err)
	}
	create := Find(ws, "topics", "create")
	zk, kr := create.Mode(cluster.ModeZK), create.Mode(cluster.ModeKRaft)
	r, _ := EstimateRatio(zk.values(perRunP50), kr.values(perRunP50))
	if math.Abs(r.Point-0.25) > 0.02 || !r.HasCI || r.Lo > r.Point || r.Hi < r.Point {
		t.Errorf("create p50 ratio %+v, want about 0.25 inside its CI", r)
	}
	for _, c := range []struct {
		s    *Series
		want float64
	}{{zk, 20}, {kr, 10}} {
		if got := medianOf(c.s.values(perRunFloorRatio)); math.Abs(got-c.want) > c.want*0.1 {
			t.Errorf("%s create / floor = %.2f, want about %.0f", c.s.Mode, got, c.want)
		}
	}
	want := []Verdict{Supported, Refuted, Supported, NotMeasured, NotMeasured}
	for i, c := range seedClaims {
		if a := answerFor(t, runs, c.Title, cluster.DefaultKafkaVersion); a.Verdict != want[i] {
			t.Errorf("%s: %s (cost %+v), want %s", c.Title, a.Verdict, a.Cost, want[i])
		}
	}
}

func TestJudge(t *testing.T) {
	ci := func(lo, hi float64) Ratio { return Ratio{Point: math.Sqrt(lo * hi), Lo: lo, Hi: hi, HasCI: true} }
	for _, c := range []struct {
		r       Ratio
		claimed float64
		want    Verdict
	}{
		{ci(0.22, 0.28), 0.25, Supported},    // 4x claimed, about 4x measured
		{ci(0.05, 0.1), 0.25, Supported},     // more than claimed
		{ci(0.88, 0.93), 0.25, Refuted},      // 1.1x for a claimed 4x
		{ci(0.35, 0.45), 0.25, Partly},       // 2.5x for a claimed 4x
		{ci(0.2, 1.3), 0.25, Inconclusive},   // claim and no difference both inside
		{ci(1.1, 1.3), 0.55, Refuted},        // KRaft slower
		{Ratio{Point: 0.5}, 0.55, Supported}, // single runs: the point decides
		{Ratio{Point: 0.95}, 0.55, Refuted},
		// The interval reaches 0.55x, but the point (0.81x) shows less than
		// half the claimed effect (sqrt(0.55) = 0.742x).
		{Ratio{Point: 0.81, Lo: 0.5, Hi: 0.95, HasCI: true}, 0.55, DirectionOnly},
		{Ratio{Point: 0.73, Lo: 0.5, Hi: 0.95, HasCI: true}, 0.55, Supported},
	} {
		if got := judge(c.r, c.claimed); got != c.want {
			t.Errorf("judge(%+v, %.2f) = %s, want %s", c.r, c.claimed, got, c.want)
		}
	}
}

func TestPlotsDecodeAndOutputIsDeterministic(t *testing.T) {
	in := corpus(t)
	a, b := t.TempDir(), t.TempDir()
	outA, err := Generate(Options{In: in, Out: a})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(Options{In: in, Out: b}); err != nil {
		t.Fatal(err)
	}
	if len(outA.Plots) < 8 {
		t.Errorf("plots %v: want latency, throughput and phases plots", outA.Plots)
	}
	for _, p := range append(outA.Plots, outA.Report) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		again, err := os.ReadFile(filepath.Join(b, filepath.Base(p)))
		if err != nil || !bytes.Equal(data, again) {
			t.Errorf("%s differs between two reports of the same input (%v)", filepath.Base(p), err)
		}
		switch filepath.Ext(p) {
		case ".png":
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		case ".svg":
			if s := strings.TrimSpace(string(data)); !strings.HasPrefix(s, "<svg") && !strings.HasPrefix(s, "<?xml") {
				t.Errorf("%s starts %q", p, s[:min(40, len(s))])
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "other.json"), []byte(`[1,2]`), 0o644)
	if _, err := Generate(Options{In: empty, Out: t.TempDir()}); !errors.Is(err, ErrNoResults) {
		t.Errorf("empty folder: %v, want ErrNoResults", err)
	}
	newer := t.TempDir()
	r := synth(t, "topics", cluster.ModeZK, 1, map[string]opSpec{"create": {lat: time.Millisecond, n: 2}}, nil)
	r.Schema = metrics.SchemaVersion + 1
	writeResults(t, newer, r)
	_, err := Load(newer, nil)
	if err == nil || !strings.Contains(err.Error(), "newer than this kraftbench reads") {
		t.Errorf("newer schema: %v", err)
	}
}

// TestWriteSample writes a sample report where KRAFTBENCH_REPORT_SAMPLE
// points, to look at by eye.
func TestWriteSample(t *testing.T) {
	out := os.Getenv("KRAFTBENCH_REPORT_SAMPLE")
	if out == "" {
		t.Skip("set KRAFTBENCH_REPORT_SAMPLE to a folder to write a sample report")
	}
	if _, err := Generate(Options{In: corpus(t), Out: out}); err != nil {
		t.Fatal(err)
	}
}
