package workloads

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/workloads/safety"
)

// safetyRun is the safety checks of one run that disturbs the cluster
// (failover, migration): every probe write goes through a recording Admin,
// the controllers' epochs are watched throughout, and at the end the history
// is checked (see package safety for what each check proves).
type safetyRun struct {
	env   *Env
	hist  *safety.History
	admin cluster.Admin // env.Admin, recording into hist
	watch *safety.EpochWatch
}

func newSafetyRun(env *Env) *safetyRun {
	h := safety.NewHistory()
	return &safetyRun{env: env, hist: h, admin: safety.Wrap(env.Admin, h), watch: safety.NewEpochWatch()}
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
				s.watch.Observe(n.ID, st, time.Now())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// final runs the checks once the load has stopped and every fault healed:
// the brokers converge, their common view is the history's final read, and
// the history must be linearizable, keep every acknowledged write and show
// one active controller per epoch. It returns a note for the results; a
// violation is an error, and the history's visualization is saved beside
// the results.
func (s *safetyRun) final(ctx context.Context, brokers []int32, timeout time.Duration) (string, error) {
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
	for _, v := range s.watch.Violations() {
		violations = append(violations, v.String())
	}
	note := fmt.Sprintf("safety: %s; %d acknowledged-write and split-brain violations; %d status observations, %d controller epochs seen; brokers converged on digest %.12s",
		rep, len(violations), s.watch.Observations(), len(s.watch.Claims()), conv.Digest)
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
