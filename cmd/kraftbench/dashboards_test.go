package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/dashboards"
	"github.com/kraftbench/kraftbench/internal/provision"
	"github.com/kraftbench/kraftbench/internal/testbin"
)

func runRoot(args ...string) (string, string, error) {
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errb.String(), err
}

func TestDashboardsCommand(t *testing.T) {
	out, _, err := runRoot("dashboards")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range dashboards.Names() {
		if !strings.Contains(out, n+" ") || !strings.Contains(out, "kraftbench-"+n) {
			t.Errorf("list lacks %s:\n%s", n, out)
		}
	}

	d, err := dashboards.Get("failover")
	if err != nil {
		t.Fatal(err)
	}
	want, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := runRoot("dashboards", "failover"); err != nil || out != string(want) {
		t.Errorf("dashboards failover: err %v, printed %d bytes, want the dashboard's %d", err, len(out), len(want))
	}

	dir := filepath.Join(t.TempDir(), "new")
	if _, _, err := runRoot("dashboards", "--out", dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range dashboards.All() {
		got, err := os.ReadFile(filepath.Join(dir, d.FileName()))
		want, _ := d.JSON()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("--out wrote %s: %v, equal to the generator's: %v", d.FileName(), err, bytes.Equal(got, want))
		}
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dashboards", "nope"}, `dashboard "nope": want one of`},
		{[]string{"dashboards", "overview", "startup"}, "print one at a time"},
		{[]string{"bench", "--metrics-linger", "5s"}, "--metrics-linger 5s: want 0 to 1h, with --metrics-addr"},
		{[]string{"bench", "--metrics-addr", "127.0.0.1:0", "--metrics-linger", "2h"}, "--metrics-linger 2h0m0s"},
	} {
		if _, _, err := runRoot(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("kraftbench %s: error %v, want one saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// --metrics-linger keeps /metrics up after the runs, with their final
// values, so the last scrape of a short run is not lost.
func TestMetricsLingerServesFinalValues(t *testing.T) {
	testbin.NeedIntegration(t, "a real cluster")
	bin := buildCLI(t)
	ports, err := provision.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "bench", "--provider", "local", "--modes", "kraft", "--workload", "floor",
		"--param", "samples=7", "--brokers", "1", "--controllers", "1", "--profile", "tuned", "--repetitions", "1",
		"-o", t.TempDir(), "--metrics-addr", addr, "--metrics-linger", "20s")
	cmd.Env = append(os.Environ(), "KRAFTBENCH_HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }() // if the test stops early
	var lines []string
	sc := bufio.NewScanner(stderr)
	lingering := false
	for !lingering && sc.Scan() {
		lines = append(lines, sc.Text())
		lingering = strings.Contains(sc.Text(), "serving the final metrics for 20s")
	}
	if !lingering {
		t.Fatalf("no linger message; stderr:\n%s", strings.Join(lines, "\n"))
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("after the run, while lingering: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	final := regexp.MustCompile(`(?m)^kraftbench_op_duration_seconds_count\{[^}]*mode="kraft"[^}]*op="floor"[^}]*\} 7$`)
	if !final.Match(body) {
		t.Errorf("the lingering endpoint lacks the run's final count of 7 floor samples:\n%s", body)
	}
	// Ctrl-C ends the linger at once, and the run still succeeded.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("exit after Ctrl-C while lingering: %v, want success", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Ctrl-C did not end the linger within 10 s")
	}
}
