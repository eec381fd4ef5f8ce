package workloads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/kraftbench/kraftbench/internal/buildinfo"
	"github.com/kraftbench/kraftbench/metrics"
)

// Runner runs a scenario: for each repetition and mode it starts a cluster,
// runs the workload, writes the results and removes the cluster. Modes
// alternate order between repetitions so slow drift of a shared machine does
// not favour one mode.
type Runner struct {
	// Provider returns the provider for a spec (its Provider field is set).
	Provider func(spec cluster.Spec) (cluster.Provider, error)
	Progress io.Writer
	Meter    Meter
	Log      *slog.Logger
	// Sinks receive every sample (OpenTelemetry export).
	Sinks []metrics.Sink
	// RunSinks, when set, adds sinks for one run (a mode and repetition),
	// told the run's labels, e.g. an OpenTelemetry sink with per-run
	// attributes. Run is the stem of the run's result files.
	RunSinks func(metrics.RunLabels) []metrics.Sink
}

// Run runs s (validated by the caller) and returns every result written, even
// when it stops early: an interrupted run keeps what it gathered.
//
// A run that ended well removes its cluster and writes its result while
// the next run starts its cluster (the engine's container work is a fifth
// of a benchmark's wall time); the next run's workload starts only once
// that removal is over, so no measured window ever overlaps another run's
// teardown (runOne waits for it). Run returns only once every teardown it
// started is over.
func (r *Runner) Run(ctx context.Context, s Scenario) ([]*metrics.Result, error) {
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
	var results []*metrics.Result
	var prev *teardown
	// finish waits for prev and takes its result; its error ends the run.
	finish := func() error {
		if prev == nil {
			return nil
		}
		t := prev
		prev = nil
		t.wait()
		if t.res != nil {
			results = append(results, t.res)
		}
		if t.err != nil {
			return fmt.Errorf("%s on %s (repetition %d): %w", s.Workload, t.mode, t.rep+1, t.err)
		}
		return nil
	}
	for rep := 0; rep < s.Repetitions; rep++ {
		modes := slices.Clone(s.Modes)
		if rep%2 == 1 {
			for i, j := 0, len(modes)-1; i < j; i, j = i+1, j-1 {
				modes[i], modes[j] = modes[j], modes[i]
			}
		}
		for _, mode := range modes {
			if ctx.Err() != nil {
				return results, errors.Join(ctx.Err(), finish())
			}
			t, err := r.runOne(ctx, s, mode, rep, prev)
			if ferr := finish(); ferr != nil {
				if t != nil {
					prev = t
					_ = finish()
				}
				return results, ferr
			}
			prev = t
			if err != nil {
				_ = finish()
				return results, fmt.Errorf("%s on %s (repetition %d): %w", s.Workload, mode, rep+1, err)
			}
			if t != nil && t.over() && t.err != nil {
				return results, finish() // a failed run stops the scenario
			}
		}
	}
	return results, finish()
}

// teardown is a run's cluster removal and result writing, which may go on
// while the next run starts its cluster (Run). done closes when it is over;
// res and err are the run's outcome, end the moment it was over.
type teardown struct {
	mode cluster.Mode
	rep  int
	done chan struct{}
	res  *metrics.Result
	err  error
	end  time.Time
}

func (t *teardown) wait() { <-t.done }

func (t *teardown) over() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// finished returns a teardown that is already over.
func finished(mode cluster.Mode, rep int, res *metrics.Result, err error) *teardown {
	t := &teardown{mode: mode, rep: rep, done: make(chan struct{}), res: res, err: err, end: time.Now()}
	close(t.done)
	return t
}

func (r *Runner) progressf(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, format+"\n", args...)
	}
}

