package workloads

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// The chaos soak's schedule: drawn once from a seed before the run starts
// and printed, so a seed alone reproduces the sequence of faults (the
// cluster's own timing still varies from run to run).

// chaosPair is one fault kind on one target.
type chaosPair struct {
	Kind   cluster.FaultKind
	Target string
}

func (p chaosPair) String() string { return string(p.Kind) + " of the " + p.Target }

// chaosStep is one fault of the soak, with an optional second one that
// overlaps it.
type chaosStep struct {
	N     int // from 1
	First chaosPair
	// With, when set, goes in Delay after First, while First is in place,
	// and is healed first (a broker kill during a controller failover, a
	// partition during a ZooKeeper leader change).
	With  *chaosPair
	Delay time.Duration
	// Hold is how long First stays in place before both are healed.
	Hold time.Duration
}

func (s chaosStep) String() string {
	out := fmt.Sprintf("%3d %s, held %v", s.N, s.First, s.Hold.Round(10*time.Millisecond))
	if s.With != nil {
		out += fmt.Sprintf(", with %s after %v", *s.With, s.Delay.Round(10*time.Millisecond))
	}
	return out
}

// chaosSchedule draws count steps from pairs with a PCG seeded by seed.
// Pairs are drawn in shuffled rounds (each round every pair once), so any
// count of at least len(pairs) hits every kind on every target. With
// probability overlap a step gets a second fault: a pair on another target
// that takes no quorum (a quorum loss is already the worst of its kind, and
// a second majority on top would only repeat it). Hold is drawn in
// [hold/2, hold], Delay in [0, Hold/2].
func chaosSchedule(seed uint64, count int, pairs []chaosPair, overlap float64, hold time.Duration) []chaosStep {
	if len(pairs) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var round []chaosPair
	steps := make([]chaosStep, 0, count)
	for i := range count {
		if len(round) == 0 {
			round = slices.Clone(pairs)
			rng.Shuffle(len(round), func(a, b int) { round[a], round[b] = round[b], round[a] })
		}
		st := chaosStep{N: i + 1, First: round[0]}
		round = round[1:]
		st.Hold = hold/2 + time.Duration(rng.Int64N(int64(hold/2)+1))
		if !quorumTarget(st.First.Target) && rng.Float64() < overlap {
			var with []chaosPair
			for _, p := range pairs {
				if p.Target != st.First.Target && !quorumTarget(p.Target) {
					with = append(with, p)
				}
			}
			if len(with) > 0 {
				w := with[rng.IntN(len(with))]
				st.With = &w
				st.Delay = time.Duration(rng.Int64N(int64(st.Hold/2) + 1))
			}
		}
		steps = append(steps, st)
	}
	return steps
}

// chaosPairs is every pair of kinds and targets the cluster can run, with a
// note for each target its mode lacks and each pair its provider refuses.
func chaosPairs(c cluster.Cluster, kinds []cluster.FaultKind, targets []string) ([]chaosPair, []string) {
	var pairs []chaosPair
	var notes []string
	mode := c.Spec().Mode
	for _, t := range targets {
		if !targetInMode(t, mode) {
			notes = append(notes, fmt.Sprintf("%s: not drawn: a %s-mode cluster has none", t, mode.Title()))
			continue
		}
		for _, k := range kinds {
			err := cluster.CanFault(c, k)
			if storeTarget(t) {
				err = cluster.CanFaultStore(c, k)
			}
			if err != nil {
				notes = append(notes, fmt.Sprintf("%s of the %s: not drawn: %v", k, t, err))
				continue
			}
			pairs = append(pairs, chaosPair{Kind: k, Target: t})
		}
	}
	return pairs, notes
}

// scheduleNote is the schedule in one line, for the results.
func scheduleNote(seed uint64, steps []chaosStep) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = strings.TrimSpace(s.String())
	}
	return fmt.Sprintf("schedule (seed %d, %d faults): %s", seed, len(steps), strings.Join(parts, "; "))
}
