package local

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/testbin"
)

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", d, what)
}

func activeController(t *testing.T, c cluster.Cluster) int32 {
	t.Helper()
	var id int32 = -1
	waitFor(t, 20*time.Second, "an active controller", func() bool {
		for _, n := range c.Nodes() {
			if n.Kind != "node" {
				continue
			}
			st, err := c.Status(context.Background(), n.ID)
			if err == nil && st.Active {
				id = n.ID
				return true
			}
		}
		return false
	})
	return id
}

func answers(c cluster.Cluster, id int32) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.Status(ctx, id)
	return err == nil
}

// Every fault the local provider can do, with its observable effect, on a
// KRaft cluster; a partition is refused with a clear error.
func TestFaultsHaveTheirEffect(t *testing.T) {
	c := startLocal(t, cluster.Spec{Name: "faults", Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 2})
	ctx := context.Background()

	// kill -9 of the active controller: it is gone, another takes over; heal
	// restarts it from its data.
	old := activeController(t, c)
	rec, err := c.Fault(ctx, cluster.Fault{Kind: cluster.FaultKill, Node: old})
	if err != nil {
		t.Fatal(err)
	}
	if answers(c, old) {
		t.Fatalf("killed node %d still answers", old)
	}
	waitFor(t, 20*time.Second, "a new active controller", func() bool { return activeController(t, c) != old })
	if err := rec.Undo(ctx); err != nil || rec.End.IsZero() || !rec.End.After(rec.Start) {
		t.Fatalf("undo kill: %v, window %v..%v", err, rec.Start, rec.End)
	}
	waitFor(t, 20*time.Second, "the killed node back", func() bool { return answers(c, old) })

	// pause: the node stops answering, and answers again when resumed.
	rec, err = c.Fault(ctx, cluster.Fault{Kind: cluster.FaultPause, Node: 1})
	if err != nil {
		t.Fatal(err)
	}
	if answers(c, 1) {
		t.Fatal("paused broker 1 still answers")
	}
	if err := rec.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the paused broker to answer", func() bool { return answers(c, 1) })

	// graceful stop and restart.
	rec, err = c.Fault(ctx, cluster.Fault{Kind: cluster.FaultStop, Node: 2})
	if err != nil {
		t.Fatal(err)
	}
	if answers(c, 2) {
		t.Fatal("stopped broker 2 still answers")
	}
	if err := rec.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fault(ctx, cluster.Fault{Kind: cluster.FaultRestart, Node: 2}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "broker 2 registered and unfenced", func() bool {
		st, err := c.Status(ctx, 2)
		return err == nil && st.Registered && !st.Fenced
	})

	_, err = c.Fault(ctx, cluster.Fault{Kind: cluster.FaultPartition, Node: 1})
	if !errors.Is(err, cluster.ErrFaultUnsupported) || !strings.Contains(err.Error(), "cannot partition") {
		t.Fatalf("partition on the local provider: %v, want a refusal wrapping ErrFaultUnsupported", err)
	}
	if err := cluster.CanFault(c, cluster.FaultPartition); !errors.Is(err, cluster.ErrFaultUnsupported) {
		t.Errorf("CanFault(partition) = %v, want ErrFaultUnsupported before any fault", err)
	}
	if _, err := c.Fault(ctx, cluster.Fault{Kind: "explode", Node: 1}); err == nil || errors.Is(err, cluster.ErrFaultUnsupported) {
		t.Errorf("an unknown kind: %v, want an error that is not ErrFaultUnsupported", err)
	}
	if _, err := c.Fault(ctx, cluster.Fault{Kind: cluster.FaultKill, Node: 77}); err == nil || !strings.Contains(err.Error(), "no node 77") {
		t.Fatalf("unknown node: %v", err)
	}
}

