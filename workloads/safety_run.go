package workloads

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/kraftbench/kraftbench/workloads/safety"
)

// safetyRun is the safety checks of one run that disturbs the cluster
// (failover, migration): every probe write goes through a recording Admin,
// the controllers' epochs are watched throughout, and at the end the history
// is checked (see package safety for what each check proves).
//
// Epochs are watched per mode: a ZooKeeper controller epoch and a Raft term
// count different things, so during a migration a ZooKeeper-mode broker and
// a KRaft controller may both be seen active "in epoch 2" without any split
// brain. Within each mode one active controller per epoch must hold.
type safetyRun struct {
	env   *Env
	hist  *safety.History
	admin cluster.Admin // env.Admin, recording into hist

	mu      sync.Mutex
	watches map[cluster.Mode]*safety.EpochWatch // by cluster.Status.Mode
}

func newSafetyRun(env *Env) *safetyRun {
	h := safety.NewHistory()
	return &safetyRun{env: env, hist: h, admin: safety.Wrap(env.Admin, h), watches: map[cluster.Mode]*safety.EpochWatch{}}
}

// probeClients returns the probe's clients: creates through the run's
// Admin, deletes and reads through clients of their own (see probe), the
// writes recording into the run's history.
func (s *safetyRun) probeClients() (probeClients, error) {
	boot := s.env.Cluster.Bootstrap()
	del, err := admin.New(boot, admin.Options{ClientID: "kraftbench-probe-deletes"})
	if err != nil {
		return probeClients{}, fmt.Errorf("probe delete client: %w", err)
	}
	reads, err := admin.New(boot, admin.Options{ClientID: "kraftbench-probe-reads"})
	if err != nil {
		del.Close()
		return probeClients{}, fmt.Errorf("probe read client: %w", err)
	}
	return probeClients{creates: s.admin, deletes: safety.Wrap(del, s.hist), reads: reads,
		close: func() { del.Close(); reads.Close() }}, nil
}

// observe feeds a status to the watch of its mode.
func (s *safetyRun) observe(node int32, st cluster.Status, at time.Time) {
	s.mu.Lock()
	w := s.watches[st.Mode]
	if w == nil {
		w = safety.NewEpochWatch()
		s.watches[st.Mode] = w
	}
	s.mu.Unlock()
	w.Observe(node, st, at)
}

// epochFigures sums the watches: observations, epochs with a claim, and the
// split-brain violations of each mode (the mode named when there are two).
func (s *safetyRun) epochFigures() (observations, epochs int, violations []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, mode := range slices.Sorted(maps.Keys(s.watches)) {
		w := s.watches[mode]
		observations += w.Observations()
		epochs += len(w.Claims())
		for _, v := range w.Violations() {
			if len(s.watches) > 1 {
				violations = append(violations, string(mode)+" mode: "+v.String())
			} else {
				violations = append(violations, v.String())
			}
		}
	}
	return observations, epochs, violations
}

// watchEpochs asks every node for its status every pollEvery until ctx ends
// and feeds the answers to the epoch watch.
func (s *safetyRun) watchEpochs(ctx context.Context, c cluster.Cluster) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		for _, n := range c.Nodes() {
			if n.Kind != "node" {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, time.Second)
			st, err := c.Status(sctx, n.ID)
			cancel()
			if err == nil {
				s.observe(n.ID, st, time.Now())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// watch runs watchEpochs on c until the returned stop is called; stop waits
// for the watch to end and may be called more than once.
func (s *safetyRun) watch(ctx context.Context, c cluster.Cluster) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.watchEpochs(ctx, c) })
	return func() { cancel(); wg.Wait() }
}

// final runs the checks once the load has stopped and every fault healed:
// the brokers catch up with the controller and converge, their common view
// is the history's final read, and the history must be linearizable, keep
// every acknowledged write and show one active controller per epoch. It returns a note for the results; a
// violation is an error, and the history's visualization is saved beside
// the results.
func (s *safetyRun) final(ctx context.Context, brokers []int32, timeout time.Duration) (string, error) {
	// KRaft brokers may all agree on an image without the last
	// acknowledged writes for up to half a second (safety.CatchUp says
	// why): first let them reach the active controller's image.
	caught, err := safety.CatchUp(ctx, s.env.Cluster, brokers, timeout)
	if err != nil {
		return "safety: not checked, the brokers did not catch up with the controller", fmt.Errorf("safety: %w", err)
	}
	conv, err := safety.Converge(ctx, s.env.Admin, brokers, timeout)
	if err != nil {
		return "safety: not checked, the brokers did not converge", fmt.Errorf("safety: %w", err)
	}
	final := safety.Topics(conv.Image)
	s.hist.FinalRead(final, conv.At)
	rep, err := safety.CheckLinearizable(s.hist, timeout)
	if err != nil {
		return "safety: linearizability not checked", fmt.Errorf("safety: %w", err)
	}
	var violations []string
	for _, v := range safety.CheckAcknowledged(s.hist, final) {
		violations = append(violations, v.String())
	}
	observations, epochs, split := s.epochFigures()
	violations = append(violations, split...)
	note := fmt.Sprintf("safety: %s; %d acknowledged-write and split-brain violations; %d status observations, %d controller epochs seen; brokers converged on digest %.12s",
		rep, len(violations), observations, epochs, conv.Digest)
	if caught.Target > 0 {
		note += fmt.Sprintf(" after reaching the active KRaft controller's offset %d (%v)", caught.Target, caught.Took.Round(time.Millisecond))
	}
	var errs []string
	if rep.Result == safety.NotLinearizable {
		path := filepath.Join(s.env.OutputDir, s.env.RunID+"-linearizability.html")
		if werr := rep.WriteVisualization(path); werr != nil {
			errs = append(errs, fmt.Sprintf("history not linearizable (%s); saving it failed: %v", rep, werr))
		} else {
			errs = append(errs, fmt.Sprintf("history not linearizable (%s); saved to %s", rep, path))
		}
	}
	errs = append(errs, violations...)
	if len(errs) > 0 {
		return note, errors.New("safety violated: " + strings.Join(errs, "; "))
	}
	return note, nil
}
