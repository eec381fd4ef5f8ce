// Package workloads holds the drivers kraftbench runs against a cluster of
// either mode (startup, topics, propagation, floor, failover, scale;
// migration in ZooKeeper mode only), the scenarios that describe a run, and
// the runner that starts a fresh cluster per (mode, repetition), runs one
// workload on it and writes its results.
//
// A workload sees the cluster only through cluster.Cluster and cluster.Admin,
// never a mode's types, so the architecture is the only variable between two
// runs. Workloads time every call themselves and hand the samples to a
// metrics.Recorder; they never block forever (every loop is bounded in count
// and time) and they stop at once when their context ends, keeping what was
// recorded.
//
// Adding a workload is its own file plus one line in registry.go; one with
// its own report section or dashboard also adds a file in metrics/report
// and in dashboards, each with its one registration line.
package workloads

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// Env is what a workload runs with.
type Env struct {
	Cluster cluster.Cluster
	Admin   cluster.Admin
	// NewAdmin opens another Kafka client of the cluster (its own
	// connections), for loops whose concurrent calls must not queue on one
	// connection (clientPool). Nil (unit tests on fakes): they share Admin.
	NewAdmin func(clientID string) (cluster.Admin, error)
	Rec      *metrics.Recorder
	Rand     *rand.Rand
	Log      *slog.Logger
	// Progress receives one-line progress reports for people watching.
	Progress io.Writer
	// Meter, when set, shows bounded loops as they advance (a bar on a
	// terminal); without it they report a line a second to Progress.
	Meter Meter
	// RunID is unique to the run; topic names start with it so runs sharing
	// a cluster never collide.
	RunID string
	// OutputDir is where the run's result files go; a workload may save
	// evidence there (a safety violation's history), named after RunID.
	OutputDir string
}

// Progressf writes one progress line.
func (e *Env) Progressf(format string, args ...any) {
	if e.Progress != nil {
		fmt.Fprintf(e.Progress, format+"\n", args...)
	}
}

// Meter shows how far a bounded loop has come. Update may be called often;
// Done once, when the loop ends.
type Meter interface {
	Update(op string, done, total int64)
	Done(op string, done, total int64)
}

// Outcome is what a workload reports beside its samples: parameters as run
// and notes on how to read the figures (resolution, corrections, caveats).
type Outcome struct {
	Params map[string]string
	Notes  []string
	// Resolution states each poller's interval and measured round cost.
	Resolution []metrics.Resolution
}

// Workload is one driver.
type Workload interface {
	// Name is the registry name, also the results' file prefix.
	Name() string
	// Run drives env.Cluster until done or ctx ends. A ctx ending is not an
	// error for the samples already recorded: Run returns ctx's error and
	// the caller keeps the recorder's results.
	Run(ctx context.Context, env *Env) (Outcome, error)
}

// NeedsTimeline is the optional extra of a workload whose report needs every
// sample on the run's clock (failover plots latency over time around each
// fault): the runner's recorder then keeps a timeline.
type NeedsTimeline interface {
	NeedsTimeline() bool
}

// OnlyModes is the optional extra of a workload that runs in some modes
// only (a migration starts from a ZooKeeper-mode cluster): a scenario
// listing another mode is refused by Validate, with why.
type OnlyModes interface {
	OnlyModes() (modes []cluster.Mode, why string)
}

// timed runs f and records it as op.
func timed(rec *metrics.Recorder, op string, f func() error) error {
	start := time.Now()
	err := f()
	rec.Record(metrics.Sample{Op: op, Start: start, End: time.Now(), Err: err})
	return err
}
