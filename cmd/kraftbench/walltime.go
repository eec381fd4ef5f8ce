package main

import (
	"fmt"
	"io"
	"time"

	"github.com/kraftbench/kraftbench/metrics"
)

// writeWallTime says where a bench command's wall time went: the runs'
// setups, workloads, floors and teardowns summed, and the rest of the
// command (images, provider checks, writing files) as "other".
func writeWallTime(w io.Writer, results []*metrics.Result, total time.Duration) {
	var sum metrics.WallTime
	for _, r := range results {
		if r.Wall != nil {
			sum = sum.Add(*r.Wall)
		}
	}
	other := max(0, total-sum.Total())
	pct := func(ns int64) string {
		if total <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(ns)/float64(total))
	}
	r := func(ns int64) time.Duration { return time.Duration(ns).Round(100 * time.Millisecond) }
	fmt.Fprintf(w, "wall time %v over %d run(s): setup %v (%s), workload %v (%s), floor %v (%s), teardown %v (%s), other %v (%s)",
		total.Round(100*time.Millisecond), len(results),
		r(sum.SetupNs), pct(sum.SetupNs), r(sum.WorkloadNs), pct(sum.WorkloadNs), r(sum.FloorNs), pct(sum.FloorNs),
		r(sum.TeardownNs), pct(sum.TeardownNs), r(int64(other)), pct(int64(other)))
	if sum.OverlapNs > 0 {
		fmt.Fprintf(w, "; %v of the setups ran beside the previous run's teardown (counted once)", r(sum.OverlapNs))
	}
	fmt.Fprintln(w)
}
