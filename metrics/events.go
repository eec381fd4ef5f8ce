package metrics

import (
	"maps"
	"slices"
	"time"
)

// A run records two kinds of events beside its op samples.
//
// A FaultWindow is a fault on the run's clock: when it was put in place and
// when it healed. Failover and migration workloads record one per fault so
// the report can shade it behind the probe latency and a dashboard can draw
// it (kraftbench.fault.active).
//
// A Measure is one named figure that is not an op latency: the
// unavailability a fault caused, the time to create 100k partitions, a
// node's memory at a step of a sweep. Measures keep their labels, so a
// report can group them (per fault kind, per partition count) and the
// OpenTelemetry sink can export them with those labels as attributes.

// FaultWindow is one fault placed on the run's clock.
type FaultWindow struct {
	Kind   string `json:"kind"`   // kill, stop, pause, partition, restart
	Target string `json:"target"` // "controller" (the active one) or "broker"
	Node   string `json:"node"`
	// StartNs and EndNs are relative to the run's base time; EndNs is 0
	// while the fault is in place (a run that ended before healing).
	StartNs int64 `json:"start_ns"`
	EndNs   int64 `json:"end_ns,omitempty"`
}

// Measure is one named figure with labels.
type Measure struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
	Value  float64           `json:"value"`
	Unit   string            `json:"unit"` // "s", "By" or "" (a count)
	AtNs   int64             `json:"at_ns"`
	// NotMeasured, when set, says why the figure could not be measured
	// (Value is then 0 and means nothing). A run records the figures it
	// missed so that a report can count them: a missing figure must never
	// read as a zero, nor vanish from an episode count unremarked.
	NotMeasured string `json:"not_measured,omitempty"`
}

// Measured reports whether m holds a figure (see NotMeasured).
func (m Measure) Measured() bool { return m.NotMeasured == "" }

// Measure names the exporters know (see otel.go for their OTel names).
const (
	// MeasureFailover is a failover time in seconds; labels fault, target
	// and measure: new_controller (fault to a new active controller
	// reported), unavailable (first failed to first successful write after
	// the fault), leaders_moved (fault until every surviving broker serves
	// new leaders for the lost broker's partitions), converged (heal until
	// every broker serves one digest).
	MeasureFailover = "failover"
	// MeasureScale is a scale-sweep step in seconds; labels step and
	// partitions.
	MeasureScale = "scale"
	// MeasureScaleMemory is a node's resident memory in bytes at a step of
	// a scale sweep; labels node and partitions.
	MeasureScaleMemory = "scale_memory"
	// MeasureMigrationPhase is a migration phase's duration in seconds;
	// labels phase and partitions.
	MeasureMigrationPhase = "migration_phase"
	// MeasureMigrationUnavailable is the write unavailability, in seconds,
	// that a migration step caused as the probe load saw it (the sum of its
	// windows; 0 when no write failed or stalled); labels step (link,
	// handover, roll_broker_<id>, finalize or rollback) and partitions. Not
	// exported to OpenTelemetry: reports read it from the result files.
	MeasureMigrationUnavailable = "migration_unavailable"
	// MeasureReassignUnavailable is the write unavailability, in seconds,
	// that one batch of a reassign run caused as the probe load saw it (the
	// sum of the windows that opened between its start and the next
	// batch's; 0 when no write failed or stalled); labels batch and moved.
	// Not exported to OpenTelemetry: reports read it from the result files.
	MeasureReassignUnavailable = "reassign_unavailable"
	// MeasureQuorumLoss is what clients saw while a failover run held a
	// metadata quorum lost (the zk-quorum and controller-quorum targets), as
	// a fraction from 0 to 1; labels fault, target and seen (QuorumLossSeen).
	// Not exported to OpenTelemetry: reports read it from the result files.
	MeasureQuorumLoss = "quorum_loss"
	// MeasureChaosUnavailable is the write unavailability, in seconds, of
	// one fault of a chaos soak as the probe load saw it (as failover's
	// unavailable: from the first create after the fault that failed or
	// stalled to the first that succeeded after it; 0 when none failed or
	// stalled); labels fault, target and with (the
	// overlapping fault, "kind of the target", or "none"). Not exported to
	// OpenTelemetry: reports read it from the result files.
	MeasureChaosUnavailable = "chaos_unavailable"
)

// QuorumLossSeen is the "seen" label of a MeasureQuorumLoss figure.
type QuorumLossSeen string

// What clients saw while the quorum was lost.
const (
	// QuorumCreatesFailed: of the probe's creates started while the quorum
	// was lost, the fraction that failed or stalled.
	QuorumCreatesFailed QuorumLossSeen = "creates_failed"
	// QuorumMetadataAnswered: of the live brokers asked for their metadata
	// at the end of the loss, the fraction that answered (from their
	// caches; the run's note says how many topics each still served).
	QuorumMetadataAnswered QuorumLossSeen = "metadata_answered"
)

// FailoverMeasure is the "measure" label of a MeasureFailover figure (see
// workloads/failover.go for how each is taken).
type FailoverMeasure string

