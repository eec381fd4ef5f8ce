package report

import (
	"github.com/kraftbench/kraftbench/cluster"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/metrics"
)

// summaryRun is one run whose ops each take one latency, 10 samples each.
func summaryRun(mode string, ops map[string]time.Duration) *metrics.Result {
	base := time.Unix(0, 0)
	r := metrics.NewRecorder(metrics.RecorderOptions{Base: base})
	for op, d := range ops {
		for i := 0; i < 10; i++ {
			r.Record(metrics.Sample{Op: op, Start: base, End: base.Add(d)})
		}
	}
	res, _ := r.Results()
	return &metrics.Result{Schema: metrics.SchemaVersion, Workload: "topics", Mode: cluster.Mode(mode), Ops: res}
}

func TestSummaryPutsModesSideBySideWithTheReportsRatios(t *testing.T) {
	ms := time.Millisecond
	var b strings.Builder
	err := WriteSummary(&b, []*metrics.Result{
		summaryRun("zk", map[string]time.Duration{"create": 40 * ms, metrics.FloorOp: 2 * ms}),
		summaryRun("kraft", map[string]time.Duration{"create": 10 * ms, metrics.FloorOp: 1 * ms}),
		summaryRun("kraft", map[string]time.Duration{"create": 10 * ms}),
		summaryRun("zk", map[string]time.Duration{"delete": 40 * ms}),
		summaryRun("zk", map[string]time.Duration{"delete": 42 * ms}),
		summaryRun("zk", map[string]time.Duration{"delete": 38 * ms}),
		summaryRun("kraft", map[string]time.Duration{"delete": 10 * ms}),
		summaryRun("kraft", map[string]time.Duration{"delete": 11 * ms}),
		summaryRun("kraft", map[string]time.Duration{"delete": 9 * ms}),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	rows := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[0] == "topics" {
			rows[f[1]] = l
		}
	}
	// One ZK run against two KRaft runs: a point ratio, no interval.
	for _, want := range []string{"40ms", "10ms", "0.25x", "  1  ", "  2  "} {
		if !strings.Contains(rows["create"], want) {
			t.Errorf("create row lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(rows["create"], "[") {
		t.Errorf("create row has an interval from one ZK run:\n%s", out)
	}
	// Three against three: the report's own interval (90%, min..max of the
	// pairwise ratios, within the histograms' 3 significant digits).
	if !strings.Contains(rows["delete"], "0.25x [0.214x, 0.289x] 90%") {
		t.Errorf("delete row lacks the 3v3 interval:\n%s", out)
	}
	for _, want := range []string{"store floor", "topics/create: ZooKeeper 20x (1 run), KRaft 10x (1 run)"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}
