package report

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// reassignRow is one series of reassign runs (mode and Kafka version) at
// one partition count: per-run p50s of the batch times and every batch's
// write unavailability.
type reassignRow struct {
	series     string
	mode       cluster.Mode
	total      int
	moved      string
	runs       int
	accept     []float64 // per-run p50 of "reassign", seconds
	complete   []float64 // per-run p50 of "reassign_complete"
	propagated []float64 // per-run p50 of "reassign_propagation"
	unavail    []float64 // every batch of every run
}

func collectReassign(w *Workload) []*reassignRow {
	rows := map[string]*reassignRow{}
	var keys []string
	for _, r := range w.Runs {
		topics, _ := strconv.Atoi(r.Params["topics"])
		parts, _ := strconv.Atoi(r.Params["partitions"])
		series := r.Mode.Title()
		if v := runVersion(r); v != cluster.DefaultKafkaVersion {
			series += " " + string(v)
		}
		key := fmt.Sprintf("%09d/%d/%s", topics*parts, modeRank(r.Mode), series)
		row := rows[key]
		if row == nil {
			row = &reassignRow{series: series, mode: r.Mode, total: topics * parts, moved: r.Params["move"]}
			rows[key] = row
			keys = append(keys, key)
		}
		row.runs++
		for op, into := range map[string]*[]float64{"reassign": &row.accept, "reassign_complete": &row.complete, "reassign_propagation": &row.propagated} {
			if o, ok := r.Op(op); ok && o.Latency.Count > o.Latency.Errors {
				*into = append(*into, float64(o.Latency.P50Ns)/1e9)
			}
		}
		for _, m := range r.MeasuresNamed(metrics.MeasureReassignUnavailable) {
			row.unavail = append(row.unavail, m.Value)
		}
	}
	slices.Sort(keys)
	out := make([]*reassignRow, len(keys))
	for i, k := range keys {
		out[i] = rows[k]
	}
	return out
}

func writeReassign(m *md, w *Workload, _ []string) {
	rows := collectReassign(w)
	if len(rows) == 0 {
		return
	}
	m.linef("### Reassignment batches")
	m.linef("")
	m.linef("Each batch moves the given number of partitions' replicas to the next broker in id order with one AlterPartitionReassignments request, under the probe's metadata load. *accepted*: the request's answer (Kafka answers once the reassignment is accepted); *complete*: until the controller lists none of the batch as being reassigned; *every broker*: until every broker serves the target replicas with a leader among them. Times are medians over runs of each run's p50 over its batches. *Writes unavailable*: per batch, the sum of the windows in which the probe's creates failed or stalled (over 1 s by default), median and largest over every batch (0: none failed or stalled). There is no data plane, so a new replica is caught up as soon as its broker has made the log: these are the control plane's part of a reassignment.")
	m.linef("")
	m.header("lrrrrrrrrr", "series", "partitions", "moved per batch", "runs", "batches", "accepted", "complete", "every broker", "writes unavailable (median)", "(largest)")
	for _, r := range rows {
		m.row(r.series, strconv.Itoa(r.total), r.moved, strconv.Itoa(r.runs), strconv.Itoa(len(r.unavail)),
			secs(r.accept), secs(r.complete), secs(r.propagated), secsOrZero(r.unavail), maxSecs(r.unavail))
	}
	m.linef("")
	for _, zk := range rows {
		if zk.mode != cluster.ModeZK {
			continue
		}
		for _, kr := range rows {
			if kr.mode != cluster.ModeKRaft || kr.total != zk.total || len(zk.complete) == 0 || len(kr.complete) == 0 {
				continue
			}
			m.linef("- %d partitions: %s/ZooKeeper, batch complete %.3gx, every broker %.3gx (medians over runs)", zk.total, kr.series,
				medianOf(kr.complete)/medianOf(zk.complete), ratioOfMedians(kr.propagated, zk.propagated))
		}
	}
	m.linef("")
}

func ratioOfMedians(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 || medianOf(b) == 0 {
		return 0
	}
	return medianOf(a) / medianOf(b)
}