// runOne runs one (mode, repetition). The result is written whenever any
// sample was recorded, including when the workload failed or was
// interrupted. prev, when not nil, is the previous run's teardown: the
// cluster starts beside it, the workload only after it. A run that ended
// well returns its own teardown still going (the cluster's removal and
// the result's writing); any other run returns once they are over, with
// its error. An error that comes before any result is runOne's own.
func (r *Runner) runOne(ctx context.Context, s Scenario, mode cluster.Mode, rep int, prev *teardown) (*teardown, error) {
	w, err := New(s.Workload, s.Params)
	if err != nil {
		return nil, err
	}
	spec := s.Spec(mode, rep)
	// A suffix unique to this run keeps two benchmarks on one engine or one
	// machine from reusing each other's cluster names.
	spec.Name = fmt.Sprintf("%s-%04x", spec.Name, uint16(time.Now().UnixNano()>>10))
	p, err := r.Provider(spec)
	if err != nil {
		return nil, err
	}
	spec.Provider = p.Name()
	r.progressf("[%s rep %d/%d] starting %s cluster (%s provider)", mode, rep+1, s.Repetitions, mode, p.Name())
	var wall metrics.WallTime
	started := time.Now()
	c, err := p.Start(ctx, spec)
	if err != nil {
		return nil, err
	}
	ready := time.Now()
	// A borrowed cluster (the external provider) has a shape of its own:
	// results record the cluster's, not the scenario's topology.
	if _, borrowed := c.(cluster.TopicScope); borrowed {
		spec = c.Spec()
	}
	if prev != nil {
		// Setup ends when the workload may start: the cluster is ready and
		// the previous run's cluster is gone.
		prev.wait()
		// Setup runs until after prev.end, so the two overlap from the
		// start to prev.end.
		wall.OverlapNs = int64(max(0, prev.end.Sub(started)))
		if waited := time.Since(ready); waited > 10*time.Millisecond {
			r.progressf("[%s rep %d/%d] waited %v for the previous cluster's removal", mode, rep+1, s.Repetitions, waited.Round(time.Millisecond))
		}
	}
	wall.SetupNs = int64(time.Since(started))
	r.progressf("[%s rep %d/%d] cluster ready in %v; running %s", mode, rep+1, s.Repetitions,
		ready.Sub(started).Round(time.Millisecond), s.Workload)
	var adm cluster.Admin
	adm, err = admin.New(c.Bootstrap(), admin.Options{})
	if err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		return nil, errors.Join(fmt.Errorf("admin client: %w", err), c.Stop(stopCtx))
	}
	// The cluster is removed before the result is written, so the result
	// holds its teardown time too (the deferred call covers every early
	// return); the result's Finished stays the workload's end.
	var removed bool
	remove := func() {
		if removed {
			return
		}
		removed = true
		adm.Close()
		t0 := time.Now()
		stopCtx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := c.Stop(stopCtx); err != nil {
			r.Log.Warn("stop cluster", "cluster", spec.Name, "err", err)
		}
		wall.TeardownNs = int64(time.Since(t0))
		r.progressf("[%s rep %d/%d] cluster removed in %v", mode, rep+1, s.Repetitions, time.Since(t0).Round(time.Millisecond))
	}
	var handedOff bool // the teardown goroutine removes the cluster
	defer func() {
		if !handedOff {
			remove()
		}
	}()
	base := time.Now()
	tl, _ := w.(NeedsTimeline)
	rec := metrics.NewRecorder(metrics.RecorderOptions{Base: base, Warmup: time.Duration(s.Warmup),
		Timeline: tl != nil && tl.NeedsTimeline(), Sinks: r.runSinks(s, spec, base)})
	newAdmin := func(id string) (cluster.Admin, error) { return admin.New(c.Bootstrap(), admin.Options{ClientID: id}) }
	runID := fmt.Sprintf("kb%d", base.UnixNano()%1_000_000_000)
	// On a cluster that is not the run's own, topics carry the cluster's
	// prefix and every client records what it creates, so Stop (remove)
	// deletes exactly those.
	if ts, ok := c.(cluster.TopicScope); ok {
		runID, adm = ts.TopicPrefix(), ts.Track(adm)
		newAdmin = func(id string) (cluster.Admin, error) {
			a, err := admin.New(c.Bootstrap(), admin.Options{ClientID: id})
			if err != nil {
				return nil, err
			}
			return ts.Track(a), nil
		}
	}
	env := &Env{Cluster: c, Admin: adm, NewAdmin: newAdmin, Rec: rec, Log: r.Log, Progress: r.Progress, Meter: r.Meter,
		Rand:  rand.New(rand.NewPCG(uint64(spec.Seed), uint64(rep))),
		RunID: runID, OutputDir: s.Output}
	usage := metrics.SampleResources(ctx, c, time.Second, r.runSinks(s, spec, base)...) // nil when c cannot tell; feeds the node gauges
	out, runErr := w.Run(ctx, env)
	wall.WorkloadNs = int64(time.Since(base))
	resources := usage.Stop(ctx)
	if runErr == nil && s.Floor > 0 && s.Workload != "floor" {
		r.progressf("[%s rep %d/%d] measuring the store floor (%d samples)", mode, rep+1, s.Repetitions, s.Floor)
		f0 := time.Now()
		note, err := measureFloor(ctx, env, s.Floor)
		wall.FloorNs = int64(time.Since(f0))
		out.Notes = append(out.Notes, note)
		if !errors.Is(err, cluster.ErrUnavailable) { // the note says why
			runErr = err
		}
	}
	res, err := r.result(s, spec, rec, out, base) // Finished: the workload's end, not the teardown's
	if err != nil {
		return nil, errors.Join(runErr, err)
	}
	if rn, ok := c.(cluster.RunNoter); ok {
		res.Notes = append(res.Notes, rn.RunNotes()...)
	}
	// A workload that needs what the cluster cannot give is skipped, not
	// failed: its result says so and why, and the run goes on.
	if errors.Is(runErr, cluster.ErrUnavailable) {
		res.Skipped = runErr.Error()
		res.Notes = append(res.Notes, "skipped: "+runErr.Error())
		r.progressf("[%s rep %d/%d] %s skipped: %v", mode, rep+1, s.Repetitions, s.Workload, runErr)
		runErr = nil
	}
	// write removes the cluster, then writes the result with its wall time.
	write := func() (*metrics.Result, error) {
		remove()
		if len(res.Ops) == 0 && len(res.Measures) == 0 && res.Skipped == "" {
			return nil, runErr
		}
		res.Resources = resources
		res.Wall = &wall
		if runErr != nil {
			res.Notes = append(res.Notes, "run ended early: "+runErr.Error())
		}
		paths, err := res.WriteFiles(s.Output)
		if err != nil {
			return res, errors.Join(runErr, err)
		}
		r.progressf("[%s rep %d/%d] wrote %s", mode, rep+1, s.Repetitions, paths[0])
		return res, runErr
	}
	if runErr != nil || ctx.Err() != nil {
		res, err := write()
		return finished(mode, rep, res, err), nil
	}
	handedOff = true
	t := &teardown{mode: mode, rep: rep, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		t.res, t.err = write()
		t.end = time.Now()
	}()
	return t, nil
}

