package docker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/layout"
	"github.com/kraftbench/kraftbench/internal/provision"
)

// labelOneShot marks containers that are meant to exit (formatting).
const labelOneShot = "kraftbench.oneshot"

// propsPath is where a format container finds the node's properties.
const propsPath = "/etc/kbnode/server.properties"

// format prepares every KRaft node's volume as kafka-storage format does, by
// running `kbnode format -c ... --cluster-id ...` from the node image in a
// one-shot container on that volume (concurrently), as the local provider
// runs it as a process. The cluster id derives from the seed.
func (c *dockerCluster) format(ctx context.Context) error {
	clusterID := cluster.NewTopicID(rand.New(rand.NewPCG(uint64(c.spec.Seed), 0x6b62))).String()
	return provision.Parallel(len(c.plan.Nodes), func(i int) error { return c.formatNode(ctx, c.plan.Nodes[i], clusterID) })
}

func (c *dockerCluster) formatNode(ctx context.Context, n layout.Node, clusterID string) error {
	vol := c.res.container(n.ID)
	if err := createVolume(ctx, c.cli, c.names, vol); err != nil {
		return err
	}
	props := layout.PropertiesFile(layout.Properties(c.spec, c.plan, n, c.res))
	name := vol + "-format"
	req := testcontainers.GenericContainerRequest{Started: true, Logger: slogPrintf{c.log}, ContainerRequest: testcontainers.ContainerRequest{
		Image:  c.images.Node,
		Name:   name,
		Cmd:    []string{"format", "-c", propsPath, "--cluster-id", clusterID},
		Labels: map[string]string{LabelRun: c.spec.Name, labelOneShot: "format"},
		Files:  []testcontainers.ContainerFile{{Reader: strings.NewReader(props), ContainerFilePath: propsPath, FileMode: 0o644}},
		HostConfigModifier: func(hc *container.HostConfig) {
			hc.NetworkMode = "none"
			hc.Mounts = []mount.Mount{{Type: mount.TypeVolume, Source: vol, Target: nodeDataDir}}
		},
	}}
	ct, err := testcontainers.GenericContainer(ctx, req)
	if ct != nil {
		defer c.cli.ContainerRemove(context.WithoutCancel(ctx), name, client.ContainerRemoveOptions{Force: true})
	}
	if err != nil {
		return fmt.Errorf("%s: kbnode format: %w", n.Name(), err)
	}
	wait := c.cli.ContainerWait(ctx, name, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case res := <-wait.Result:
		if res.StatusCode != 0 {
			return fmt.Errorf("%s: kbnode format exited %d:\n%s", n.Name(), res.StatusCode, logsTail(ctx, c.cli, name, 20))
		}
		return nil
	case err := <-wait.Error:
		return fmt.Errorf("%s: kbnode format: %w", n.Name(), err)
	}
}
