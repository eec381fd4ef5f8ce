package metrics

import (
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

// A phase's op name reads back as the phase, and keeps the name result
// files have always held; no other op is taken for a phase.
func TestPhaseOpRoundTrip(t *testing.T) {
	for _, p := range cluster.StartupPhases() {
		got, ok := OpPhase(PhaseOp(p))
		if !ok || got != p {
			t.Errorf("OpPhase(PhaseOp(%q)) = %q, %v", p, got, ok)
		}
	}
	if PhaseOp(cluster.PhaseStoreReady) != "phase_store_ready" {
		t.Errorf("PhaseOp(store_ready) = %q: result files hold phase_store_ready", PhaseOp(cluster.PhaseStoreReady))
	}
	for _, op := range []string{"startup", "create", "phase_", "phases"} {
		if p, ok := OpPhase(op); ok {
			t.Errorf("OpPhase(%q) = %q, want no phase", op, p)
		}
	}
}
