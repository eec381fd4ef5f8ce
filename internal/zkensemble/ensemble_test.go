package zkensemble

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/internal/testbin"
)

func startEnsemble(t *testing.T, n int) *Ensemble {
	t.Helper()
	testbin.NeedIntegration(t, "ZooKeeper servers")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, err := Start(ctx, Options{Servers: n, Dir: t.TempDir(), TickTime: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("ZooKeeper is needed for this test (CI installs Debian's zookeeper package): %v", err)
	}
	t.Cleanup(func() { e.Stop() })
	return e
}

func connect(t *testing.T, e *Ensemble) *zk.Conn {
	t.Helper()
	c, _, err := zk.Connect(e.Addrs(), 4*time.Second, zk.WithLogInfo(false), zk.WithLogger(zkDiscard{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

type zkDiscard struct{}

func (zkDiscard) Printf(string, ...any) {}

func pidsOf(e *Ensemble) []int {
	var pids []int
	for _, s := range e.servers {
		s.mu.Lock()
		if s.cmd != nil {
			pids = append(pids, s.cmd.Process.Pid)
		}
		s.mu.Unlock()
	}
	return pids
}

func assertGone(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists after Stop (kill 0: %v)", pid, err)
		}
	}
}

func TestStandaloneServesAndStops(t *testing.T) {
	e := startEnsemble(t, 1)
	mode, err := e.Mode(context.Background(), 0)
	if err != nil || mode != "standalone" {
		t.Fatalf("mode %q, %v; want standalone", mode, err)
	}
	c := connect(t, e)
	if _, err := c.Create("/kb", []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	pids := pidsOf(e)
	if err := e.Stop(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, pids)
}

// TestQuorumSurvivesLeaderKill kills the leader of a 3-server ensemble: the
// two others elect a new leader and keep the data; the restarted server
// rejoins as a follower.
func TestQuorumSurvivesLeaderKill(t *testing.T) {
	e := startEnsemble(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	leader := -1
	for i := 0; i < 3; i++ {
		if m, err := e.Mode(ctx, i); err == nil && m == "leader" {
			leader = i
		}
	}
	if leader < 0 {
		t.Fatal("no leader after Start")
	}
	c := connect(t, e)
	if _, err := c.Create("/kb", []byte("before"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if err := e.Kill(leader); err != nil {
		t.Fatal(err)
	}
	if err := e.WaitServing(ctx); err != nil {
		t.Fatal(err)
	}
	if b, _, err := c.Get("/kb"); err != nil || string(b) != "before" {
		t.Fatalf("after leader kill: %q, %v", b, err)
	}
	if err := e.Restart(ctx, leader); err != nil {
		t.Fatal(err)
	}
	if m, err := e.Mode(ctx, leader); err != nil || m != "follower" {
		t.Fatalf("restarted server mode %q, %v; want follower", m, err)
	}
	pids := pidsOf(e)
	if len(pids) != 3 {
		t.Fatalf("%d servers running, want 3", len(pids))
	}
	e.Stop()
	assertGone(t, pids)
}

func TestLocateMissingHome(t *testing.T) {
	_, err := Locate(t.TempDir())
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Locate(empty dir) = %v, want ErrNotInstalled", err)
	}
}

// TestParallelRestartServes kills every server and restarts them at once,
// the first a moment before the others (as a cold start of a whole cluster
// does): each Restart returns once the ensemble serves again, even the one
// whose wait began while it ran alone.
func TestParallelRestartServes(t *testing.T) {
	e := startEnsemble(t, 3)
	for i := 0; i < 3; i++ {
		if err := e.Kill(i); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() { errs <- e.Restart(ctx, i) }()
		if i == 0 {
			time.Sleep(500 * time.Millisecond)
		}
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
