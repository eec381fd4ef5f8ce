package external

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

const goodFile = `
name: test
bootstrap: [127.0.0.1:9092]
mode: kraft
kafka_version: 3.9.0
command_timeout: 20s
nodes:
  - id: 1
    roles: [broker]
    faults:
      kill: "echo kill 1"
      start: {run: "echo start 1", timeout: 2m}
      stop: "echo stop 1"
  - id: 2
    roles: [broker]
    faults:
      kill: "echo kill 2"
      start: "echo start 2"
  - id: 3
    roles: [controller]
    addr: 127.0.0.1:9093
`

func TestParseReadsEveryField(t *testing.T) {
	f, err := Parse([]byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	if f.name() != "test" || f.Mode != "kraft" || f.KafkaVersion != "3.9.0" || len(f.Nodes) != 3 {
		t.Fatalf("parsed %+v", f)
	}
	start := f.Nodes[0].Faults.Start
	if start == nil || start.Run != "echo start 1" || f.timeout(start) != 2*time.Minute {
		t.Fatalf("start command %+v", start)
	}
	if got := f.timeout(f.Nodes[0].Faults.Kill); got != 20*time.Second {
		t.Fatalf("kill timeout %v, want the file's command_timeout 20s", got)
	}
	if f.Nodes[2].Addr != "127.0.0.1:9093" || f.Nodes[2].Roles[0] != cluster.RoleController {
		t.Fatalf("node 3: %+v", f.Nodes[2])
	}
}

func TestParseRefusesUnknownKeysNamingThem(t *testing.T) {
	cases := map[string]string{
		"bootstrap: [a:1]\nbootstarp: [b:2]\n":                                                                           "bootstarp",
		"bootstrap: [a:1]\nnodes:\n  - id: 1\n    roles: [broker]\n    fualts: {}\n":                                     "fualts",
		"bootstrap: [a:1]\nnodes:\n  - id: 1\n    roles: [broker]\n    faults: {klil: x}\n":                              "klil",
		"bootstrap: [a:1]\nnodes:\n  - id: 1\n    roles: [broker]\n    faults: {kill: {run: x, timout: 1s}, start: y}\n": "timout",
	}
	for text, want := range cases {
		_, err := Parse([]byte(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error naming %q", text, err, want)
		}
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	text := `
mode: etcd
zookeeper.connect: "zk1:2181,,zk2"
topic_prefix: "bad prefix"
nodes:
  - id: 1
    roles: [broker, leader]
    addr: nohost
    faults:
      kill: "   "
      pause: "kill -STOP 1"
  - id: 1
    roles: []
    faults:
      partition: {run: "x", timeout: 1s}
      stop: {run: "y", timeout: soon}
`
	_, err := Parse([]byte(text))
	if err == nil {
		t.Fatal("want errors")
	}
	// a bad duration stops decoding before validation
	if !strings.Contains(err.Error(), `timeout "soon"`) {
		t.Fatalf("got %v", err)
	}
	text = strings.Replace(text, "timeout: soon", "timeout: 1s", 1)
	_, err = Parse([]byte(text))
	for _, want := range []string{
		"bootstrap: required", `mode: unknown mode "etcd"`, "zookeeper.connect: empty server",
		`topic_prefix "bad prefix"`, `nodes[0].roles: "leader" is not broker or controller`,
		`nodes[0].addr "nohost": want host:port`, "nodes[0].faults.kill: the command is empty",
		"nodes[0].faults.resume: required with nodes[0].faults.pause",
		"nodes[1].id 1: also the id of nodes[0]", "nodes[1].roles: required",
		"nodes[1].faults.heal: required with nodes[1].faults.partition",
		"nodes[1].faults.start: required with nodes[1].faults.stop",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(p, []byte("bootstrap: []\n"), 0o644)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "bootstrap: required") {
		t.Fatalf("got %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.yaml")); err == nil {
		t.Fatal("a missing file must be an error")
	}
}

// A fault the file has no command for names the missing key; one that some
// node lacks is refused as unsupported (a workload skips it), naming it too.
func TestMissingFaultCommandsNameTheKey(t *testing.T) {
	f, err := Parse([]byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	c := &extCluster{f: f, mode: cluster.ModeKRaft, nodes: []cluster.NodeInfo{{ID: 1, Kind: "node"}, {ID: 2, Kind: "node"}, {ID: 3, Kind: "node"}}}
	_, err = c.Fault(context.Background(), cluster.Fault{Kind: cluster.FaultStop, Node: 2})
	if err == nil || !strings.Contains(err.Error(), "nodes[1].faults.stop") || errors.Is(err, cluster.ErrFaultUnsupported) {
		t.Fatalf("stop on node 2: %v", err)
	}
	err = c.CanFault(cluster.FaultKill)
	if !errors.Is(err, cluster.ErrFaultUnsupported) || !strings.Contains(err.Error(), "nodes[2].faults.kill") || !strings.Contains(err.Error(), "nodes[2].faults.start") {
		t.Fatalf("CanFault(kill): %v", err)
	}
	err = f.CheckFaults([]cluster.FaultKind{cluster.FaultKill, cluster.FaultPause})
	for _, want := range []string{"fault kill: the cluster file gives no nodes[2].faults.kill", "fault pause: the cluster file gives no nodes[0].faults.pause"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckFaults: want %q in %v", want, err)
		}
	}
	if err := c.CanMeet(cluster.NeedColdStart); !errors.Is(err, cluster.ErrUnavailable) || !strings.Contains(err.Error(), "nodes[1].faults.stop") {
		t.Fatalf("cold start: %v", err)
	}
	if err := c.CanMeet(cluster.NeedStoreFloor); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("store floor: %v", err)
	}
}

// Fault runs the node's command; the record's undo runs the undo command
// once; a failing command's error carries its key, output and exit, after
// its undo ran.
func TestFaultRunsCommandsAndUndo(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	text := `
bootstrap: [127.0.0.1:9092]
nodes:
  - id: 7
    roles: [broker]
    faults:
      kill: "echo kill $KRAFTBENCH_NODE_ID >> ` + log + `"
      start: "echo start >> ` + log + `"
      pause: "echo paused; echo no such process >&2; exit 3"
      resume: "echo resume >> ` + log + `"
      partition: {run: "sleep 30", timeout: 200ms}
      heal: "echo heal >> ` + log + `"
`
	f, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	c := &extCluster{f: f, mode: cluster.ModeKRaft, nodes: []cluster.NodeInfo{{ID: 7, Kind: "node"}}}
	ctx := context.Background()
	rec, err := c.Fault(ctx, cluster.Fault{Kind: cluster.FaultKill, Node: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Undo(ctx); err != nil || rec.End.IsZero() {
		t.Fatalf("undo: %v, end %v", err, rec.End)
	}
	rec.Undo(ctx) // once only
	_, err = c.Fault(ctx, cluster.Fault{Kind: cluster.FaultPause, Node: 7})
	for _, want := range []string{"nodes[0].faults.pause", "exit status 3", "no such process", "undo nodes[0].faults.resume ran"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("failing pause: want %q in %v", want, err)
		}
	}
	t0 := time.Now()
	_, err = c.Fault(ctx, cluster.Fault{Kind: cluster.FaultPartition, Node: 7})
	if err == nil || !strings.Contains(err.Error(), "timed out after 200ms") || time.Since(t0) > 10*time.Second {
		t.Fatalf("slow partition: %v after %v", err, time.Since(t0))
	}
	b, _ := os.ReadFile(log)
	if got := string(b); got != "kill 7\nstart\nresume\nheal\n" {
		t.Fatalf("commands ran:\n%s", got)
	}
}

// Stop runs the undo of a fault still in place, so an interrupted run
// leaves the cluster as its undo commands restore it.
func TestStopUndoesFaultsInPlace(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	f, err := Parse([]byte("bootstrap: [127.0.0.1:9092]\nnodes:\n  - id: 1\n    roles: [broker]\n    faults:\n" +
		"      stop: \"echo stop >> " + log + "\"\n      start: \"echo start >> " + log + "\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := &extCluster{f: f, mode: cluster.ModeKRaft, nodes: []cluster.NodeInfo{{ID: 1, Kind: "node"}}, requested: map[string]bool{}}
	if _, err := c.Fault(context.Background(), cluster.Fault{Kind: cluster.FaultStop, Node: 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(log); string(b) != "stop\nstart\n" {
		t.Fatalf("commands ran:\n%s", b)
	}
}
