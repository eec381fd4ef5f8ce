package external

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

// The cluster files docs/external.md offers decode strictly, validate, and
// every command in them is bash that parses (bash -n): what can be checked
// of them without the clusters they describe.
func TestDocsClusterFilesAreValid(t *testing.T) {
	files, _ := filepath.Glob("../../docs/external/cluster-*.yaml")
	if len(files) < 3 {
		t.Fatalf("docs/external has %d cluster files, want the ZooKeeper, KRaft and Strimzi ones", len(files))
	}
	for _, path := range files {
		f, err := Load(path)
		if err != nil {
			t.Error(err)
			continue
		}
		if err := f.CheckFaults(cluster.FaultKinds()); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		for i, n := range f.Nodes {
			for _, kc := range n.Faults.commandKeys() {
				if kc.cmd == nil {
					continue
				}
				if out, err := exec.Command("bash", "-n", "-c", kc.cmd.Run).CombinedOutput(); err != nil {
					t.Errorf("%s: nodes[%d].faults.%s: bash -n: %v\n%s", path, i, kc.key, err, out)
				}
			}
		}
		var b strings.Builder
		if err := f.WritePlan(&b, Plan{Workload: "failover", Faults: cluster.FaultKinds()}); err != nil || strings.Contains(b.String(), "not run") {
			t.Errorf("%s: plan %v:\n%s", path, err, b.String())
		}
	}
}
