package docker

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// TestFailedStartRemovesEverything: a node that exits at once fails the
// start quickly, naming the container and its output, and leaves nothing.
func TestFailedStartRemovesEverything(t *testing.T) {
	needDocker(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nimport (\"fmt\"; \"os\")\n\nfunc main() { fmt.Fprintln(os.Stderr, \"boom: refusing to start\"); os.Exit(3) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "failing")
	if err := goBuild(bin, src); err != nil {
		t.Fatal(err)
	}
	img, err := buildNodeImage(t.Context(), bin, fakeRepo, testLogf(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeImage(t, img) })
	name := runName(t, "fail")
	zkImg := zkImage(t) // built first when absent: not part of the time below
	start := time.Now()
	_, err = New(Options{}).Start(t.Context(), cluster.Spec{Name: name, Mode: cluster.ModeZK, ZKServers: 1, Brokers: 1,
		Images: cluster.Images{Node: img, ZooKeeper: zkImg}})
	if err == nil {
		t.Fatal("start with a node that exits: want an error")
	}
	t.Logf("failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if !strings.Contains(err.Error(), "boom: refusing to start") || !strings.Contains(err.Error(), "broker-1") {
		t.Errorf("error does not name the container and its output: %v", err)
	}
	if time.Since(start) > 60*time.Second {
		t.Errorf("took %s to notice a node that exited", time.Since(start))
	}
	assertGone(t, name)
}

// TestStartRefusesRunningName: a second cluster with a live cluster's name is
// refused, and the refusal removes nothing of the first.
func TestStartRefusesRunningName(t *testing.T) {
	needDocker(t)
	spec := cluster.Spec{Name: runName(t, "dup"), Mode: cluster.ModeKRaft, Controllers: 1, Brokers: 1, Combined: true,
		Images: cluster.Images{Node: fakeNodeImage(t)}}
	c := startCluster(t, spec)
	if _, err := New(Options{}).Start(t.Context(), spec); err == nil || !strings.Contains(err.Error(), "cluster down") {
		t.Fatalf("second start with the same name: %v", err)
	}
	if _, err := c.Status(t.Context(), 1); err != nil {
		t.Errorf("first cluster after the refused start: %v", err)
	}
}

// TestInterruptRemovesEverything runs a cluster in a helper process (this
// test binary again) and sends it SIGINT, once while it starts and once while
// it runs: either way nothing labelled with the run is left.
func TestInterruptRemovesEverything(t *testing.T) {
	needDocker(t)
	img := fakeNodeImage(t)
	for _, when := range []string{"starting", "running"} {
		t.Run(when, func(t *testing.T) {
			name := runName(t, "int-"+when[:3])
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCluster$", "-test.v")
			cmd.Env = append(os.Environ(), "KB_DOCKER_HELPER="+name, "KB_DOCKER_HELPER_IMAGE="+img)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = cmd.Stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(out)
			wantLine := "HELPER READY"
			if when == "starting" {
				wantLine = "HELPER STARTING"
			}
			var seen []string
			for lines.Scan() && !strings.Contains(lines.Text(), wantLine) {
				seen = append(seen, lines.Text())
			}
			if when == "starting" {
				time.Sleep(1500 * time.Millisecond) // into container creation
			}
			cmd.Process.Signal(os.Interrupt)
			for lines.Scan() {
				seen = append(seen, lines.Text())
			}
			err = cmd.Wait()
			t.Logf("helper exited (%v):\n%s", err, strings.Join(seen, "\n"))
			assertGone(t, name)
		})
	}
}

// TestHelperCluster is the helper process of TestInterruptRemovesEverything:
// it starts a cluster and stops it when interrupted, as a CLI would.
func TestHelperCluster(t *testing.T) {
	name := os.Getenv("KB_DOCKER_HELPER")
	if name == "" {
		t.Skip("helper process for TestInterruptRemovesEverything")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println("HELPER STARTING")
	c, err := New(Options{}).Start(ctx, cluster.Spec{Name: name, Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 2,
		Images: cluster.Images{Node: os.Getenv("KB_DOCKER_HELPER_IMAGE")}})
	if err != nil {
		fmt.Println("HELPER START FAILED:", err)
		return
	}
	fmt.Println("HELPER READY")
	<-ctx.Done()
	if err := c.Stop(context.Background()); err != nil {
		t.Fatalf("stop: %v", err)
	}
	fmt.Println("HELPER STOPPED")
}
