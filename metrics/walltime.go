package metrics

import "time"

// WallTime is where a run's wall time went, outside and inside the
// measurement: starting the cluster until ready (Setup), the workload
// (Workload, which holds every sample), the store floor (Floor) and
// removing the cluster (Teardown). Only Workload and Floor hold samples;
// the rest is what a benchmark waits for around them.
type WallTime struct {
	SetupNs    int64 `json:"setup_ns"`
	WorkloadNs int64 `json:"workload_ns"`
	FloorNs    int64 `json:"floor_ns,omitempty"`
	TeardownNs int64 `json:"teardown_ns"`
}

// Total is the sum of the phases.
func (w WallTime) Total() time.Duration {
	return time.Duration(w.SetupNs + w.WorkloadNs + w.FloorNs + w.TeardownNs)
}

// Add returns the phase-wise sum of w and o.
func (w WallTime) Add(o WallTime) WallTime {
	return WallTime{SetupNs: w.SetupNs + o.SetupNs, WorkloadNs: w.WorkloadNs + o.WorkloadNs,
		FloorNs: w.FloorNs + o.FloorNs, TeardownNs: w.TeardownNs + o.TeardownNs}
}

// String is "setup 9.1s, workload 1m3s, floor 0s, teardown 4.2s".
func (w WallTime) String() string {
	d := func(ns int64) string { return time.Duration(ns).Round(100 * time.Millisecond).String() }
	return "setup " + d(w.SetupNs) + ", workload " + d(w.WorkloadNs) + ", floor " + d(w.FloorNs) + ", teardown " + d(w.TeardownNs)
}
