package workloads

import (
	"fmt"
	"maps"
	"slices"
)

// registry lists every workload: one line each.
var registry = map[string]func(Params) (Workload, error){
	"topics":      newTopics,
	"propagation": newPropagation,
	"startup":     newStartup,
	"floor":       newFloor,
	"failover":    newFailover,
	"chaos":       newChaos,
	"migration":   newMigration,
	"scale":       newScale,
	"configs":     newConfigs,
	"partitions":  newPartitions,
	"reassign":    newReassign,
}

// Names returns the registered workload names, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(registry))
}

// New builds the named workload from its parameters.
func New(name string, p Params) (Workload, error) {
	f, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("workload %q: want one of %v", name, Names())
	}
	return f(p)
}
