// Package local is the provider that runs every node of a cluster as a
// process on loopback: ZooKeeper servers from Debian's zookeeper package (or
// ZOOKEEPER_HOME) through internal/zkensemble, and kbnode processes configured
// with the Kafka properties cluster/layout makes.
//
// It can kill (SIGKILL), stop (SIGTERM), pause (SIGSTOP/SIGCONT) and restart
// a node. It cannot cut a node off the network (every node shares the host's
// loopback), so it refuses a partition with an error instead of faking one:
// use the docker provider for partitions.
//
// Every process runs in its own process group with SIGKILL as its
// parent-death signal: when the process that started the cluster dies, so
// does the cluster. `kraftbench cluster up` keeps the cluster alive by
// running the provider in a detached supervisor process.
package local

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/layout"
	"github.com/kraftbench/kraftbench/cluster/ready"
	"github.com/kraftbench/kraftbench/internal/zkensemble"
)

// Options configure the local provider.
type Options struct {
	// Kbnode is the kbnode binary; found by FindKbnode when empty.
	Kbnode string
	// Dir is where runs keep their files (<Dir>/<run name>); a temporary
	// directory when empty.
	Dir string
	// KeepFiles keeps a run's directory (configs, logs, data) after Stop.
	KeepFiles bool
	// ZooKeeperHome overrides ZOOKEEPER_HOME.
	ZooKeeperHome string
	// ZKFsync keeps ZooKeeper's fsync on (what measurements want). Default on;
	// set NoZKFsync for fast functional tests.
	NoZKFsync bool
	// ReadyTimeout bounds the wait for readiness (default 2 minutes) where
	// the caller's context has no deadline of its own.
	ReadyTimeout time.Duration
	Logger       *slog.Logger
}

// Provider starts local clusters.
type Provider struct{ o Options }

var _ cluster.Provider = (*Provider)(nil)

// New returns a local provider.
func New(o Options) *Provider {
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 2 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Provider{o: o}
}

// Name returns "local".
func (p *Provider) Name() string { return "local" }

// FindKbnode looks for kbnode next to the running executable, then on PATH.
func FindKbnode() (string, error) {
	if exe, err := os.Executable(); err == nil {
		cand := filepath.Join(filepath.Dir(exe), "kbnode")
		if st, err := os.Stat(cand); err == nil && !st.IsDir() {
			return cand, nil
		}
	}
	if path, err := exec.LookPath("kbnode"); err == nil {
		return path, nil
	}
	return "", errors.New("kbnode binary not found next to this executable or on PATH: run `make build` (it writes bin/kbnode)")
}

// Start starts the cluster and waits until it is ready. On error, everything
// it started is stopped and removed.
func (p *Provider) Start(ctx context.Context, spec cluster.Spec) (cluster.Cluster, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("invalid cluster spec: %w", err)
	}
	bin := p.o.Kbnode
	if bin == "" {
		var err error
		if bin, err = FindKbnode(); err != nil {
			return nil, err
		}
	}
	dir, removeDir, err := p.runDir(spec.Name)
	if err != nil {
		return nil, err
	}
	c := &localCluster{spec: spec, plan: layout.NewPlan(spec), dir: dir, removeDir: removeDir, bin: bin, o: p.o,
		procs: map[int32]*proc{}, start: time.Now()}
	if err := c.boot(ctx); err != nil {
		c.Stop(context.Background())
		return nil, fmt.Errorf("start local %s cluster %q: %w", spec.Mode, spec.Name, err)
	}
	return c, nil
}

// runDir makes <Dir>/<name> and returns it with the directory Stop removes
// (a temporary root when Dir is unset).
func (p *Provider) runDir(name string) (dir, remove string, err error) {
	root := p.o.Dir
	temp := root == ""
	if temp {
		if root, err = os.MkdirTemp("", "kraftbench-"); err != nil {
			return "", "", err
		}
	}
	dir = filepath.Join(root, name)
	if _, err := os.Stat(dir); err == nil {
		return "", "", fmt.Errorf("run directory %s exists: a cluster named %q is running or was not removed (kraftbench cluster down --name %s)", dir, name, name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("run directory: %w", err)
	}
	if temp {
		return dir, root, nil
	}
	return dir, dir, nil
}

// boot starts the store, formats KRaft directories, starts every node and
// waits for readiness.
func (c *localCluster) boot(ctx context.Context) error {
	var zkConnect string
	if c.spec.Mode == cluster.ModeZK {
		zk, err := zkensemble.Start(ctx, zkensemble.Options{Servers: c.spec.ZKServers, Dir: filepath.Join(c.dir, "zookeeper"),
			Fsync: !c.o.NoZKFsync, ZooKeeperHome: c.o.ZooKeeperHome, Logger: c.o.Logger, HeapMB: c.zkHeapMB()})
		if err != nil {
			return fmt.Errorf("zookeeper: %w", err)
		}
		c.zk = zk
		zkConnect = zk.Connect()
		c.storeReadyAt = time.Since(c.start)
	}
	// the nodes' ports are chosen once the store is up, to keep the time
	// between choosing and binding them short
	r, err := newResolver(c.dir, c.plan)
	if err != nil {
		return err
	}
	r.zk = zkConnect
	c.res = r
	clusterID := cluster.NewTopicID(rand.New(rand.NewPCG(uint64(c.spec.Seed), 0x6b62))).String()
	for _, n := range c.plan.Nodes {
		if err := c.prepare(ctx, n, clusterID); err != nil {
			return err
		}
	}
	for _, n := range c.plan.Nodes {
		if err := c.procs[n.ID].start(ctx); err != nil {
			return fmt.Errorf("%s: %w", n.Name(), err)
		}
	}
	rctx, cancel := c.readyContext(ctx)
	defer cancel()
	phases, err := ready.Wait(rctx, c.start, ready.HTTPPoller(c.statusAddrs()), nil)
	c.phases = phases
	return err
}

// readyContext bounds a wait for readiness: by the caller's deadline where
// it set one (a cold start at a million partitions takes minutes, and the
// scale sweep bounds it by the partitions), else by ReadyTimeout.
func (c *localCluster) readyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.o.ReadyTimeout)
}

// prepare writes a node's properties, formats its KRaft metadata directory,
// and sets up (without starting) its process.
func (c *localCluster) prepare(ctx context.Context, n layout.Node, clusterID string) error {
	ndir := filepath.Join(c.dir, nodeDirName(n.ID))
	if err := os.MkdirAll(ndir, 0o755); err != nil {
		return err
	}
	props := filepath.Join(ndir, "server.properties")
	text := layout.PropertiesFile(layout.Properties(c.spec, c.plan, n, c.res))
	if err := os.WriteFile(props, []byte(text), 0o644); err != nil {
		return err
	}
	if c.spec.Mode == cluster.ModeKRaft {
		out, err := exec.CommandContext(ctx, c.bin, "format", "-c", props, "--cluster-id", clusterID).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: kbnode format: %v\n%s", n.Name(), err, out)
		}
	}
	c.procs[n.ID] = &proc{bin: c.bin, args: []string{"start", "-c", props}, logPath: filepath.Join(ndir, "node.log")}
	return nil
}
