package metrics

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Resolution says how finely a run observed the times it reports: a poller
// asks every IntervalNs, and what it asks costs one round (RoundP50Ns,
// RoundP99Ns, RoundMaxNs over Rounds measured in the same run), so a time it
// records may lag the true moment by up to one interval plus one round. Each
// workload that polls states it from a measurement of the run itself.
type Resolution struct {
	// Poller is what polls: "readiness" (cluster/ready's status poll of every
	// node, which times the start-up phases) or "propagation" (each broker's
	// own Metadata poll in the propagation workload).
	Poller string `json:"poller"`
	// Round is what one round asks, in words ("GET /status of 6 nodes").
	Round      string `json:"round"`
	IntervalNs int64  `json:"interval_ns"`
	Rounds     int64  `json:"rounds"`
	RoundP50Ns int64  `json:"round_p50_ns"`
	RoundP99Ns int64  `json:"round_p99_ns"`
	RoundMaxNs int64  `json:"round_max_ns"`
}

// NewResolution summarises the rounds in h (nanoseconds) for a poller that
// asks every interval.
func NewResolution(poller, round string, interval time.Duration, h *hdr.Histogram) Resolution {
	return Resolution{Poller: poller, Round: round, IntervalNs: int64(interval), Rounds: h.TotalCount(),
		RoundP50Ns: h.ValueAtQuantile(50), RoundP99Ns: h.ValueAtQuantile(99), RoundMaxNs: h.Max()}
}

// WorstNs is the most a recorded time may lag the true moment: one interval
// plus the slowest round measured.
func (r Resolution) WorstNs() int64 { return r.IntervalNs + r.RoundMaxNs }
