// Package migrate drives a ZooKeeper-to-KRaft online migration (Kafka's
// KIP-866) of a running cluster, one operator step at a time: Start, Roll,
// Finalize, or Rollback, with State saying where the cluster is. Each step
// checks the state first and refuses one that is out of order, saying why.
// The controllers do the migration itself (kraftmode/migration.go); this
// package only restarts processes through the provider's cluster.Migrator
// and waits, bounded in time, for the nodes to report what each step
// promises.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// Phase is where a cluster stands in a migration.
type Phase string

// The phases, in order.
const (
	PhaseZK        Phase = "zk"            // ZooKeeper mode, no KRaft controller
	PhasePre       Phase = "pre-migration" // controllers up, waiting for brokers or copying
	PhaseDualWrite Phase = "dual-write"    // KRaft controller active, some brokers in ZooKeeper mode
	PhaseKRaft     Phase = "kraft-brokers" // every broker in KRaft mode, dual writes still on
	PhaseFinalized Phase = "finalized"     // dual writes off; ZooKeeper can be removed
	PhaseKRaftOnly Phase = "kraft"         // a cluster started in KRaft mode: nothing to migrate
)

// State is a cluster's migration state, as its nodes report it.
type State struct {
	Phase Phase `json:"phase"`
	// Brokers maps each broker id to the mode it runs ("zk", "kraft"), or
	// "down" when its status does not answer.
	Brokers     map[int32]string `json:"brokers"`
	Controllers []int32          `json:"controllers,omitempty"`
	// ActiveController is the active controller as the nodes report it.
	ActiveController int32 `json:"active_controller"`
	// DualWrite says the KRaft controller writes changes to ZooKeeper.
	DualWrite bool `json:"dual_write"`
	// MetadataOffset is the active KRaft controller's log offset (ZooKeeper
	// mode: the highest broker metadata offset).
	MetadataOffset int64 `json:"metadata_offset"`
	// ZKSyncedOffset is the log offset ZooKeeper holds, from /migration
	// (-1 when there is none).
	ZKSyncedOffset int64 `json:"zk_synced_offset"`
}

// String is the operator's view of the state.
func (s State) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "phase: %s\n", s.Phase)
	for _, id := range slices.Sorted(func(y func(int32) bool) {
		for id := range s.Brokers {
			if !y(id) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "broker %d: %s mode\n", id, s.Brokers[id])
	}
	if len(s.Controllers) > 0 {
		fmt.Fprintf(&b, "KRaft controllers: %v\n", s.Controllers)
	}
	fmt.Fprintf(&b, "active controller: %d\n", s.ActiveController)
	onOff := map[bool]string{true: "on", false: "off"}
	fmt.Fprintf(&b, "dual write to ZooKeeper: %s\n", onOff[s.DualWrite])
	fmt.Fprintf(&b, "metadata offset: %d", s.MetadataOffset)
	if s.ZKSyncedOffset >= 0 {
		fmt.Fprintf(&b, " (ZooKeeper has it up to %d)", s.ZKSyncedOffset)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "next: %s\n", s.next())
	return b.String()
}

func (s State) next() string {
	switch s.Phase {
	case PhaseZK:
		return "kraftbench migrate start"
	case PhasePre:
		return "wait for the controllers to copy the metadata (every broker must register with them), or kraftbench migrate rollback"
	case PhaseDualWrite:
		return "kraftbench migrate roll (restarts the ZooKeeper-mode brokers into KRaft mode, one at a time), or rollback"
	case PhaseKRaft:
		return "kraftbench migrate finalize (no rollback afterwards), or rollback"
	case PhaseFinalized:
		return "nothing: the migration is done and ZooKeeper can be removed"
	}
	return "nothing: the cluster runs in KRaft mode"
}

// errStateUnknown is ReadState's error when the nodes that tell the phase
// did not answer.
var errStateUnknown = errors.New("migration state unknown")

// ReadState asks every node of c for its status. It fails when the cluster
// has KRaft controllers and none of them answered: the phase is theirs to
// tell.
func ReadState(ctx context.Context, c cluster.Cluster) (State, error) {
	st := State{Brokers: map[int32]string{}, ActiveController: -1, ZKSyncedOffset: -1}
	migration := ""
	ctrlAnswered := false
	for _, n := range c.Nodes() {
		if n.Kind != "node" {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ns, err := c.Status(sctx, n.ID)
		cancel()
		isCtrl := slices.Contains(n.Roles, cluster.RoleController) && !slices.Contains(n.Roles, cluster.RoleBroker)
		if isCtrl {
			st.Controllers = append(st.Controllers, n.ID)
		}
		if err != nil {
			if !isCtrl {
				st.Brokers[n.ID] = "down"
			}
			continue
		}
		if ns.ActiveControllerID >= 0 && (ns.Active || st.ActiveController < 0) {
			st.ActiveController = ns.ActiveControllerID
		}
		if isCtrl {
			ctrlAnswered = true
			if ns.Migration != "" && (ns.Active || migration == "") {
				migration = ns.Migration
			}
			if ns.Active {
				st.MetadataOffset = ns.MetadataOffset
			}
			continue
		}
		st.Brokers[n.ID] = string(ns.Mode)
		if len(st.Controllers) == 0 && ns.MetadataOffset > st.MetadataOffset {
			st.MetadataOffset = ns.MetadataOffset
		}
	}
	if ctx.Err() != nil {
		return st, ctx.Err()
	}
	if len(st.Controllers) > 0 && !ctrlAnswered {
		return st, fmt.Errorf("%w: none of the KRaft controllers %v answered its status", errStateUnknown, st.Controllers)
	}
	st.Phase = phaseOf(c, st, migration)
	st.DualWrite = migration == "migration"
	if m, ok := c.(cluster.Migrator); ok && st.Phase != PhaseZK && st.Phase != PhaseKRaftOnly && m.ZKConnect() != "" {
		zctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		z, found, err := zkmeta.ReadMigrationZNode(zctx, m.ZKConnect())
		cancel()
		if err == nil && found {
			st.ZKSyncedOffset = z.KRaftMetadataOffset
		}
	}
	return st, nil
}

func phaseOf(c cluster.Cluster, st State, migration string) Phase {
	if c.Spec().Mode == cluster.ModeKRaft {
		return PhaseKRaftOnly
	}
	if len(st.Controllers) == 0 {
		return PhaseZK
	}
	switch migration {
	case "migration":
		for _, m := range st.Brokers {
			if m != string(cluster.ModeKRaft) {
				return PhaseDualWrite
			}
		}
		return PhaseKRaft
	case "post-migration":
		return PhaseFinalized
	}
	return PhasePre
}

// StepError is a step refused because the cluster is not in a phase that
// allows it.
type StepError struct {
	Step   string
	Phase  Phase
	Reason string
}

func (e *StepError) Error() string {
	return fmt.Sprintf("%s: %s (phase %s)", e.Step, e.Reason, e.Phase)
}
