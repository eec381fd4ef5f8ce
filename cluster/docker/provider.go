package docker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/layout"
)

// Options configure the docker provider.
type Options struct {
	// Images override the locally built images, field by field; a
	// cluster.Spec's Images override these in turn. An official zookeeper
	// image fits (the provider sets only its ZOO_* variables).
	Images cluster.Images
	// ReadyTimeout bounds the wait for readiness (default 2 minutes).
	ReadyTimeout time.Duration
	Logger       *slog.Logger
}

// Provider starts clusters in containers.
type Provider struct{ o Options }

var _ cluster.Provider = (*Provider)(nil)

// New returns a docker provider.
func New(o Options) *Provider {
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 2 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Provider{o: o}
}

// Name returns "docker".
func (p *Provider) Name() string { return "docker" }

// Start starts the cluster and waits until it is ready. On error, every
// container, volume and network labelled with the run is removed.
func (p *Provider) Start(ctx context.Context, spec cluster.Spec) (cluster.Cluster, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("invalid cluster spec: %w", err)
	}
	imgs, err := p.images(ctx, spec)
	if err != nil {
		return nil, err
	}
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	if n, err := countRun(ctx, cli, spec.Name); err != nil || n > 0 {
		cli.Close()
		if err == nil {
			err = fmt.Errorf("%d docker objects are labelled %s=%s: a cluster named %q is running or was not removed (kraftbench cluster down --name %s)",
				n, LabelRun, spec.Name, spec.Name, spec.Name)
		}
		return nil, err
	}
	c := &dockerCluster{spec: spec, plan: layout.NewPlan(spec), images: imgs, cli: cli, log: p.o.Logger.With("run", spec.Name),
		names: names{spec.Name}, start: time.Now()}
	if err := c.boot(ctx, p.o.ReadyTimeout); err != nil {
		if stopErr := c.Stop(context.WithoutCancel(ctx)); stopErr != nil {
			err = fmt.Errorf("%w (and removing it: %v)", err, stopErr)
		}
		return nil, fmt.Errorf("start docker %s cluster %q: %w", spec.Mode, spec.Name, err)
	}
	return c, nil
}

// images picks the images for spec: the spec's, else the provider's, else
// the locally built ones (built now if missing).
func (p *Provider) images(ctx context.Context, spec cluster.Spec) (cluster.Images, error) {
	imgs := spec.Images
	if imgs.Node == "" {
		imgs.Node = p.o.Images.Node
	}
	if imgs.ZooKeeper == "" {
		imgs.ZooKeeper = p.o.Images.ZooKeeper
	}
	logf := func(format string, args ...any) { p.o.Logger.Info(fmt.Sprintf(format, args...)) }
	var err error
	if imgs.Node == "" {
		if imgs.Node, err = EnsureNodeImage(ctx, logf); err != nil {
			return imgs, err
		}
	}
	if imgs.ZooKeeper == "" && spec.Mode == cluster.ModeZK {
		if imgs.ZooKeeper, err = EnsureZooKeeperImage(ctx, logf); err != nil {
			return imgs, err
		}
	}
	return imgs, nil
}
