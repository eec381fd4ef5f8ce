// Package metrics records operation latencies and turns them into results.
//
// Drivers time every call outside the modes and hand the Recorder a Sample
// {op, start, end, err}; modes never see a histogram. Latencies go into
// HdrHistograms in nanoseconds (1 ns .. 1 h, 3 significant digits). Errors
// are counted per Kafka error code and never folded into the latency figures.
// Samples that start before the warm-up ends are counted but not recorded, and
// the result says how many.
//
// Open-loop drivers give each Sample its intended start time (when the
// schedule said the call should go out); its latency is then measured from
// that time, not from when the call actually went out, which corrects for
// coordinated omission: a stalled system cannot hide the requests it delayed.
//
// The Recorder is the source of truth. Exporters (OpenTelemetry) are sinks fed
// from it.
package metrics
