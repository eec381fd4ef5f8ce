package report

import (
	"fmt"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// quantiles are the columns of an op's table.
var quantiles = []struct {
	name string
	q    float64
}{{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}, {"max", 100}}

// writeOp writes one op's table (one row per mode, then the KRaft/ZK ratio
// of the merged figures), the ratios across runs, the floor ratios, the
// errors and the percentile plot.
func writeOp(m *md, op *Op, plots Plots) {
	m.linef("### `%s`", op.Name)
	m.linef("")
	cols := []string{"mode", "runs", "ok", "errors"}
	for _, q := range quantiles {
		cols = append(cols, q.name)
	}
	m.header("lrrrrrrrrr", append(cols, "throughput")...)
	for _, s := range op.Modes {
		cells := []string{s.Title(), fmt.Sprint(len(s.Runs)), fmt.Sprint(s.Count()), fmt.Sprint(s.ErrorTotal())}
		for _, q := range quantiles {
			cells = append(cells, quantileText(s, q.q))
		}
		m.row(append(cells, rate(medianOf(s.values(perRunThroughput))))...)
	}
	zk, kr := op.Mode(cluster.ModeZK), op.Mode(cluster.ModeKRaft)
	if zk != nil && kr != nil && zk.Count() > 0 && kr.Count() > 0 {
		cells := []string{"KRaft/ZK (merged)", "", "", ""}
		for _, q := range quantiles {
			cells = append(cells, times(float64(kr.Merged.ValueAtQuantile(q.q))/float64(zk.Merged.ValueAtQuantile(q.q))))
		}
		cells = append(cells, times(medianOf(kr.values(perRunThroughput))/medianOf(zk.values(perRunThroughput))))
		m.row(cells...)
	}
	m.linef("")
	writeOpBullets(m, op, zk, kr)
	if base, ok := plots.Latency[[2]string{op.Workload, op.Name}]; ok {
		m.image(op.Workload+"/"+op.Name+" latency by percentile", base)
	}
}

func quantileText(s *Series, q float64) string {
	if s.Count() == 0 {
		return "-"
	}
	if q == 100 {
		return dur(s.Merged.Max())
	}
	return dur(s.Merged.ValueAtQuantile(q))
}

func writeOpBullets(m *md, op *Op, zk, kr *Series) {
	if zk != nil && kr != nil {
		r, ok := EstimateRatio(zk.values(perRunP50), kr.values(perRunP50))
		m.linef("- p50 KRaft/ZK across runs: %s", ratioCell(r, ok))
		r, ok = EstimateRatio(zk.values(perRunP99), kr.values(perRunP99))
		m.linef("- p99 KRaft/ZK across runs: %s", ratioCell(r, ok))
		if plotsThroughput(op) {
			r, ok = EstimateRatio(zk.values(perRunThroughput), kr.values(perRunThroughput))
			m.linef("- throughput KRaft/ZK across runs: %s", ratioCell(r, ok))
		}
	}
	if !isFloor(op) {
		if f := floorText(op); f != "" {
			m.linef("- p50 as a multiple of the same run's store floor p50 (median of runs): %s", f)
		}
	}
	var errs []string
	for _, s := range op.Modes {
		errs = append(errs, s.Title()+": "+errorsText(s))
	}
	m.linef("- errors by code: %s", strings.Join(errs, "; "))
	if extra := excludedText(op); extra != "" {
		m.linef("- %s", extra)
	}
	m.linef("")
}

// floorText is "ZooKeeper 20.0x (3 runs), KRaft 10.0x (3 runs)", or "" when
// no run measured a floor.
func floorText(op *Op) string {
	var parts []string
	for _, s := range op.Modes {
		if v := s.values(perRunFloorRatio); len(v) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s (%d run%s)", s.Title(), times(medianOf(v)), len(v), plural(len(v))))
		}
	}
	return strings.Join(parts, ", ")
}

// excludedText counts samples the latencies do not show as measured: those
// excluded by the warm-up and those clamped into the histogram's range.
func excludedText(op *Op) string {
	var parts []string
	for _, s := range op.Modes {
		var warm, out int64
		for _, r := range s.Runs {
			warm += r.WarmupSkipped
			out += r.OutOfRange
		}
		if warm > 0 || out > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d started in the warm-up (excluded), %d outside 1 ns..1 h (clamped into it)", s.Title(), warm, out))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "samples not in the latencies as measured: " + strings.Join(parts, "; ")
}
