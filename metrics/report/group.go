package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/metrics"
)

// Runs are compared only within a run group: the same build revision, the
// same kind of machine, the same timeout profile and the same provider. A
// verdict rests on one group, never on runs pooled across groups, so a run
// measured on another machine or another revision shows up as a group of
// its own beside the one a verdict uses instead of shifting it silently.

// GroupKey identifies a run group.
type GroupKey struct {
	// Revision is the build's git revision as the result records it
	// ("+dirty" when built from a modified tree), "unknown" when absent.
	Revision string
	// Machine is MachineKey of the run's machine.
	Machine string
	// Profile is the timeout profile, "kafka-defaults" when unrecorded.
	Profile string
	// Provider is where the cluster ran: "local" processes or "docker".
	Provider string
}

// String names the group in prose: "revision a880b26, 2 cores · 24 GiB ·
// amd64 · container, profile kafka-defaults, docker".
func (k GroupKey) String() string {
	return fmt.Sprintf("revision %s, %s, profile %s, %s provider", shortRevision(k.Revision), k.Machine, k.Profile, k.Provider)
}

// shortRevision abbreviates a git revision to 7 characters, keeping a
// "+dirty" suffix.
func shortRevision(rev string) string {
	base, dirty := strings.CutSuffix(rev, "+dirty")
	if len(base) > 7 {
		base = base[:7]
	}
	if dirty {
		base += "+dirty"
	}
	return base
}

// MachineKey names the kind of machine a run had, from what decides its
// performance: cores, memory rounded to whole GiB (kernels reserve slightly
// different amounts on identical machines), OS and architecture, whether
// the run was in a container, and the CPU model where the result records it
// (results written before the field existed do not). Hostname and kernel
// build string are left out: identical sessions get a new hostname and
// kernel build (6.18.44-fc-v1045, 6.18.44-fc-v669) each time.
func MachineKey(m metrics.Machine) string {
	parts := []string{
		fmt.Sprintf("%d cores", m.Cores),
		fmt.Sprintf("%.0f GiB", math.Round(float64(m.MemoryBytes)/(1<<30))),
		m.OS + "/" + m.Arch,
	}
	if m.InContainer {
		parts = append(parts, "container")
	} else {
		parts = append(parts, "no container")
	}
	if m.CPUModel != "" {
		parts = append(parts, m.CPUModel)
	}
	return strings.Join(parts, " · ")
}

// groupKeyOf is run r's group.
func groupKeyOf(r *Run) GroupKey {
	rev := r.Build.Revision
	if rev == "" {
		rev = "unknown"
	}
	prof := r.Profile
	if prof == "" {
		prof = "kafka-defaults"
	}
	return GroupKey{Revision: rev, Machine: MachineKey(r.Machine), Profile: prof, Provider: r.Provider}
}

// runGroup is the runs of one workload in one group, in load order.
type runGroup struct {
	Key  GroupKey
	Runs []*Run
	// Newest is the latest start among the runs: groups are ordered by it
	// (revisions have no order of their own outside git).
	Newest time.Time
}

// groupRuns splits runs into groups, newest first (ties by key).
func groupRuns(runs []*Run) []*runGroup {
	byKey := map[GroupKey]*runGroup{}
	var out []*runGroup
	for _, r := range runs {
		k := groupKeyOf(r)
		g := byKey[k]
		if g == nil {
			g = &runGroup{Key: k}
			byKey[k] = g
			out = append(out, g)
		}
		g.Runs = append(g.Runs, r)
		if r.Started.After(g.Newest) {
			g.Newest = r.Started
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Newest.Equal(out[j].Newest) {
			return out[i].Newest.After(out[j].Newest)
		}
		return out[i].Key.String() < out[j].Key.String()
	})
	return out
}
