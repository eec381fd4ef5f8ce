package docker

import (
	"context"
	"errors"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// createNetworks makes the run's two networks: the peer network (internal:
// peers only, cut by a partition) and the client network (where ports are
// published; traffic between containers on it is disabled, so peers cannot
// route around a partition through it).
func createNetworks(ctx context.Context, cli *testcontainers.DockerClient, n names) error {
	labels := map[string]string{LabelRun: n.run}
	if _, err := cli.NetworkCreate(ctx, n.peerNet(), client.NetworkCreateOptions{
		Driver: "bridge", Internal: true, Labels: labels}); err != nil {
		return fmt.Errorf("create network %s: %w", n.peerNet(), err)
	}
	if _, err := cli.NetworkCreate(ctx, n.clientNet(), client.NetworkCreateOptions{
		Driver: "bridge", Labels: labels,
		Options: map[string]string{"com.docker.network.bridge.enable_icc": "false"}}); err != nil {
		return fmt.Errorf("create network %s: %w", n.clientNet(), err)
	}
	return nil
}

// createVolume makes a labelled volume for one container's data.
func createVolume(ctx context.Context, cli *testcontainers.DockerClient, n names, name string) error {
	if _, err := cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: map[string]string{LabelRun: n.run}}); err != nil {
		return fmt.Errorf("create volume %s: %w", name, err)
	}
	return nil
}

// runFilter selects one run's objects (run != "") or every run's.
func runFilter(run string) client.Filters {
	if run == "" {
		return client.Filters{}.Add("label", LabelRun)
	}
	return client.Filters{}.Add("label", LabelRun+"="+run)
}

// countRun counts the containers, volumes and networks labelled with run.
func countRun(ctx context.Context, cli *testcontainers.DockerClient, run string) (int, error) {
	f := runFilter(run)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list containers: %w", err)
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list volumes: %w", err)
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list networks: %w", err)
	}
	return len(cs.Items) + len(vs.Items) + len(ns.Items), nil
}

// removeRounds bounds removeRun's sweeps, removeRoundGap the wait between
// them.
const (
	removeRounds   = 5
	removeRoundGap = 500 * time.Millisecond
)

// removeRun force-removes the containers, then the volumes and networks,
// labelled with run ("" for every run), and returns how many it removed. It
// sweeps again, up to removeRounds times, while anything is left: a
// container create cancelled by an interrupt can still be carried out by
// the engine after the first listing, and its volume is then "in use" until
// that container goes.
func removeRun(ctx context.Context, cli *testcontainers.DockerClient, run string) (int, error) {
	removed := 0
	var err error
	for round := 1; ; round++ {
		var n int
		n, err = removeRunOnce(ctx, cli, run)
		removed += n
		left, cerr := countRun(ctx, cli, run)
		if cerr == nil && left == 0 {
			return removed, nil
		}
		if round == removeRounds || ctx.Err() != nil {
			if err == nil {
				err = cerr
			}
			if err == nil {
				err = fmt.Errorf("%d docker objects labelled %s=%s left after %d sweeps", left, LabelRun, run, round)
			}
			return removed, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(removeRoundGap):
		}
	}
}

// removeRunOnce is one sweep of removeRun.
func removeRunOnce(ctx context.Context, cli *testcontainers.DockerClient, run string) (int, error) {
	f := runFilter(run)
	var errs []error
	removed := 0
	gone := func(err error) bool { return err == nil || cerrdefs.IsNotFound(err) }
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if !gone(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", trimSlash(c.Names), err))
			continue
		}
		removed++
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("list volumes: %w", err))...)
	}
	for _, v := range vs.Items {
		if _, err := cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); !gone(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
			continue
		}
		removed++
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("list networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); !gone(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// Down removes what the run named name left behind (containers, volumes,
// networks labelled kraftbench.run=name) and returns how many objects it
// removed.
func Down(ctx context.Context, name string) (int, error) {
	if name == "" {
		return 0, errors.New("docker down: no run name (use DownAll for every run)")
	}
	return down(ctx, name)
}

// DownAll removes every kraftbench run's containers, volumes and networks
// (for `kraftbench cluster down --all`) and returns how many it removed.
// Images are kept.
func DownAll(ctx context.Context) (int, error) { return down(ctx, "") }

func down(ctx context.Context, run string) (int, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	return removeRun(ctx, cli, run)
}
