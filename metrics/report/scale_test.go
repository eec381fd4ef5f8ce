package report

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// scaleLaw is a synthetic step time: c * x^slope seconds.
type scaleLaw struct{ c, slope float64 }

func (l scaleLaw) at(x float64) float64 { return l.c * math.Pow(x, l.slope) }

// scaleRun is a synthetic scale run of mode through counts: each step's
// time follows its law (create against the partitions added), and each
// node's memory grows by perPart bytes per partition from base.
func scaleRun(t *testing.T, mode cluster.Mode, run int, counts []int, laws map[string]scaleLaw, nodes map[string]float64) *metrics.Result {
	t.Helper()
	r := synth(t, "scale", mode, run, map[string]opSpec{"scale_create_request": {lat: 50 * time.Millisecond, n: 5}}, nil)
	prev := 0
	for _, n := range counts {
		for step, law := range laws {
			x := float64(n)
			labels := map[string]string{"step": step, "partitions": strconv.Itoa(n)}
			if step == "create" {
				x = float64(n - prev)
				labels["added"] = strconv.Itoa(n - prev)
			}
			r.Measures = append(r.Measures, metrics.Measure{Name: metrics.MeasureScale, Labels: labels, Value: law.at(x), Unit: "s"})
		}
		for node, perPart := range nodes {
			r.Measures = append(r.Measures, metrics.Measure{Name: metrics.MeasureScaleMemory, Unit: "By",
				Labels: map[string]string{"node": node, "partitions": strconv.Itoa(n), "step": "create"},
				Value:  20<<20 + perPart*float64(n)})
			// after a cold start each node holds 1 MiB more than after
			// creating: the peak column must find it
			r.Measures = append(r.Measures, metrics.Measure{Name: metrics.MeasureScaleMemory, Unit: "By",
				Labels: map[string]string{"node": node, "partitions": strconv.Itoa(n), "step": "startup"},
				Value:  21<<20 + perPart*float64(n)})
		}
		prev = n
	}
	return r
}

// The section shows each step's time per count and mode with ZK/KRaft, the
// log-log slope each mode's curve was built with, the memory each node kind
// gains per partition and its peak after any step, and Confluent's figures beside ours, extrapolated to
// 2M along the slopes; and it draws both plots.
func TestScaleSectionTablesSlopesAndPlots(t *testing.T) {
	dir := t.TempDir()
	counts := []int{1000, 10000, 100000}
	zk := map[string]scaleLaw{"create": {1e-3, 0.9}, "controlled_shutdown": {2e-4, 1.0}, "failover": {10, 0.1}, "failover_elected": {9, 0}, "startup": {0.5, 0.3}}
	kr := map[string]scaleLaw{"create": {1e-4, 0.9}, "controlled_shutdown": {1e-4, 0.8}, "failover": {2, 0.05}, "failover_elected": {1.5, 0}, "startup": {0.5, 0.2}}
	for run := range 2 {
		writeResults(t, dir,
			scaleRun(t, cluster.ModeZK, run, counts, zk, map[string]float64{"broker-1": 500, "broker-2": 500, "zookeeper-1": 3000}),
			scaleRun(t, cluster.ModeKRaft, run, counts, kr, map[string]float64{"broker-1": 300, "controller-1001": 400}))
	}
	out, err := Generate(Options{In: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out.Report)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	cs := 2e-4 * 1e5 / (1e-4 * math.Pow(1e5, 0.8)) // ZK/KRaft of controlled_shutdown at 100k
	for _, want := range []string{
		"### Scale",
		"| create | 10000 (+9000) |",
		"| controlled_shutdown | 100000 | 20s | ",
		times(cs),
		"| create | 0.90 (3 points) | 0.90 (3 points) |",
		"| failover_elected | 0.00 (3 points) | 0.00 (3 points) |",
		"| failover_after_election | 100000 | " + secs([]float64{10*math.Pow(1e5, 0.1) - 9}) + " | " + secs([]float64{2*math.Pow(1e5, 0.05) - 1.5}) + " |",
		"| controlled_shutdown | 1.00 (3 points) | 0.80 (3 points) |",
		"| ZooKeeper | broker | ",
		"| ZooKeeper | ZooKeeper server | ",
		"| KRaft | controller | ",
		"500 B |",  // ZK broker per partition
		"2.93 KiB", // ZooKeeper server per partition
		"| 2.93 KiB | " + bytesText(21<<20+3000*1e5) + " (startup at 100000) |", // its peak
		"| controlled shutdown | `controlled_shutdown` | 135s | 32s | 4.22x |",
		"| recovery from an uncontrolled shutdown | `failover` | 503s | 37s | 13.6x |",
		"extrapolated",
		"scale-steps.png", "scale-memory.png", "scale-predict.png",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Extrapolated at 2M: 20 s * 20^1 = 400 s for ZK's controlled shutdown.
	if !strings.Contains(text, "| 400s |") {
		t.Errorf("ZK controlled shutdown extrapolated to 2M should be 400s:\n%s", from(text, "#### Against"))
	}
	for _, f := range []string{"scale-steps.png", "scale-steps.svg", "scale-memory.png", "scale-memory.svg", "scale-predict.png", "scale-predict.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("plot %s: %v", f, err)
		}
	}
}

// from returns text from the heading on, for failure messages.
func from(text, heading string) string {
	if i := strings.Index(text, heading); i >= 0 {
		return text[i:]
	}
	return ""
}

// The fit recovers a power law's exponent and needs two distinct counts.
func TestFitLogLog(t *testing.T) {
	xs := []float64{1e3, 1e4, 1e5, 1e6}
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = 3 * math.Pow(x, 0.75)
	}
	f := fitLogLog(xs, ys)
	if !f.ok || math.Abs(f.slope-0.75) > 1e-9 || math.Abs(math.Exp(f.a)-3) > 1e-9 || f.points != 4 {
		t.Fatalf("fit %+v, want slope 0.75, e^a 3", f)
	}
	if f := fitLogLog([]float64{1e3, 1e3}, []float64{1, 2}); f.ok {
		t.Fatalf("one distinct x fitted: %+v", f)
	}
	if f := fitLogLog([]float64{1e3, 1e4}, []float64{0, 2}); f.ok {
		t.Fatalf("a zero time fitted: %+v", f)
	}
}
