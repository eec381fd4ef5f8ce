package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster/docker"
	"github.com/kraftbench/kraftbench/internal/testbin"
)

// buildCLI builds kraftbench and kbnode side by side (the local provider
// finds kbnode next to kraftbench) and returns kraftbench's path.
func buildCLI(t *testing.T) string {
	t.Helper()
	dir, err := testbin.CLI()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "kraftbench")
}

type cli struct {
	t    *testing.T
	bin  string
	home string
}

func (c cli) run(args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append(os.Environ(), "KRAFTBENCH_HOME="+c.home)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func (c cli) must(args ...string) string {
	c.t.Helper()
	out, errs, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("kraftbench %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errs)
	}
	return out
}

// The CLI contract: cluster up prints bootstrap=..., kcat lists the brokers,
// status shows the active controller, fault/heal act on a node, down removes
// everything; for each mode on each provider.
func TestClusterCommandsEndToEnd(t *testing.T) {
	testbin.NeedIntegration(t, "local and docker clusters through the CLI")
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Fatal("kcat is not installed (scripts/install-deps.sh installs it)")
	}
	c := cli{t: t, bin: buildCLI(t), home: t.TempDir()}
	providers := []string{"local"}
	if err := docker.Check(context.Background()); err == nil {
		providers = append(providers, "docker")
	} else {
		t.Logf("docker provider not tested: no Docker engine answers (%v)", err)
	}
	for _, prov := range providers {
		for _, mode := range []string{"kraft", "zk"} {
			t.Run(prov+"/"+mode, func(t *testing.T) {
				c := cli{t: t, bin: c.bin, home: c.home}
				name := "cli-" + prov + "-" + mode
				t.Cleanup(func() { c.run("cluster", "down", "--name", name) })
				args := []string{"cluster", "up", "--mode", mode, "--provider", prov, "--brokers", "2", "--name", name}
				if mode == "kraft" {
					args = append(args, "--controllers", "1")
				} else {
					args = append(args, "--zk-servers", "1")
				}
				out := c.must(args...)
				line := lastLine(out)
				if !strings.HasPrefix(line, "bootstrap=") {
					t.Fatalf("cluster up printed %q, want bootstrap=HOST:PORT,...", out)
				}
				boot := strings.TrimPrefix(line, "bootstrap=")
				kc, err := exec.Command("kcat", "-L", "-b", boot, "-m", "15").CombinedOutput()
				if err != nil || strings.Count(string(kc), "broker ") < 2 {
					t.Fatalf("kcat -L -b %s: %v\n%s", boot, err, kc)
				}
				st := c.must("cluster", "status", "--name", name)
				if !strings.Contains(st, "(this node)") || !strings.Contains(st, "mode="+mode) {
					t.Fatalf("status lacks the active controller:\n%s", st)
				}
				c.must("cluster", "fault", "--name", name, "--node", "2", "pause")
				if st := c.must("cluster", "status", "--name", name); !strings.Contains(st, "fault:pause") {
					t.Fatalf("status after pause:\n%s", st)
				}
				c.must("cluster", "fault", "--name", name, "--node", "2", "heal")
				if _, errs, err := c.run("cluster", "fault", "--name", name, "--node", "9", "kill"); err == nil || !strings.Contains(errs, "no node 9") {
					t.Fatalf("fault on a missing node: %v %s", err, errs)
				}
				c.must("cluster", "down", "--name", name)
				if _, errs, err := c.run("cluster", "status", "--name", name); err == nil || !strings.Contains(errs, "no cluster named") {
					t.Fatalf("status after down: %v %s", err, errs)
				}
			})
		}
	}
}

func TestClusterUpRefusesBadInput(t *testing.T) {
	c := cli{t: t, bin: buildCLI(t), home: t.TempDir()}
	cases := map[string][]string{
		"mode \"etcd\"":             {"cluster", "up", "--mode", "etcd", "--provider", "local"},
		"zk-servers 2":              {"cluster", "up", "--mode", "zk", "--zk-servers", "2", "--provider", "local"},
		"provider \"k8s\"":          {"cluster", "up", "--mode", "kraft", "--provider", "k8s"},
		"exactly one of --name":     {"cluster", "down"},
		"unknown fault \"explode\"": {"cluster", "fault", "--name", "x", "--node", "1", "explode"},
	}
	for want, args := range cases {
		_, errs, err := c.run(args...)
		if err == nil || !strings.Contains(errs, want) {
			t.Errorf("kraftbench %v: err %v, stderr %q, want it to contain %q", args, err, errs, want)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
