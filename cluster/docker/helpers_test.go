package docker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/moby/moby/client"
)

// fakeRepo holds node images built from test binaries, apart from the real
// kraftbench/node.
const fakeRepo = "kraftbench/test-node"

// needDocker skips the test, saying so, only when no Docker engine answers.
func needDocker(t *testing.T) {
	t.Helper()
	testbin.NeedIntegration(t, "Docker containers")
	if err := Check(t.Context()); err != nil {
		t.Skip("no Docker engine answers: " + err.Error())
	}
}

// shared builds images once per test binary; every test reuses them.
var shared struct {
	zkOnce, fakeOnce sync.Once
	zk, fake         string
	zkErr, fakeErr   error
}

// zkImage is the locally built ZooKeeper image (about 80 s the first time on
// a machine, then present).
func zkImage(t *testing.T) string {
	t.Helper()
	testbin.NeedIntegration(t, "a Docker image build")
	shared.zkOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		shared.zk, shared.zkErr = EnsureZooKeeperImage(ctx, testLogf(t))
	})
	if shared.zkErr != nil {
		t.Fatalf("zookeeper image: %v", shared.zkErr)
	}
	return shared.zk
}

// fakeNodeImage is a node image holding testdata/fakenode in place of kbnode,
// for tests of the provider's plumbing (networks, ports, faults, cleanup).
func fakeNodeImage(t *testing.T) string {
	t.Helper()
	testbin.NeedIntegration(t, "a Docker image build")
	shared.fakeOnce.Do(func() {
		bin := filepath.Join(os.TempDir(), fmt.Sprintf("kb-fakenode-%d", os.Getpid()))
		defer os.Remove(bin)
		if shared.fakeErr = goBuild(bin, "./testdata/fakenode"); shared.fakeErr == nil {
			shared.fake, shared.fakeErr = buildNodeImage(context.Background(), bin, fakeRepo, testLogf(t))
		}
	})
	if shared.fakeErr != nil {
		t.Fatalf("fake node image: %v", shared.fakeErr)
	}
	return shared.fake
}

// goBuild builds a static binary of pkg (relative to this package).
func goBuild(out, pkg string, flags ...string) error {
	args := append([]string{"build", "-trimpath", "-o", out}, flags...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
	}
	return nil
}

func testLogf(t *testing.T) Logf {
	return func(format string, args ...any) { t.Logf(format, args...) }
}

// runName is a run name unique to this test and process.
func runName(t *testing.T, what string) string {
	return fmt.Sprintf("kbt-%s-%d", what, os.Getpid()%100000)
}

// startCluster starts spec on the docker provider and stops it when the test
// ends, checking that nothing labelled with the run is left.
func startCluster(t *testing.T, spec cluster.Spec) *dockerCluster {
	t.Helper()
	p := New(Options{ReadyTimeout: time.Minute, Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	start := time.Now()
	c, err := p.Start(t.Context(), spec)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	dc := c.(*dockerCluster)
	t.Logf("%s cluster %s ready in %s: %v", spec.Mode, spec.Name, time.Since(start).Round(time.Millisecond), dc.Phases())
	t.Cleanup(func() {
		ctx := context.Background()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		assertGone(t, spec.Name)
	})
	return dc
}

// assertGone fails the test if any container, volume or network labelled
// with the run remains.
func assertGone(t *testing.T, run string) {
	t.Helper()
	cli, err := newClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if n, err := countRun(context.Background(), cli, run); err != nil || n != 0 {
		t.Errorf("after stop: %d docker objects labelled %s=%s remain (err %v)", n, LabelRun, run, err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func imageRemoveOptions() client.ImageRemoveOptions {
	return client.ImageRemoveOptions{PruneChildren: true}
}
