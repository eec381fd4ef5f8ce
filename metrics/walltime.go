package metrics

import "time"

// WallTime is where a run's wall time went, outside and inside the
// measurement: starting the cluster until ready (Setup), the workload
// (Workload, which holds every sample), the store floor (Floor) and
// removing the cluster (Teardown). Only Workload and Floor hold samples;
// the rest is what a benchmark waits for around them. Setup ends when the
// workload may start: the cluster is ready and the previous run's cluster
// removed. Overlap is the part of Setup that ran beside the previous run's
// teardown (workloads.Runner starts a cluster while the last one is
// removed, never a workload), so it is counted once, in that teardown.
type WallTime struct {
	SetupNs    int64 `json:"setup_ns"`
	WorkloadNs int64 `json:"workload_ns"`
	FloorNs    int64 `json:"floor_ns,omitempty"`
	TeardownNs int64 `json:"teardown_ns"`
	OverlapNs  int64 `json:"overlap_ns,omitempty"`
}

// Total is the wall time the phases took: their sum less the overlap.
func (w WallTime) Total() time.Duration {
	return time.Duration(w.SetupNs + w.WorkloadNs + w.FloorNs + w.TeardownNs - w.OverlapNs)
}

// Add returns the phase-wise sum of w and o.
func (w WallTime) Add(o WallTime) WallTime {
	return WallTime{SetupNs: w.SetupNs + o.SetupNs, WorkloadNs: w.WorkloadNs + o.WorkloadNs,
		FloorNs: w.FloorNs + o.FloorNs, TeardownNs: w.TeardownNs + o.TeardownNs, OverlapNs: w.OverlapNs + o.OverlapNs}
}

// String is "setup 9.1s, workload 1m3s, floor 0s, teardown 4.2s".
func (w WallTime) String() string {
	d := func(ns int64) string { return time.Duration(ns).Round(100 * time.Millisecond).String() }
	out := "setup " + d(w.SetupNs) + ", workload " + d(w.WorkloadNs) + ", floor " + d(w.FloorNs) + ", teardown " + d(w.TeardownNs)
	if w.OverlapNs > 0 {
		out += ", overlapped " + d(w.OverlapNs)
	}
	return out
}
