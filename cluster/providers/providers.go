// Package providers is the one place providers are listed: a name maps to a
// constructor, and Choose picks the default (docker where an engine answers,
// else local) and says why. The external provider (a cluster kraftbench did
// not start, described by a cluster file) is only ever chosen by name.
package providers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/docker"
	"github.com/kraftbench/kraftbench/cluster/external"
	"github.com/kraftbench/kraftbench/cluster/local"
)

// Options are what any provider may need.
type Options struct {
	// Dir is where a provider keeps run files (local: configs, logs, data).
	Dir string
	// KeepFiles keeps those files after Stop.
	KeepFiles bool
	// ZKImage overrides the ZooKeeper image (docker).
	ZKImage string
	// ClusterFile is the cluster file of the cluster to borrow (external).
	ClusterFile string
	Logger      *slog.Logger
}

type entry struct {
	new       func(Options) (cluster.Provider, error)
	available func(context.Context) error
}

var registry = map[string]entry{
	"local": {
		new: func(o Options) (cluster.Provider, error) {
			return local.New(local.Options{Dir: o.Dir, KeepFiles: o.KeepFiles, Logger: o.Logger}), nil
		},
		available: func(context.Context) error { _, err := local.FindKbnode(); return err },
	},
	cluster.ProviderExternal: {
		new: func(o Options) (cluster.Provider, error) {
			if o.ClusterFile == "" {
				return nil, errors.New("provider external: needs a cluster file (--cluster FILE; see docs/external.md)")
			}
			f, err := external.Load(o.ClusterFile)
			if err != nil {
				return nil, err
			}
			return external.New(external.Options{File: f, Logger: o.Logger}), nil
		},
		available: func(context.Context) error { return errors.New("external is chosen by name, with a cluster file") },
	},
	"docker": {
		new: func(o Options) (cluster.Provider, error) {
			return docker.New(docker.Options{Images: cluster.Images{ZooKeeper: o.ZKImage}, Logger: o.Logger}), nil
		},
		available: docker.Check,
	},
}

// Names returns the registered provider names, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(registry))
}

// New returns the named provider.
func New(name string, o Options) (cluster.Provider, error) {
	e, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("provider %q: want one of %v", name, Names())
	}
	return e.new(o)
}

// Choose returns the provider name to use: name when given, else docker
// where an engine answers, else local; with a sentence saying why.
func Choose(ctx context.Context, name string) (string, string) {
	if name != "" {
		return name, "provider " + name + " (as asked)"
	}
	if e, ok := registry["docker"]; ok {
		if err := e.available(ctx); err == nil {
			return "docker", "provider docker (a Docker engine answers)"
		} else {
			return "local", fmt.Sprintf("provider local (docker unavailable: %v)", err)
		}
	}
	return "local", "provider local (this build has no docker provider)"
}

// Down removes what a run of the named provider left behind when its owner
// died: local processes started under dir, or docker containers and networks
// labelled with the run name.
func Down(ctx context.Context, provider, name, dir string) error {
	if d, ok := downers[provider]; ok {
		_, err := d(ctx, name, dir)
		return err
	}
	return nil
}

// DownAll removes every leftover of every provider: processes started under
// root, and everything labelled by kraftbench. It returns how many it removed.
func DownAll(ctx context.Context, root string) (int, error) {
	total := 0
	var errs []error
	for _, d := range downers {
		n, err := d(ctx, "", root)
		total += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// downers remove a run's leftovers (name "" means every run).
var downers = map[string]func(ctx context.Context, name, dir string) (int, error){
	"local": func(_ context.Context, _, dir string) (int, error) { return local.KillLeftovers(dir) },
	"docker": func(ctx context.Context, name, _ string) (int, error) {
		if docker.Check(ctx) != nil {
			return 0, nil
		}
		if name == "" {
			return docker.DownAll(ctx)
		}
		return docker.Down(ctx, name)
	},
}
