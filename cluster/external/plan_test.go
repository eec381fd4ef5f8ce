package external

import (
	"strings"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

func TestWritePlanShowsEveryCommandAndTopic(t *testing.T) {
	f, err := Parse([]byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	err = f.WritePlan(&b, Plan{Workload: "failover", Params: map[string]string{"faults": "kill,pause"},
		Faults: []cluster.FaultKind{cluster.FaultKill, cluster.FaultPause}, Topics: []string{"f<n>", "p<n>"}})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"dry run: nothing below is connected to",
		"bootstrap: 127.0.0.1:9092",
		"mode: kraft (as the file says",
		"Kafka version: 3.9.0",
		"node 3 [controller] at 127.0.0.1:9093",
		"workload failover",
		"params: faults=kill,pause (others at their defaults)",
		"kraftbench-<run>-f<n>",
		"kraftbench-<run>-p<n>",
		"only topics this run asked to create",
		`  kill: not run (the cluster file gives no nodes[2].faults.kill, nodes[2].faults.start)`,
		`  pause: not run (the cluster file gives no nodes[0].faults.pause`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}

	// Every node with every command: each command with its timeout.
	f.Nodes = f.Nodes[:2]
	f.Nodes[1].Faults.Stop = &Command{Run: "echo stop 2", Timeout: 0}
	b.Reset()
	f.WritePlan(&b, Plan{Workload: "startup", ColdStart: true, Faults: []cluster.FaultKind{cluster.FaultKill}})
	out = b.String()
	for _, want := range []string{
		`node 1: nodes[0].faults.kill (timeout 20s): bash -c "echo kill 1"`,
		`node 1 undo: nodes[0].faults.start (timeout 2m0s): bash -c "echo start 1"`,
		`node 2: nodes[1].faults.kill (timeout 20s): bash -c "echo kill 2"`,
		"cold start, each restart: stop every node",
		`node 2: nodes[1].faults.stop (timeout 20s): bash -c "echo stop 2"`,
		"a command that fails stops the run",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}