func (r *Runner) runSinks(s Scenario, spec cluster.Spec, base time.Time) []metrics.Sink {
	if r.RunSinks == nil {
		return r.Sinks
	}
	run := (&metrics.Result{Workload: s.Workload, Mode: spec.Mode, Started: base}).BaseName()
	l := metrics.RunLabels{Mode: spec.Mode, Workload: s.Workload, Provider: spec.Provider, Run: run}
	return append(slices.Clip(r.Sinks), r.RunSinks(l)...)
}

func (r *Runner) result(s Scenario, spec cluster.Spec, rec *metrics.Recorder, out Outcome, base time.Time) (*metrics.Result, error) {
	ops, err := rec.Results()
	if err != nil {
		return nil, err
	}
	t := spec.Timeouts.WithDefaults()
	res := &metrics.Result{
		Schema: metrics.SchemaVersion, Workload: s.Workload, Mode: spec.Mode, Provider: spec.Provider,
		Profile: s.Profile, Seed: spec.Seed, KafkaVersion: string(spec.KafkaVersion.OrDefault()), Started: base, Finished: time.Now(),
		Build: buildinfo.Read(), Machine: metrics.ReadMachine(),
		Topology: topologyOf(spec),
		Timeouts: map[string]string{
			"zookeeper.session.timeout.ms":          strconv.FormatInt(t.ZKSession.Milliseconds(), 10),
			"controller.quorum.election.timeout.ms": strconv.FormatInt(t.Election.Milliseconds(), 10),
			"controller.quorum.fetch.timeout.ms":    strconv.FormatInt(t.Fetch.Milliseconds(), 10),
			"broker.heartbeat.interval.ms":          strconv.FormatInt(t.HeartbeatInterval.Milliseconds(), 10),
			"broker.session.timeout.ms":             strconv.FormatInt(t.BrokerSession.Milliseconds(), 10),
		},
		Params: out.Params, WarmupNs: int64(s.Warmup), Notes: out.Notes, Ops: ops,
		Faults: rec.Faults(), Measures: rec.Measures(), Resolution: out.Resolution,
	}
	if spec.Combined {
		res.Topology["combined"] = 1
	}
	if spec.Images != (cluster.Images{}) {
		res.Images = map[string]string{"node": spec.Images.Node, "zookeeper": spec.Images.ZooKeeper}
	}
	return res, nil
}

// topologyOf is a result's topology: its node counts, and the ZooKeeper
// heap where the run set one.
func topologyOf(spec cluster.Spec) map[string]int {
	t := map[string]int{"brokers": spec.Brokers, "controllers": spec.Controllers, "zk_servers": spec.ZKServers}
	if spec.ZKHeapMB > 0 {
		t["zk_heap_mb"] = spec.ZKHeapMB
	}
	return t
}
