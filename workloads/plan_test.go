package workloads

import (
	"slices"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

// Every workload has a plan, so a dry run can show the topics it makes.
func TestEveryWorkloadHasAPlan(t *testing.T) {
	for _, name := range Names() {
		if _, ok := plannedTopics[name]; !ok {
			t.Errorf("workload %s: no entry in plannedTopics (workloads/plan.go)", name)
		}
	}
	p, err := PlanOf("failover", Params{"faults": "kill,pause"})
	if err != nil || !slices.Equal(p.Faults, []cluster.FaultKind{cluster.FaultKill, cluster.FaultPause}) {
		t.Fatalf("failover plan %+v, %v", p, err)
	}
	if p, _ := PlanOf("startup", Params{}); !slices.Contains(p.Needs, cluster.NeedColdStart) {
		t.Fatalf("startup plan %+v", p)
	}
	if _, err := PlanOf("failover", Params{"faults": "explode"}); err == nil {
		t.Fatal("a bad param must fail the plan")
	}
}