// The failover measures.
const (
	FailoverNewController FailoverMeasure = "new_controller" // fault until a new active controller is reported
	FailoverLeadersMoved  FailoverMeasure = "leaders_moved"  // fault until every survivor serves new leaders
	FailoverUnavailable   FailoverMeasure = "unavailable"    // first failed to first successful write
	FailoverConverged     FailoverMeasure = "converged"      // heal until every broker serves one digest
	// FailoverNewStoreLeader: fault until a surviving ZooKeeper server says
	// (srvr) it leads the ensemble (the zk-leader target).
	FailoverNewStoreLeader FailoverMeasure = "new_store_leader"
	// FailoverWritableAfterHeal: heal until the first successful write that
	// closed the unavailability (the quorum-loss targets: how long the
	// mode takes to serve writes once its quorum is back).
	FailoverWritableAfterHeal FailoverMeasure = "writable_after_heal"
)

// FailoverMeasures returns the failover measures in reading order.
func FailoverMeasures() []FailoverMeasure {
	return []FailoverMeasure{FailoverNewController, FailoverNewStoreLeader, FailoverLeadersMoved, FailoverUnavailable, FailoverWritableAfterHeal, FailoverConverged}
}

// ScaleStep is the "step" label of a MeasureScale figure: a step of the
// scale sweep (what its steps parameter names) or a part of one.
type ScaleStep string

// The scale steps and their parts.
const (
	ScaleCreate                 ScaleStep = "create"                   // partitions added, until every broker serves them
	ScaleCreateLogs             ScaleStep = "create_logs"              // the same, until every broker also made their replica logs
	ScaleControlledShutdown     ScaleStep = "controlled_shutdown"      // graceful stop, until survivors serve other leaders
	ScaleControlledShutdownStop ScaleStep = "controlled_shutdown_stop" // the same, until the stop returned
	ScaleFailover               ScaleStep = "failover"                 // kill -9 of the controller, until a write succeeds
	ScaleFailoverElected        ScaleStep = "failover_elected"         // the same, until a new controller is active
	// ScaleFailoverAfterElection is failover less failover_elected, per
	// run; reports derive it, runs do not record it.
	ScaleFailoverAfterElection ScaleStep = "failover_after_election"
	ScaleStartup               ScaleStep = "startup" // cold start of every node and the store
)

// ScaleSteps returns the scale steps and their parts in reading order.
func ScaleSteps() []ScaleStep {
	return []ScaleStep{ScaleCreate, ScaleCreateLogs, ScaleControlledShutdown, ScaleControlledShutdownStop, ScaleFailover,
		ScaleFailoverElected, ScaleFailoverAfterElection, ScaleStartup}
}

// EventSink is the optional extra of a Sink that also wants fault windows
// and measures (the OpenTelemetry sink).
type EventSink interface {
	FaultStarted(kind, node string)
	FaultEnded(kind, node string)
	ObserveMeasure(m Measure)
}

// FaultStarted records that a fault of kind is in place on node (the active
// controller or a broker, as target says) and returns its index for
// FaultEnded.
func (r *Recorder) FaultStarted(kind, target, node string, at time.Time) int {
	r.mu.Lock()
	r.faults = append(r.faults, FaultWindow{Kind: kind, Target: target, Node: node, StartNs: at.Sub(r.base).Nanoseconds()})
	i := len(r.faults) - 1
	r.mu.Unlock()
	for _, k := range r.sinks {
		if e, ok := k.(EventSink); ok {
			e.FaultStarted(kind, node)
		}
	}
	return i
}

// FaultEnded records that fault i healed at.
func (r *Recorder) FaultEnded(i int, at time.Time) {
	r.mu.Lock()
	if i < 0 || i >= len(r.faults) {
		r.mu.Unlock()
		return
	}
	r.faults[i].EndNs = at.Sub(r.base).Nanoseconds()
	f := r.faults[i]
	r.mu.Unlock()
	for _, k := range r.sinks {
		if e, ok := k.(EventSink); ok {
			e.FaultEnded(f.Kind, f.Node)
		}
	}
}

// Measure records a named figure. Labels are copied.
func (r *Recorder) Measure(name string, labels map[string]string, value float64, unit string) {
	r.observe(Measure{Name: name, Labels: maps.Clone(labels), Value: value, Unit: unit})
}

func (r *Recorder) observe(m Measure) {
	r.mu.Lock()
	m.AtNs = time.Since(r.base).Nanoseconds()
	r.measures = append(r.measures, m)
	r.mu.Unlock()
	for _, k := range r.sinks {
		if e, ok := k.(EventSink); ok {
			e.ObserveMeasure(m)
		}
	}
}

// NotMeasured records that the figure name with labels could not be
// measured, and why. Sinks see it as a Measure whose NotMeasured is set.
func (r *Recorder) NotMeasured(name string, labels map[string]string, unit, why string) {
	if why == "" {
		why = "not measured"
	}
	r.observe(Measure{Name: name, Labels: maps.Clone(labels), Unit: unit, NotMeasured: why})
}

// Faults returns the fault windows recorded so far.
func (r *Recorder) Faults() []FaultWindow {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.faults)
}

// Measures returns the measures recorded so far.
func (r *Recorder) Measures() []Measure {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.measures)
}

// MeasuresNamed returns r's measured figures called name (those it could
// not measure are left out: see UnmeasuredNamed).
func (r *Result) MeasuresNamed(name string) []Measure {
	var out []Measure
	for _, m := range r.Measures {
		if m.Name == name && m.Measured() {
			out = append(out, m)
		}
	}
	return out
}

// UnmeasuredNamed returns the figures called name that r could not measure.
func (r *Result) UnmeasuredNamed(name string) []Measure {
	var out []Measure
	for _, m := range r.Measures {
		if m.Name == name && !m.Measured() {
			out = append(out, m)
		}
	}
	return out
}
