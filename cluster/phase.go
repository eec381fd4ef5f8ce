package cluster

import "time"

// PhaseName names a start-up phase. The names are defined here once; the
// readiness poll (cluster/ready) marks them, the startup workload records
// them (metrics.PhaseOp) and reports order them by StartupPhases.
type PhaseName string

// The start-up phases, in the order a cluster passes them.
const (
	PhaseStoreReady        PhaseName = "store_ready"        // ZooKeeper quorum / Raft leader
	PhaseControllerActive  PhaseName = "controller_active"  // every node reports the same active controller
	PhaseBrokersRegistered PhaseName = "brokers_registered" // every broker registered and unfenced
	PhaseMetadataLoaded    PhaseName = "metadata_loaded"    // every broker serves one digest
)

// StartupPhases returns the start-up phases in the order a cluster passes
// them.
func StartupPhases() []PhaseName {
	return []PhaseName{PhaseStoreReady, PhaseControllerActive, PhaseBrokersRegistered, PhaseMetadataLoaded}
}

// Phase is one start-up phase and how long after the start it completed.
type Phase struct {
	Name  PhaseName     `json:"name"`
	After time.Duration `json:"after_ns"`
}

// PhaseReporter is the optional extra of a cluster that measured its own
// start-up: the phases, from the first process started to ready.
type PhaseReporter interface {
	Phases() []Phase
}
