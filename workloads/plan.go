package workloads

import (
	"fmt"

	"github.com/kraftbench/kraftbench/cluster"
)

// Plan is what a workload would do to a cluster, as a dry run shows it
// before anything is connected to: the faults it injects, the needs it has
// beyond the Kafka protocol, and the topics it makes.
type Plan struct {
	Faults []cluster.FaultKind
	Needs  []cluster.Need
	// Topics are the suffixes of the topic names it makes, after the run's
	// id and "-".
	Topics []string
}

// plannedTopics lists, per workload, the names its topics take after the
// run's id (the formats in each workload's file; setupTopics' tags).
var plannedTopics = map[string][]string{
	"topics":      {"t<n>"},
	"propagation": {"p<n>"},
	"startup":     {"s<n>"},
	"floor":       nil,
	"failover":    {"f<n> (preloaded)", "p<n> (probe)"},
	"chaos":       {"f<n> (preloaded)", "c<fault>-p<n> (probe, per fault)"},
	"migration":   {"m<n> (preloaded)", "p<n> (probe)"},
	"scale":       {"p<n>", "probe<n>"},
	"configs":     {"c<n>"},
	"partitions":  {"g<n>"},
	"reassign":    {"r<n>"},
}

// PlanOf returns the plan of workload name with params p.
func PlanOf(name string, p Params) (Plan, error) {
	w, err := New(name, p)
	if err != nil {
		return Plan{}, err
	}
	topics, ok := plannedTopics[name]
	if !ok {
		return Plan{}, fmt.Errorf("workload %s: no topic names planned (workloads/plan.go)", name)
	}
	plan := Plan{Topics: topics}
	switch w := w.(type) {
	case *failover:
		plan.Faults = w.faults
	case *chaos:
		plan.Faults = w.kinds
	case *scale:
		plan.Faults = []cluster.FaultKind{cluster.FaultKill, cluster.FaultStop}
	case *startup:
		plan.Needs = []cluster.Need{cluster.NeedColdStart}
	case *floor:
		plan.Needs = []cluster.Need{cluster.NeedStoreFloor}
	case *migration:
		plan.Needs = []cluster.Need{cluster.NeedMigration}
	}
	return plan, nil
}
