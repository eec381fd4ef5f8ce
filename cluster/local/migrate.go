package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/layout"
	"github.com/kraftbench/kraftbench/internal/provision"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

var _ cluster.Migrator = (*localCluster)(nil)

// ZKConnect returns the ensemble's connect string ("" in KRaft mode).
func (c *localCluster) ZKConnect() string { return c.res.ZKConnect() }

// AddControllers starts n KRaft controllers in migration mode next to the
// running ZooKeeper-mode brokers, formatted with the cluster id found in
// ZooKeeper, as an operator provisions them for KIP-866.
func (c *localCluster) AddControllers(ctx context.Context, n int) error {
	if c.spec.Mode != cluster.ModeZK {
		return fmt.Errorf("add controllers: cluster %s is in %s mode; a migration starts from ZooKeeper mode", c.spec.Name, c.spec.Mode)
	}
	if n < 1 {
		return fmt.Errorf("add controllers: need at least 1, got %d", n)
	}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return fmt.Errorf("cluster %s is stopped", c.spec.Name)
	}
	if len(c.plan.Controllers()) > 0 {
		c.mu.Unlock()
		return fmt.Errorf("add controllers: cluster %s has KRaft controllers already", c.spec.Name)
	}
	ctrls := layout.MigrationControllers(n)
	ports, err := provision.FreePorts(len(ctrls) * 4)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	for i, nd := range ctrls {
		c.res.ports[nd.ID] = map[string]int{layout.External: ports[4*i], layout.Internal: ports[4*i+1], layout.Controller: ports[4*i+2]}
		c.res.status[nd.ID] = ports[4*i+3]
	}
	plan := c.plan
	plan.Nodes = append(slices.Clone(plan.Nodes), ctrls...)
	c.mu.Unlock()
	clusterID, err := zkmeta.ReadClusterID(ctx, c.res.ZKConnect())
	if err != nil {
		return fmt.Errorf("add controllers: %w", err)
	}
	c.clusterID = clusterID
	for _, nd := range ctrls {
		if err := c.writeStage(ctx, plan, nd, cluster.StageControllerMigration); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.plan = plan
	c.mu.Unlock()
	// The quorum elects only once a majority runs, so they start together.
	return provision.Parallel(len(ctrls), func(i int) error {
		p, err := c.proc(ctrls[i].ID)
		if err != nil {
			return err
		}
		if err := p.start(ctx); err != nil {
			return fmt.Errorf("%s: %w", ctrls[i].Name(), err)
		}
		return nil
	})
}

// writeStage writes node nd's properties for stage, formats its metadata
// directory when the stage is a KRaft one, and (re)creates its process.
func (c *localCluster) writeStage(ctx context.Context, plan layout.Plan, nd layout.Node, stage cluster.NodeStage) error {
	props, err := layout.MigrationProperties(c.spec, plan, nd, c.res, stage)
	if err != nil {
		return err
	}
	ndir := filepath.Join(c.dir, nodeDirName(nd.ID))
	if err := os.MkdirAll(ndir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(ndir, "server.properties")
	if err := os.WriteFile(path, []byte(layout.PropertiesFile(props)), 0o644); err != nil {
		return err
	}
	if _, kraft := props["process.roles"]; kraft {
		if c.clusterID == "" {
			return errors.New("no cluster id: add the controllers first")
		}
		out, err := exec.CommandContext(ctx, c.bin, "format", "-c", path, "--cluster-id", c.clusterID).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: kbnode format: %v\n%s", nd.Name(), err, out)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.procs[nd.ID]; !ok {
		c.procs[nd.ID] = &proc{bin: c.bin, args: []string{"start", "-c", path}, logPath: filepath.Join(ndir, "node.log")}
	}
	return nil
}

// Reconfigure restarts node id with the configuration of stage: SIGTERM
// (a broker's controlled shutdown), wait, start again.
func (c *localCluster) Reconfigure(ctx context.Context, id int32, stage cluster.NodeStage) error {
	c.mu.Lock()
	i := slices.IndexFunc(c.plan.Nodes, func(n layout.Node) bool { return n.ID == id })
	c.mu.Unlock()
	if i < 0 {
		return fmt.Errorf("no node %d in cluster %s (nodes: %v)", id, c.spec.Name, c.nodeIDs())
	}
	c.mu.Lock()
	nd := c.plan.Nodes[i]
	c.mu.Unlock()
	if c.clusterID == "" {
		id, err := zkmeta.ReadClusterID(ctx, c.res.ZKConnect())
		if err != nil {
			return fmt.Errorf("reconfigure node %d: %w", nd.ID, err)
		}
		c.clusterID = id
	}
	p, err := c.proc(id)
	if err != nil {
		return err
	}
	p.stop(30 * time.Second)
	c.mu.Lock()
	plan := c.plan
	c.mu.Unlock()
	if err := c.writeStage(ctx, plan, nd, stage); err != nil {
		return fmt.Errorf("reconfigure node %d: %w", id, err)
	}
	if err := p.start(ctx); err != nil {
		return fmt.Errorf("reconfigure node %d as %s: %w", id, stage, err)
	}
	return nil
}

// RemoveControllers stops the KRaft controllers and forgets them.
func (c *localCluster) RemoveControllers(ctx context.Context) error {
	c.mu.Lock()
	ctrls := c.plan.Controllers()
	var procs []*proc
	for _, nd := range ctrls {
		procs = append(procs, c.procs[nd.ID])
	}
	c.mu.Unlock()
	provision.Parallel(len(procs), func(i int) error { procs[i].stop(15 * time.Second); return nil })
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, nd := range ctrls {
		delete(c.procs, nd.ID)
		delete(c.res.status, nd.ID)
	}
	c.plan.Nodes = slices.DeleteFunc(c.plan.Nodes, layout.Node.IsController)
	return nil
}
