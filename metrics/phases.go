package metrics

import (
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// phaseOpPrefix starts the op name a start-up phase is recorded under. The
// op name is what result files have always held ("phase_store_ready"), so
// the prefix stays; only PhaseOp writes it and only OpPhase reads it.
const phaseOpPrefix = "phase_"

// PhaseOp is the op name under which the startup workload records phase p:
// from the first process started until p was reached.
func PhaseOp(p cluster.PhaseName) string { return phaseOpPrefix + string(p) }

// OpPhase returns the start-up phase op records, and false for an op that
// is not a phase.
func OpPhase(op string) (cluster.PhaseName, bool) {
	name, ok := strings.CutPrefix(op, phaseOpPrefix)
	return cluster.PhaseName(name), ok && name != ""
}
