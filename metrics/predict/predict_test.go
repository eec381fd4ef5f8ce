package predict

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

func near(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Abs(b) }

func TestFitRecoversALine(t *testing.T) {
	ps := []Point{{1000, 2 + 0.001*1000, 1}, {10_000, 2 + 0.001*10_000, 1}, {100_000, 2 + 0.001*100_000, 1}}
	f, err := FitPoints(ps)
	if err != nil {
		t.Fatal(err)
	}
	if !near(f.Fixed, 2, 1e-9) || !near(f.PerPartition, 0.001, 1e-9) || f.Params != 2 {
		t.Fatalf("fit %+v, want 2 s + 1 ms per partition", f)
	}
	p := f.Predict(1_000_000, 0.95)
	if !near(p.Seconds, 1002, 1e-9) || !p.HasInterval || p.Hi-p.Lo > 1e-6 {
		t.Fatalf("exact points: prediction %+v, want 1002 s with a zero-width interval", p)
	}
}

// With noisy points the 95% interval holds the truth about 95% of the time
// and the point estimate is unbiased enough to be near it.
func TestIntervalCoversTheTruth(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	truth := func(n int) float64 { return 5 + 0.002*float64(n) }
	counts := []int{1000, 3000, 10_000, 30_000, 100_000}
	covered, trials := 0, 400
	for range trials {
		var ps []Point
		for _, n := range counts {
			ps = append(ps, Point{n, truth(n) * (1 + 0.1*rng.NormFloat64()), 1})
		}
		f, err := FitPoints(ps)
		if err != nil {
			t.Fatal(err)
		}
		p := f.Predict(1_000_000, 0.95)
		if !p.HasInterval {
			t.Fatal("three degrees of freedom and no interval")
		}
		if p.Lo <= truth(1_000_000) && truth(1_000_000) <= p.Hi {
			covered++
		}
	}
	if rate := float64(covered) / float64(trials); rate < 0.88 || rate > 0.995 {
		t.Fatalf("95%% intervals covered the truth in %.1f%% of trials", rate*100)
	}
}

func TestFitKeepsCostsNonNegative(t *testing.T) {
	// A flat curve: the two-parameter fit would give a tiny negative slope.
	f, err := FitPoints([]Point{{1000, 20, 1}, {10_000, 19.9, 1}, {100_000, 19.95, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if f.PerPartition != 0 || f.Params != 1 || !near(f.Fixed, 19.95, 0.01) {
		t.Fatalf("flat points fit %+v, want a constant near 19.95 s", f)
	}
	// Superlinear points: a line through them has a negative intercept.
	f, err = FitPoints([]Point{{1000, 0.01, 1}, {10_000, 0.5, 1}, {100_000, 60, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Fixed < 0 || f.PerPartition < 0 {
		t.Fatalf("fit %+v has a negative cost", f)
	}
	if _, err := FitPoints([]Point{{1000, 1, 1}}); !errors.Is(err, ErrTooFewPoints) {
		t.Fatalf("one point: %v", err)
	}
	f, _ = FitPoints([]Point{{1000, 3, 1}, {10_000, 12, 1}})
	if p := f.Predict(100_000, 0.95); p.HasInterval {
		t.Fatalf("two points, two parameters: interval %+v", p)
	}
}

func scaleResult(mode cluster.Mode, version string, vals map[string]map[int]float64) *metrics.Result {
	r := &metrics.Result{Workload: "scale", Mode: mode, KafkaVersion: version, Topology: map[string]int{"brokers": 3}}
	prev := 0
	for _, n := range []int{1000, 10_000, 100_000} {
		for step, byN := range vals {
			if v, ok := byN[n]; ok {
				r.Measures = append(r.Measures, metrics.Measure{Name: metrics.MeasureScale, Unit: "s", Value: v,
					Labels: map[string]string{"step": step, "partitions": strconv.Itoa(n), "added": strconv.Itoa(n - prev)}})
			}
		}
		prev = n
	}
	return r
}

func TestFromResultsAndValidate(t *testing.T) {
	line := func(a, b float64) map[int]float64 {
		return map[int]float64{1000: a + b*1000, 10_000: a + b*10_000, 100_000: a + b*100_000}
	}
	rs := []*metrics.Result{
		scaleResult(cluster.ModeZK, "3.9", map[string]map[int]float64{
			"controlled_shutdown": line(0.5, 0.001), "failover": line(20, 0.0001), "failover_elected": line(18, 0)}),
		scaleResult(cluster.ModeKRaft, "4.1", map[string]map[int]float64{"controlled_shutdown": line(2, 0.0002)}),
		{Workload: "topics", Mode: cluster.ModeZK},
	}
	s := FromResults(rs)
	keys := s.Keys()
	if len(keys) != 5 || keys[0].Mode != cluster.ModeZK || keys[len(keys)-1].Series() != "KRaft 4.1" {
		t.Fatalf("keys %+v", keys)
	}
	after := s[Key{Mode: cluster.ModeZK, Version: "3.9", Brokers: 3, Step: string(metrics.ScaleFailoverAfterElection)}]
	if len(after) != 3 || !near(after[2].Seconds, 2+10, 1e-9) {
		t.Fatalf("failover_after_election %+v, want failover less failover_elected", after)
	}
	held := s.Validate(0.95)
	if len(held) != 5 {
		t.Fatalf("held out %d curves, want 5", len(held))
	}
	for _, h := range held {
		if h.Prediction.Partitions != 100_000 || len(h.Fitted) != 2 || math.Abs(h.Error()) > 1e-6 {
			t.Errorf("%s %s: held out %+v, error %v: exact lines predict their own points", h.Key.Series(), h.Key.Step, h, h.Error())
		}
	}
	if b := s.Brokers(); len(b) != 1 || b[0] != 3 {
		t.Fatalf("brokers %v", b)
	}
}

// Create steps are keyed by the partitions they added.
func TestCreateStepsKeyedByAdded(t *testing.T) {
	r := scaleResult(cluster.ModeZK, "3.9", map[string]map[int]float64{"create": {1000: 1, 10_000: 9, 100_000: 90}})
	ps := FromResults([]*metrics.Result{r})[Key{Mode: cluster.ModeZK, Version: "3.9", Brokers: 3, Step: "create"}]
	if len(ps) != 3 || ps[1].Partitions != 9000 || ps[2].Partitions != 90_000 {
		t.Fatalf("create points %+v, want keyed by 1000, 9000, 90000 added", ps)
	}
}
