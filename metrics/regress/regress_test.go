package regress

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// fakeRun is one run whose ops have the given p50s (p99 = 3 x p50).
func fakeRun(mode string, p50 map[string]float64) *metrics.Result {
	r := &metrics.Result{Schema: metrics.SchemaVersion, Workload: "topics", Mode: cluster.Mode(mode),
		Machine: metrics.Machine{Hostname: "h", Cores: 2, OS: "linux", Arch: "amd64"}}
	for op, v := range p50 {
		r.Ops = append(r.Ops, metrics.OpResult{Op: op, Latency: metrics.LatencySummary{
			Count: 100, P50Ns: int64(v), P99Ns: int64(3 * v), MeanNs: v}})
	}
	return r
}

// runs draws n runs of one mode: create p50 around create, floor p50 around
// floor, each times a lognormal machine factor (sigma) shared by both ops of a
// run (a slow machine slows everything) and its own noise (opNoise).
func runs(rng *rand.Rand, n int, mode string, create, floor, sigma, opNoise float64) []*metrics.Result {
	var out []*metrics.Result
	for range n {
		m := math.Exp(sigma * rng.NormFloat64())
		out = append(out, fakeRun(mode, map[string]float64{
			"create":        create * m * math.Exp(opNoise*rng.NormFloat64()),
			metrics.FloorOp: floor * m * math.Exp(opNoise*rng.NormFloat64()),
		}))
	}
	return out
}

func find(t *testing.T, rep *Report, mode, op, stat string, b Basis) Row {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Mode == mode && r.Op == op && r.Stat == stat && r.Basis == b {
			return r
		}
	}
	t.Fatalf("no row %s/%s/%s/%s", mode, op, stat, b)
	return Row{}
}

func TestSlowerModeIsFlaggedAndTheOtherIsNot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := append(runs(rng, 5, "kraft", 1e6, 8e5, 0.2, 0.05), runs(rng, 5, "zk", 1e7, 1.5e6, 0.2, 0.05)...)
	cur := append(runs(rng, 5, "kraft", 6e6, 8e5, 0.2, 0.05), runs(rng, 5, "zk", 1e7, 1.5e6, 0.2, 0.05)...)
	rep, err := Compare(base, cur, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	k := find(t, rep, "kraft", "create", "p50", Floor)
	if k.Verdict != Regression || !k.Gated || k.P > 0.01 || !k.HasCI || k.Lo < 2 {
		t.Errorf("kraft create/floor p50: %+v, want a gated regression with CI above +200%%", k)
	}
	for _, r := range rep.Rows {
		if r.Mode == "zk" && r.Verdict == Regression {
			t.Errorf("zk flagged: %+v", r)
		}
	}
	if !rep.Failed() {
		t.Error("report not failed")
	}
}

// A machine twice as slow slows the op and its floor alike: the absolute
// comparison sees it, the floor ratio does not, so gating on the floor ratio
// does not fail.
func TestFloorRatioCancelsASlowerMachine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := runs(rng, 6, "kraft", 1e6, 8e5, 0.05, 0.05)
	cur := runs(rng, 6, "kraft", 2e6, 1.6e6, 0.05, 0.05)
	o := DefaultOptions()
	o.Gate = []Basis{Floor}
	rep, err := Compare(base, cur, o)
	if err != nil {
		t.Fatal(err)
	}
	if r := find(t, rep, "kraft", "create", "p50", Absolute); r.Verdict != Regression || r.Gated {
		t.Errorf("absolute: %+v, want an ungated regression", r)
	}
	if r := find(t, rep, "kraft", "create", "p50", Floor); r.Verdict == Regression {
		t.Errorf("floor ratio flagged: %+v", r)
	}
	if rep.Failed() {
		t.Error("failed although only absolute times moved")
	}
	o.Gate, o.GateStats = []Basis{Absolute}, []string{"p99"}
	if rep, err = Compare(base, cur, o); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rows {
		if want := r.Verdict == Regression && r.Basis == Absolute && r.Stat == "p99"; r.Gated != want {
			t.Errorf("gate on absolute p99: row %s/%s/%s gated=%v", r.Op, r.Stat, r.Basis, r.Gated)
		}
	}
	o.GateStats = []string{"p42"}
	if _, err := Compare(base, cur, o); err == nil {
		t.Error("a gate stat that is not compared was accepted")
	}
}

func TestTooFewRunsIsNeverFlagged(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		base := []*metrics.Result{}
		cur := []*metrics.Result{}
		for range n {
			base = append(base, fakeRun("kraft", map[string]float64{"create": 1e6, "floor": 1e6}))
			cur = append(cur, fakeRun("kraft", map[string]float64{"create": 9e6, "floor": 1e6}))
		}
		rep, err := Compare(base, cur, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed() || rep.Count(TooFew) != len(rep.Rows) {
			t.Errorf("%d runs per side: failed=%v, rows %+v", n, rep.Failed(), rep.Rows)
		}
		var md bytes.Buffer
		rep.WriteMarkdown(&md)
		if !strings.Contains(md.String(), "too few runs") {
			t.Errorf("markdown does not say too few runs:\n%s", md.String())
		}
	}
}

