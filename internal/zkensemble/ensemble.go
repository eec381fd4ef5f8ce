// Package zkensemble starts a real Apache ZooKeeper ensemble of 1 or 3 servers
// on loopback, for tests, benchmarks and the local provider.
//
// It runs ZooKeeper as Debian's zookeeper package installs it
// (/usr/share/java/zookeeper.jar, whose manifest brings its dependencies, plus
// the log4j binding when present), or from an Apache binary distribution when
// ZOOKEEPER_HOME is set ($ZOOKEEPER_HOME/lib/*.jar). Each server gets its own
// directory under Options.Dir: zoo.cfg, data/ (with myid), its own logging
// configuration (first on the class path) and zookeeper.out, its log.
//
// Ports (client, peer, election) are chosen up front by binding 127.0.0.1:0
// and releasing it; another process could take one in between, in which case
// the server's log says so and Start fails with its tail. Servers listen on
// 127.0.0.1 only. The srvr four-letter word is whitelisted and is what Start
// polls: it returns once every server serves and, for a quorum, exactly one
// is the leader.
//
// Every server runs in its own process group, with SIGKILL as its parent-death
// signal, so Stop (SIGTERM, then SIGKILL) leaves nothing behind, and neither
// does a test binary that dies. Kill and Restart act on one server, for
// failure tests.
//
// It knows nothing of either mode, and the local provider (cluster/local)
// starts its ensembles for both, so it lives here rather than under zkmode:
// cluster/ depends on no mode, and no mode on the other.
package zkensemble

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kraftbench/kraftbench/internal/provision"
)

// Options configure an ensemble.
type Options struct {
	// Servers is the ensemble size: 1 (standalone) or 3. Default 1.
	Servers int
	// Dir holds the servers' directories. When empty a temporary directory is
	// made and removed by Stop.
	Dir string
	// TickTime is ZooKeeper's tickTime (default 2s, ZooKeeper's own). The
	// session timeouts a server grants are bounded below by 2 x TickTime.
	TickTime time.Duration
	// MaxSessionTimeout is the largest session timeout granted (default 60s,
	// so Kafka's 18 s zookeeper.session.timeout.ms is honoured at any
	// TickTime; ZooKeeper's own default is 20 x TickTime).
	MaxSessionTimeout time.Duration
	// Fsync keeps ZooKeeper's forceSync=yes (the default and what
	// measurements use); false writes forceSync=no, for fast functional tests.
	Fsync bool
	// HeapMB is each server's -Xmx (default 512).
	HeapMB int
	// ZooKeeperHome overrides the ZOOKEEPER_HOME environment variable.
	ZooKeeperHome string
	// StartTimeout bounds the wait for the ensemble to serve (default 60s).
	StartTimeout time.Duration
	// Logger receives start and stop events; nothing is logged when nil.
	Logger *slog.Logger
}

