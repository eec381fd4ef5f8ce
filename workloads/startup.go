package workloads

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/ready"
	"github.com/kraftbench/kraftbench/metrics"
)

// startup measures a cold start of a cluster that already holds metadata:
// it creates `topics` topics with `partitions` partitions in all, waits until
// every broker serves them, then `restarts` times stops every node and the
// store (keeping their data) and starts them all again, timing each phase.
//
// Ops recorded: "startup" (first process started until ready: a controller
// active, every broker registered and unfenced, every broker serving one
// digest) and "phase_<name>" for each phase (store_ready, controller_active,
// brokers_registered, metadata_loaded), one sample per restart; "populate"
// for each CreateTopics batch that loaded the metadata.
type startup struct {
	topics     int
	partitions int
	rf         int
	restarts   int
	batch      int
}

func newStartup(p Params) (Workload, error) {
	r := p.reader()
	w := &startup{
		topics:     r.int("topics", 100, 0, 100_000),
		partitions: r.int("partitions", 1000, 0, 1_000_000),
		rf:         r.int("replication_factor", 3, 1, 32),
		restarts:   r.int("restarts", 5, 1, 1000),
		batch:      r.int("batch", 20, 1, 10_000),
	}
	err := r.done("startup")
	if err == nil && w.topics > 0 && w.partitions < w.topics {
		err = fmt.Errorf("param partitions=%d: fewer than topics=%d", w.partitions, w.topics)
	}
	return w, err
}

func (w *startup) Name() string { return "startup" }

func (w *startup) Run(ctx context.Context, env *Env) (Outcome, error) {
	if err := cluster.CanMeet(env.Cluster, cluster.NeedColdStart); err != nil {
		return Outcome{}, fmt.Errorf("startup: %w", err)
	}
	rs, ok := env.Cluster.(cluster.Restarter)
	if !ok {
		return Outcome{}, errors.New("startup: this provider cannot restart a whole cluster")
	}
	if b := env.Cluster.Spec().Brokers; w.rf > b {
		return Outcome{}, fmt.Errorf("param replication_factor=%d: the cluster has %d brokers", w.rf, b)
	}
	out := Outcome{Params: map[string]string{
		"topics": strconv.Itoa(w.topics), "partitions": strconv.Itoa(w.partitions),
		"replication_factor": strconv.Itoa(w.rf), "restarts": strconv.Itoa(w.restarts),
	}}
	if err := w.populate(ctx, env); err != nil {
		return out, err
	}
	probe := newReadinessProbe(env.Cluster)
	for i := 0; i < w.restarts && ctx.Err() == nil; i++ {
		t0 := time.Now()
		phases, err := rs.RestartAll(ctx)
		if err != nil {
			env.Rec.Record(metrics.Sample{Op: "startup", Start: t0, End: time.Now(), Err: err})
			return out, fmt.Errorf("restart %d: %w", i+1, err)
		}
		// Phases are measured from the first process started, after the
		// stop; place them on that clock.
		begin := time.Now().Add(-phases[len(phases)-1].After)
		for _, p := range phases {
			env.Rec.Record(metrics.Sample{Op: metrics.PhaseOp(p.Name), Start: begin, End: begin.Add(p.After)})
		}
		env.Rec.Record(metrics.Sample{Op: "startup", Start: begin, End: begin.Add(phases[len(phases)-1].After)})
		env.Progressf("  startup %d/%d: ready in %v", i+1, w.restarts, phases[len(phases)-1].After.Round(time.Millisecond))
		probe.measure(ctx)
	}
	out.Notes = append(out.Notes, fmt.Sprintf("startup is timed from the first process started again (after a graceful stop of every node and the store) until ready, from the provider's readiness polls every %v", ready.Interval))
	out.Resolution = probe.resolution()
	return out, ctx.Err()
}

// populate creates the topics, spreading the partitions evenly.
func (w *startup) populate(ctx context.Context, env *Env) error {
	if w.topics == 0 {
		return nil
	}
	var specs []cluster.TopicSpec
	for i := 0; i < w.topics; i++ {
		n := w.partitions / w.topics
		if i < w.partitions%w.topics {
			n++
		}
		specs = append(specs, cluster.TopicSpec{Name: fmt.Sprintf("%s-s%d", env.RunID, i),
			NumPartitions: int32(n), ReplicationFactor: int16(w.rf)})
	}
	for i := 0; i < len(specs); i += w.batch {
		batch := specs[i:min(i+w.batch, len(specs))]
		err := timed(env.Rec, "populate", func() error {
			rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			res, err := env.Admin.CreateTopics(rctx, batch)
			if err != nil {
				return err
			}
			return firstTopicError(res)
		})
		if err != nil {
			return fmt.Errorf("populate: %w", err)
		}
	}
	env.Progressf("  populated %d topics, %d partitions", w.topics, w.partitions)
	return nil
}