// Under the null (both sides drawn from one distribution) the rate of
// flagged regressions stays below alpha/2 (one-sided) even with no
// threshold, and the change's interval covers the true ratio (1) at its
// stated confidence.
func TestFalsePositiveRateAndCoverageUnderTheNull(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const trials = 1000
	o := DefaultOptions()
	o.Stats = []string{"p50"}
	var flagged, flaggedAt0, covered int
	for range trials {
		base, cur := runs(rng, 5, "kraft", 1e6, 8e5, 0.3, 0.1), runs(rng, 5, "kraft", 1e6, 8e5, 0.3, 0.1)
		o.Threshold = 0.10
		rep, err := Compare(base, cur, o)
		if err != nil {
			t.Fatal(err)
		}
		flagged += len(rep.Gated())
		r := find(t, rep, "kraft", "create", "p50", Absolute)
		if r.Lo <= 0 && r.Hi >= 0 {
			covered++
		}
		if r.P < o.Alpha && r.Change > 0 {
			flaggedAt0++
		}
	}
	rows := 3.0 * trials // create/abs, floor/abs, create/floor
	t.Logf("null: %d gated regressions in %.0f comparisons (%.2f%%); create p50 significant slower at threshold 0: %.2f%%; CI coverage %.1f%%",
		flagged, rows, 100*float64(flagged)/rows, 100*float64(flaggedAt0)/trials, 100*float64(covered)/trials)
	if float64(flaggedAt0)/trials > o.Alpha/2+0.01 {
		t.Errorf("one-sided false-positive rate %.3f above alpha/2", float64(flaggedAt0)/trials)
	}
	if float64(covered)/trials < 0.95 {
		t.Errorf("interval coverage %.3f below 95%%", float64(covered)/trials)
	}
}

func TestRowIntervalIsTheSharedShiftCI(t *testing.T) {
	base := []float64{1, 2, 3, 4, 5}
	cur := []float64{10, 20, 30, 40, 50}
	r := compareRow(Key{}, base, cur, DefaultOptions())
	// 25 pairwise ratios x/b; k = 3 for 5+5 at alpha 0.05 (P(U<=2) = 4/252):
	// the third smallest is 10/3, the third largest 30.
	if !r.HasCI || math.Abs(r.CIConfidence-(1-8.0/252)) > 1e-9 {
		t.Fatalf("hasCI=%v confidence %v", r.HasCI, r.CIConfidence)
	}
	if math.Abs(r.Lo-(10.0/3-1)) > 1e-9 || math.Abs(r.Hi-29) > 1e-9 {
		t.Errorf("interval [%v, %v], want [%v, 29]", r.Lo, r.Hi, 10.0/3-1)
	}
	// 2+2 runs cannot give 95%: the widest interval, at the 67% it has, and
	// the row is "too few runs" all the same.
	two := compareRow(Key{}, []float64{1, 2}, []float64{3, 4}, DefaultOptions())
	if !two.HasCI || math.Abs(two.CIConfidence-2.0/3) > 1e-9 || two.Verdict != TooFew {
		t.Errorf("2+2 runs: hasCI=%v at %v, verdict %q", two.HasCI, two.CIConfidence, two.Verdict)
	}
	if one := compareRow(Key{}, []float64{1}, []float64{3, 4}, DefaultOptions()); one.HasCI {
		t.Errorf("1+2 runs gave an interval at %v", one.CIConfidence)
	}
	if p := minP(4, 4); math.Abs(p-2.0/70) > 1e-12 {
		t.Errorf("minP(4,4) = %v", p)
	}
}

func TestWriters(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	base := runs(rng, 5, "kraft", 1e6, 8e5, 0.1, 0.05)
	cur := runs(rng, 5, "kraft", 5e6, 8e5, 0.1, 0.05)
	o := DefaultOptions()
	o.Gate = []Basis{Floor}
	rep, err := Compare(base, cur, o)
	if err != nil {
		t.Fatal(err)
	}
	var md, bs bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteBenchstat(&bs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"❌ 2 significant regression(s)", "| topics | create | kraft | p50 |", "❌ **regression**",
		"⚠️ regression (not gated)", "#### Ratio to the same-run floor", "#### Absolute latency", "ratio to the same-run floor"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	for _, want := range []string{"goos: linux", "p50-ns", "p50/floor", "Topics/mode=kraft/op=create", "REGRESSION", "(p=0.008 n=5)"} {
		if !strings.Contains(bs.String(), want) {
			t.Errorf("benchstat text lacks %q:\n%s", want, bs.String())
		}
	}
}

func TestOptions(t *testing.T) {
	if v, err := ParseThreshold("25%"); err != nil || v != 0.25 {
		t.Errorf("25%% = %v, %v", v, err)
	}
	if v, err := ParseThreshold("0.1"); err != nil || v != 0.1 {
		t.Errorf("0.1 = %v, %v", v, err)
	}
	if _, err := ParseThreshold("-3%"); err == nil {
		t.Error("negative threshold accepted")
	}
	if b, err := ParseBases("both"); err != nil || len(b) != 2 {
		t.Errorf("both = %v, %v", b, err)
	}
	if _, err := ParseBases("relative"); err == nil {
		t.Error("bad basis accepted")
	}
	o := DefaultOptions()
	o.Stats, o.Alpha = []string{"p42"}, 2
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "p42") || !strings.Contains(err.Error(), "alpha") {
		t.Errorf("Validate = %v", err)
	}
}

func TestNotesNameWhatWasNotCompared(t *testing.T) {
	base := []*metrics.Result{fakeRun("zk", map[string]float64{"create": 1e6})}
	cur := []*metrics.Result{fakeRun("kraft", map[string]float64{"create": 1e6})}
	cur[0].Machine.Hostname, cur[0].Params = "other", map[string]string{"ops": "5"}
	cur[0].Ops[0].Latency.Errors = 2
	rep, err := Compare(base, cur, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, want := range []string{"topics/zk/create only in the base runs", "topics/kraft/create only in the new runs",
		"different machines", "topics/kraft/create: 2 failed operations"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if len(rep.Rows) != 0 {
		t.Errorf("rows %+v, want none", rep.Rows)
	}
}
