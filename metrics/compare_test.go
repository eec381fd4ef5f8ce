package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func resultWith(mode string, ops map[string]time.Duration) *Result {
	base := time.Unix(0, 0)
	r := NewRecorder(RecorderOptions{Base: base})
	for op, d := range ops {
		for i := 0; i < 10; i++ {
			r.Record(Sample{Op: op, Start: base, End: base.Add(d)})
		}
	}
	res, _ := r.Results()
	return &Result{Schema: SchemaVersion, Workload: "topics", Mode: cluster.Mode(mode), Ops: res}
}

func TestComparisonPutsModesSideBySideWithRatios(t *testing.T) {
	var b strings.Builder
	err := WriteComparison(&b, []*Result{
		resultWith("zk", map[string]time.Duration{"create": 40 * time.Millisecond, FloorOp: 2 * time.Millisecond}),
		resultWith("kraft", map[string]time.Duration{"create": 10 * time.Millisecond, FloorOp: 1 * time.Millisecond}),
		resultWith("kraft", map[string]time.Duration{"create": 10 * time.Millisecond}),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"create    10       20", "40ms", "10ms", "0.25x", "zk / floor", "20.00x", "10.00x"} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
}
