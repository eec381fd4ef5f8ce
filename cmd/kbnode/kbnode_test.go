package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/internal/testbin"
)

func writeProps(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "server.properties")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A bad configuration is refused before anything starts, with the property
// and the value named.
func TestBadConfigNamesPropertyAndValue(t *testing.T) {
	testbin.NeedIntegration(t, "kbnode processes")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"node.id=1\nzookeeper.connect=127.0.0.1:1\nlog.retention.hourz=5\n":                       `unknown property log.retention.hourz="5"`,
		"node.id=one\nzookeeper.connect=127.0.0.1:1\n":                                            `node.id="one" (line 1): not an integer`,
		"node.id=1\nprocess.roles=broker,controller\ncontroller.quorum.voters=1@127.0.0.1:9093\n": `controller.listener.names="": required with the controller role`,
	}
	for text, want := range cases {
		out, err := exec.Command(bin, "start", "-c", writeProps(t, text)).CombinedOutput()
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("config %q: err %v, output %q, want it to contain %q", text, err, out, want)
		}
	}
	out, err := exec.Command(bin, "start", "--override", "nonsense").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `--override "nonsense": want key=value`) {
		t.Errorf("bad override: %v %s", err, out)
	}
}

// A KRaft node refuses an unformatted directory; formatted, it starts,
// announces itself, and exits 0 on SIGTERM after a clean shutdown.
func TestFormatStartAndCleanSIGTERM(t *testing.T) {
	testbin.NeedIntegration(t, "a kbnode process")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	props := writeProps(t, "node.id=1\nprocess.roles=broker,controller\n"+
		"listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0\ncontroller.listener.names=CONTROLLER\n"+
		"controller.quorum.voters=1@127.0.0.1:1\nlog.dirs="+dir+"\n")
	if out, err := exec.Command(bin, "start", "-c", props).CombinedOutput(); err == nil || !strings.Contains(string(out), "not formatted") {
		t.Fatalf("start on an unformatted dir: %v\n%s", err, out)
	}
	id, err := exec.Command(bin, "random-uuid").Output()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "format", "-c", props, "-t", strings.TrimSpace(string(id))).CombinedOutput(); err != nil {
		t.Fatalf("format: %v\n%s", err, out)
	}
	// A single voter needs no peer, so its advertised voter address is
	// never dialled; the listeners bind free ports.
	cmd := exec.Command(bin, "start", "-c", props)
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "kbnode ready node.id=1 mode=kraft") {
		cmd.Process.Kill()
		t.Fatalf("ready line %q (%v)\n%s", line, err, stderr.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(stderr.String(), "msg=stopped") {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit within 30s of SIGTERM")
	}
}