// A ZooKeeper-mode cold restart keeps every topic and reports its phases in
// order.
func TestRestartAllKeepsMetadata(t *testing.T) {
	c := startLocal(t, cluster.Spec{Name: "restart", Mode: cluster.ModeZK, ZKServers: 1, Brokers: 2})
	before, err := c.Status(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	phases, err := c.(cluster.Restarter).RestartAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(phases) != 4 || phases[0].Name != cluster.PhaseStoreReady || phases[3].Name != cluster.PhaseMetadataLoaded {
		t.Fatalf("phases %+v", phases)
	}
	after, err := c.Status(context.Background(), 1)
	if err != nil || after.Digest != before.Digest {
		t.Fatalf("digest %s -> %s (%v)", before.Digest, after.Digest, err)
	}
}

// pgrepDir lists processes whose command line mentions dir.
func pgrepDir(dir string) string {
	out, _ := exec.Command("pgrep", "-af", dir).Output()
	return strings.TrimSpace(string(out))
}

// Nothing of a run survives Stop, a failed start, or the death of the
// process that started it.
func TestNothingLeftBehind(t *testing.T) {
	testbin.NeedIntegration(t, "ZooKeeper and kbnode processes")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("after stop", func(t *testing.T) {
		dir := t.TempDir()
		p := New(Options{Kbnode: bin, Dir: dir, NoZKFsync: true})
		c, err := p.Start(context.Background(), cluster.Spec{Name: "gone", Mode: cluster.ModeZK, ZKServers: 1, Brokers: 1, Timeouts: fast})
		if err != nil {
			t.Fatal(err)
		}
		if pgrepDir(dir) == "" {
			t.Fatal("no process mentions the run directory while it runs: the check below would prove nothing")
		}
		c.Stop(context.Background())
		if left := pgrepDir(dir); left != "" {
			t.Fatalf("left running after Stop:\n%s", left)
		}
		if _, err := os.Stat(filepath.Join(dir, "gone")); !os.IsNotExist(err) {
			t.Fatalf("run directory left after Stop: %v", err)
		}
	})
	t.Run("after a failed start", func(t *testing.T) {
		dir := t.TempDir()
		// A node that cannot start: a kbnode that is not one.
		p := New(Options{Kbnode: "/bin/false", Dir: dir, NoZKFsync: true})
		_, err := p.Start(context.Background(), cluster.Spec{Name: "fails", Mode: cluster.ModeZK, ZKServers: 1, Brokers: 1, Timeouts: fast})
		if err == nil {
			t.Fatal("start with a broken node binary succeeded")
		}
		if left := pgrepDir(dir); left != "" {
			t.Fatalf("left running after a failed start:\n%s", left)
		}
	})
	t.Run("after the owner is killed", func(t *testing.T) {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperOwner$")
		cmd.Env = append(os.Environ(), "KB_HELPER_OWNER_DIR="+dir, "KB_HELPER_KBNODE="+bin)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, _ := out.Read(buf) // "ready" once the cluster is up
		if !strings.Contains(string(buf[:n]), "ready") {
			cmd.Process.Kill()
			t.Fatalf("helper owner did not start its cluster: %q", buf[:n])
		}
		if pgrepDir(dir) == "" {
			t.Fatal("the owner's cluster is not running")
		}
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		waitFor(t, 15*time.Second, "the owner's processes to go", func() bool { return pgrepDir(dir) == "" })
	})
}

// TestHelperOwner is not a test: TestNothingLeftBehind runs it in a child
// process that starts a cluster and waits to be interrupted.
func TestHelperOwner(t *testing.T) {
	dir := os.Getenv("KB_HELPER_OWNER_DIR")
	if dir == "" {
		t.Skip("helper process for TestNothingLeftBehind")
	}
	p := New(Options{Kbnode: os.Getenv("KB_HELPER_KBNODE"), Dir: dir, NoZKFsync: true, KeepFiles: true})
	if _, err := p.Start(context.Background(), cluster.Spec{Name: "owner", Mode: cluster.ModeKRaft, Controllers: 1, Brokers: 1, Timeouts: fast}); err != nil {
		os.Stdout.WriteString("failed: " + err.Error())
		os.Exit(1)
	}
	os.Stdout.WriteString("ready\n")
	select {} // until SIGINT kills this process; its nodes die with it
}

// Stopping a KRaft cluster stops brokers before controllers, so each
// broker's controlled shutdown is answered at once instead of timing out.
func TestStopIsQuickForKRaft(t *testing.T) {
	testbin.NeedIntegration(t, "ZooKeeper and kbnode processes")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	p := New(Options{Kbnode: bin, Dir: t.TempDir()})
	c, err := p.Start(context.Background(), cluster.Spec{Name: "quickstop", Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 3, Timeouts: cluster.KafkaTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Far below broker.session.timeout.ms (9 s), which a broker whose
	// controlled shutdown goes unanswered would wait out.
	if d := time.Since(t0); d > 5*time.Second {
		t.Fatalf("stop took %v", d)
	}
}
