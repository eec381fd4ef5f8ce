package report

import (
	"math"
	"testing"
)

func TestEstimateRatio(t *testing.T) {
	r, ok := EstimateRatio([]float64{40, 42, 38}, []float64{10, 11, 9})
	if !ok || !r.HasCI {
		t.Fatalf("no CI: %+v", r)
	}
	if math.Abs(r.Point-10.0/40) > 0.01 {
		t.Errorf("point %.3f, want 0.25", r.Point)
	}
	// 3 vs 3 at k=1: the interval spans min..max of the pairwise ratios.
	if math.Abs(r.Lo-9.0/42) > 1e-9 || math.Abs(r.Hi-11.0/38) > 1e-9 || math.Abs(r.Confidence-0.9) > 1e-9 {
		t.Errorf("CI %.4f..%.4f at %.2f, want %.4f..%.4f at 0.90", r.Lo, r.Hi, r.Confidence, 9.0/42, 11.0/38)
	}
	if math.Abs(r.P-0.1) > 1e-9 {
		t.Errorf("p=%.3f, want 0.1 (the smallest a 3v3 U test gives)", r.P)
	}
	one, ok := EstimateRatio([]float64{40}, []float64{10, 12})
	if !ok || one.HasCI || math.Abs(one.Point-math.Sqrt(10*12)/40) > 1e-9 {
		t.Errorf("one ZK run: %+v", one)
	}
	if _, ok := EstimateRatio(nil, []float64{1}); ok {
		t.Error("ratio with no ZK runs")
	}
}
