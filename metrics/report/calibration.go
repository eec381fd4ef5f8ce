package report

import (
	"fmt"
	"slices"
	"strings"
)

// The calibration table: runs on a cluster kraftbench did not start (the
// external provider: a real Kafka, or any cluster described by a cluster
// file) beside kraftbench's own model of the same mode and Kafka version,
// per operation, with the external/model ratio across runs. It tells a
// reader how far the model is from their Kafka.

// calibrationRow is one operation of one mode and version measured both
// ways.
type calibrationRow struct {
	op         *Op
	model, ext *Series
}

// calibrationRows lists, per workload in order, every op and series that
// has both a model series and an external one.
func calibrationRows(ws []*Workload) []calibrationRow {
	var out []calibrationRow
	for _, w := range ws {
		for _, op := range w.Ops {
			for _, ext := range op.Modes {
				if !ext.External || ext.Count() == 0 {
					continue
				}
				if model := op.Series(ext.Mode, ext.Version); model != nil && model.Count() > 0 {
					out = append(out, calibrationRow{op: op, model: model, ext: ext})
				}
			}
		}
	}
	return out
}

// providersOf names the providers of a series' runs: "docker, local".
func providersOf(s *Series) string {
	var ps []string
	for _, r := range s.Runs {
		if !slices.Contains(ps, r.Run.Provider) {
			ps = append(ps, r.Run.Provider)
		}
	}
	slices.Sort(ps)
	return strings.Join(ps, ", ")
}

// writeCalibration writes the table, when any op was measured both ways.
func writeCalibration(m *md, ws []*Workload) {
	rows := calibrationRows(ws)
	if len(rows) == 0 {
		return
	}
	m.linef("## Model against external cluster")
	m.linef("")
	m.linef("Runs on a cluster kraftbench did not start (`--provider external`, a cluster file: see docs/external.md) beside kraftbench's own model of the same mode and Kafka version. Per run the p50 and p99 of each operation; *model* and *external* are the medians over runs, and *external/model* is the Hodges-Lehmann ratio across runs with its interval, as for KRaft/ZK. Above 1x the external cluster is slower than the model. The external runs' own notes (what the cluster file could not give) are in each run's result.")
	m.linef("")
	m.header("lllrlrrrrrr", "workload", "op", "series", "runs (model, external)", "model from",
		"p50 model", "p50 external", "p50 external/model", "p99 model", "p99 external", "p99 external/model")
	for _, r := range rows {
		p50, ok50 := EstimateRatio(r.model.values(perRunP50), r.ext.values(perRunP50))
		p99, ok99 := EstimateRatio(r.model.values(perRunP99), r.ext.values(perRunP99))
		m.row("`"+r.op.Workload+"`", "`"+r.op.Name+"`", r.model.Title(),
			fmt.Sprintf("%d, %d", len(r.model.Runs), len(r.ext.Runs)), providersOf(r.model),
			dur(int64(medianOf(r.model.values(perRunP50)))), dur(int64(medianOf(r.ext.values(perRunP50)))), ratioCell(p50, ok50),
			dur(int64(medianOf(r.model.values(perRunP99)))), dur(int64(medianOf(r.ext.values(perRunP99)))), ratioCell(p99, ok99))
	}
	m.linef("")
}
