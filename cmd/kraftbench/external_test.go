package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func benchCLI(args ...string) (string, string, error) {
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"bench"}, args...))
	err := root.Execute()
	return out.String(), errb.String(), err
}

// The cluster file's port is never listened on: a dry run connects to
// nothing, so it prints the full plan all the same.
const dryRunFile = `
name: dry
bootstrap: [127.0.0.1:1]
mode: zk
zookeeper.connect: 127.0.0.1:2/kafka
nodes:
  - id: 1
    roles: [broker]
    faults:
      kill: {run: "kill -9 $(cat /run/kafka-1.pid)", timeout: 5s}
      start: "systemctl start kafka@1"
      stop: "systemctl stop kafka@1"
  - id: 2
    roles: [broker]
    faults:
      kill: "kill -9 $(cat /run/kafka-2.pid)"
      start: "systemctl start kafka@2"
      stop: "systemctl stop kafka@2"
`

func TestBenchDryRunPrintsThePlan(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte(dryRunFile), 0o644)
	out, errs, err := benchCLI("--cluster", file, "--workload", "failover", "--param", "faults=kill,stop", "--param", "hold=1s", "--dry-run")
	if err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	for _, want := range []string{
		"mode: zk (as the file says",
		"zookeeper.connect: 127.0.0.1:2/kafka (read only",
		"params: faults=kill,stop hold=1s (others at their defaults)",
		"kraftbench-<run>-f<n> (preloaded)",
		`node 1: nodes[0].faults.kill (timeout 5s): bash -c "kill -9 $(cat /run/kafka-1.pid)"`,
		`node 2 undo: nodes[1].faults.start (timeout 1m0s): bash -c "systemctl start kafka@2"`,
		`node 2: nodes[1].faults.stop (timeout 1m0s): bash -c "systemctl stop kafka@2"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	out, _, err = benchCLI("--cluster", file, "--workload", "floor", "--dry-run")
	if err != nil || !strings.Contains(out, "skipped: store floor: not available") {
		t.Errorf("floor: %v\n%s", err, out)
	}
}

func TestBenchExternalRefusesWhatTheFileCannotDo(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte(dryRunFile), 0o644)
	cases := map[string][]string{
		"nodes[0].faults.pause, nodes[0].faults.resume": {"--cluster", file, "--workload", "failover", "--param", "faults=pause"},
		"--provider external needs --cluster FILE":      {"--provider", "external", "--dry-run"},
		"--cluster is for the external provider":        {"--provider", "local", "--cluster", file},
		"field bootstarp not found":                     {"--cluster", writeFile(t, "bootstarp: [a:1]\n")},
	}
	for want, args := range cases {
		_, _, err := benchCLI(args...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bench %v: %v, want it to contain %q", args, err, want)
		}
	}
}

func writeFile(t *testing.T, text string) string {
	p := filepath.Join(t.TempDir(), "f.yaml")
	os.WriteFile(p, []byte(text), 0o644)
	return p
}
