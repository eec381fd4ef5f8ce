package regress

import (
	"fmt"
	"math"
	"strings"

	"github.com/kraftbench/kraftbench/metrics"
)

// formatValue prints a sample value: a duration for absolute latencies, a
// multiple for floor ratios.
func formatValue(b Basis, v float64) string {
	if b == Floor {
		return fmt.Sprintf("%.3gx", v)
	}
	return metrics.FormatDuration(int64(v))
}

// pct prints a relative change as a signed percentage.
func pct(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "?"
	}
	return fmt.Sprintf("%+.1f%%", 100*v)
}

// ci prints the change's confidence interval, or why there is none.
func (r Row) ci() string {
	if !r.HasCI {
		return "n/a (too few runs)"
	}
	return fmt.Sprintf("[%s, %s]", pct(r.Lo), pct(r.Hi))
}

// unit names a row's unit as the benchmark lines do: "p50-ns", or
// "p50/floor" for a floor ratio.
func (k Key) unit() string {
	if k.Basis == Floor {
		return k.Stat + "/floor"
	}
	return k.Stat + "-ns"
}

// benchName is the row's benchmark name as in the .bench.txt lines, without
// the "Benchmark" prefix benchstat drops.
func (k Key) benchName() string {
	w := k.Workload
	if w != "" {
		w = strings.ToUpper(w[:1]) + w[1:]
	}
	return fmt.Sprintf("%s/mode=%s/op=%s", w, k.Mode, k.Op)
}

// gate names what is gated, for people.
func (o Options) gate() string {
	if len(o.Gate) == 0 {
		return "nothing (report only)"
	}
	stats := strings.Join(o.GateStats, ", ")
	if stats == "" {
		stats = strings.Join(o.Stats, ", ")
	}
	return stats + " as " + bases(o.Gate)
}

// bases names bases for people.
func bases(bs []Basis) string {
	var s []string
	for _, b := range bs {
		if b == Floor {
			s = append(s, "ratio to the same-run floor")
		} else {
			s = append(s, "absolute latency")
		}
	}
	return strings.Join(s, " and ")
}