func (o *Options) defaults() error {
	if o.Servers == 0 {
		o.Servers = 1
	}
	if o.Servers != 1 && o.Servers != 3 {
		return fmt.Errorf("ensemble size %d: must be 1 or 3", o.Servers)
	}
	if o.TickTime <= 0 {
		o.TickTime = 2 * time.Second
	}
	if o.MaxSessionTimeout <= 0 {
		o.MaxSessionTimeout = 60 * time.Second
	}
	if o.HeapMB <= 0 {
		o.HeapMB = 512
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Ensemble is a running set of ZooKeeper servers.
type Ensemble struct {
	opts    Options
	inst    Install
	servers []*server
	tempDir bool

	stopOnce sync.Once
}

// Start writes the servers' configurations, starts them and waits until the
// ensemble serves. On any error it stops whatever it started.
func Start(ctx context.Context, o Options) (*Ensemble, error) {
	if err := o.defaults(); err != nil {
		return nil, fmt.Errorf("start zk ensemble: %w", err)
	}
	inst, err := Locate(o.ZooKeeperHome)
	if err != nil {
		return nil, fmt.Errorf("start zk ensemble: %w", err)
	}
	e := &Ensemble{opts: o, inst: inst}
	if e.opts.Dir == "" {
		if e.opts.Dir, err = os.MkdirTemp("", "kb-zk-"); err != nil {
			return nil, fmt.Errorf("start zk ensemble: %w", err)
		}
		e.tempDir = true
	}
	if err := e.prepare(); err != nil {
		e.Stop()
		return nil, fmt.Errorf("start zk ensemble: %w", err)
	}
	for _, s := range e.servers {
		if err := s.start(inst, e.opts); err != nil {
			e.Stop()
			return nil, fmt.Errorf("start zk ensemble: %w", err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	if err := e.WaitServing(wctx); err != nil {
		e.Stop()
		return nil, fmt.Errorf("start zk ensemble: %w", err)
	}
	o.Logger.Info("zookeeper ensemble serving", "servers", o.Servers, "connect", e.Connect(), "from", inst.Source)
	return e, nil
}

func (e *Ensemble) prepare() error {
	ports, err := provision.FreePorts(3 * e.opts.Servers)
	if err != nil {
		return err
	}
	for i := 0; i < e.opts.Servers; i++ {
		e.servers = append(e.servers, &server{
			myid: i + 1, dir: filepath.Join(e.opts.Dir, fmt.Sprintf("zk%d", i+1)),
			clientPort: ports[3*i], peerPort: ports[3*i+1], electionPort: ports[3*i+2],
		})
	}
	for _, s := range e.servers {
		if err := s.writeConfig(e.servers, e.opts); err != nil {
			return err
		}
	}
	return nil
}

// Connect returns the connect string (host:port,host:port,...) of all servers.
func (e *Ensemble) Connect() string {
	return strings.Join(e.Addrs(), ",")
}

// Addrs returns each server's client address, in server order (myid 1..n).
func (e *Ensemble) Addrs() []string {
	out := make([]string, len(e.servers))
	for i, s := range e.servers {
		out[i] = s.clientAddr()
	}
	return out
}

// Size returns the number of servers.
func (e *Ensemble) Size() int { return len(e.servers) }

// Pids returns each server's process id, in server order (myid 1..n), 0 for
// a server that is not running: for reading its usage from /proc.
func (e *Ensemble) Pids() []int {
	out := make([]int, len(e.servers))
	for i, s := range e.servers {
		s.mu.Lock()
		if s.cmd != nil && s.cmd.Process != nil {
			out[i] = s.cmd.Process.Pid
		}
		s.mu.Unlock()
	}
	return out
}

// LogPath returns server i's log file (i counts from 0).
func (e *Ensemble) LogPath(i int) string { return e.servers[i].logPath() }

// Mode asks server i (from 0) for its mode with srvr: leader, follower or
// standalone; an error while it does not serve.
func (e *Ensemble) Mode(ctx context.Context, i int) (string, error) {
	return srvr(ctx, e.servers[i].clientAddr())
}

// WaitServing waits until every running server (those started while it
// waits too) serves and, in a quorum, one of them leads. It fails at once if
// one of those servers exits meanwhile.
func (e *Ensemble) WaitServing(ctx context.Context) error {
	var expected []*server
	for _, s := range e.servers {
		if s.running() != nil {
			expected = append(expected, s)
		}
	}
	if len(expected) == 0 {
		return errors.New("wait for quorum: no server is running")
	}
	for {
		// Servers started since join in: when all are restarted at once, a
		// server's own wait began before the others ran, and the leader may
		// be one of them.
		for _, s := range e.servers {
			if s.running() != nil && !slices.Contains(expected, s) {
				expected = append(expected, s)
			}
		}
		leaders, serving := 0, 0
		for _, s := range expected {
			if s.running() == nil {
				return s.exited()
			}
			if mode, err := srvr(ctx, s.clientAddr()); err == nil {
				serving++
				if mode == "leader" || mode == "standalone" {
					leaders++
				}
			}
		}
		if serving == len(expected) && leaders == 1 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for quorum (%d of %d running servers serving, %d leaders): %w; end of %s:\n%s",
				serving, len(expected), leaders, ctx.Err(), expected[0].logPath(), tail(expected[0].logPath(), 10))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Kill sends SIGKILL to server i (from 0) and waits for it to exit.
func (e *Ensemble) Kill(i int) error {
	if i < 0 || i >= len(e.servers) {
		return fmt.Errorf("kill zk server %d: no such server", i)
	}
	if !e.servers[i].signal(syscall.SIGKILL, 10*time.Second) {
		return fmt.Errorf("kill zk server %d: still running after SIGKILL", i)
	}
	e.opts.Logger.Info("zookeeper server killed", "server", i)
	return nil
}

// Terminate sends SIGTERM to server i (from 0) and waits for it to exit,
// killing it after 10 s: a graceful stop.
func (e *Ensemble) Terminate(i int) error {
	if i < 0 || i >= len(e.servers) {
		return fmt.Errorf("stop zk server %d: no such server", i)
	}
	e.servers[i].stop(10 * time.Second)
	if e.servers[i].running() != nil {
		return fmt.Errorf("stop zk server %d: still running after SIGTERM and SIGKILL", i)
	}
	e.opts.Logger.Info("zookeeper server stopped", "server", i)
	return nil
}

// Pause sends SIGSTOP to server i's process group (from 0); Resume undoes
// it. A paused server keeps its sockets open and answers nothing, as a
// frozen machine would.
func (e *Ensemble) Pause(i int) error { return e.groupSignal(i, syscall.SIGSTOP, "pause") }

// Resume sends SIGCONT to server i's process group (from 0).
func (e *Ensemble) Resume(i int) error { return e.groupSignal(i, syscall.SIGCONT, "resume") }

func (e *Ensemble) groupSignal(i int, sig syscall.Signal, what string) error {
	if i < 0 || i >= len(e.servers) {
		return fmt.Errorf("%s zk server %d: no such server", what, i)
	}
	s := e.servers[i]
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return fmt.Errorf("%s zk server %d: not running", what, i)
	}
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("%s zk server %d: %w", what, i, err)
	}
	e.opts.Logger.Info("zookeeper server signalled", "server", i, "signal", sig)
	return nil
}

// Launch starts server i (from 0) again, with its data, and returns once
// its process runs, without waiting for the ensemble: when other servers
// are paused or down the ensemble may have no quorum to wait for (a fault
// heals in any order).
func (e *Ensemble) Launch(i int) error {
	if i < 0 || i >= len(e.servers) {
		return fmt.Errorf("launch zk server %d: no such server", i)
	}
	if err := e.servers[i].start(e.inst, e.opts); err != nil {
		return fmt.Errorf("launch zk server %d: %w", i, err)
	}
	return nil
}

// Restart starts server i (from 0) again, with its data, and waits until the
// ensemble serves.
func (e *Ensemble) Restart(ctx context.Context, i int) error {
	if i < 0 || i >= len(e.servers) {
		return fmt.Errorf("restart zk server %d: no such server", i)
	}
	if err := e.servers[i].start(e.inst, e.opts); err != nil {
		return fmt.Errorf("restart zk server %d: %w", i, err)
	}
	if err := e.WaitServing(ctx); err != nil {
		return fmt.Errorf("restart zk server %d: %w", i, err)
	}
	return nil
}

// Stop stops every server (SIGTERM, SIGKILL after 5 s) and removes the
// directory if Start made it. It is idempotent.
func (e *Ensemble) Stop() error {
	var err error
	e.stopOnce.Do(func() {
		var wg sync.WaitGroup
		for _, s := range e.servers {
			wg.Add(1)
			go func() { defer wg.Done(); s.stop(5 * time.Second) }()
		}
		wg.Wait()
		for _, s := range e.servers {
			if s.running() != nil {
				err = errors.Join(err, fmt.Errorf("stop zk server %d: still running", s.myid))
			}
		}
		if e.tempDir {
			err = errors.Join(err, os.RemoveAll(e.opts.Dir))
		}
		e.opts.Logger.Info("zookeeper ensemble stopped", "dir", e.opts.Dir)
	})
	return err
}
