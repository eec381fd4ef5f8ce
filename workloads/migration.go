package workloads

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// migration rehearses a ZooKeeper-to-KRaft online migration (Kafka's
// KIP-866, driven by cluster/migrate) of a ZooKeeper-mode cluster holding
// `partitions` partitions, one operator step after another, while the probe
// load (probe.go) runs throughout:
//
//  1. start: the KRaft controllers are started in migration mode
//     (start_controllers), every broker is restarted linked to them, one at
//     a time, each once the others serve what it serves (start_link); the
//     active KRaft controller claims /controller once every broker has
//     registered with it, copies the metadata from ZooKeeper (copy: from the
//     claim until dual write) and pushes it to the brokers (handover: from
//     the claim until every broker serves its metadata); start_copy is what
//     start still waited after the link (the takeover usually overlaps the
//     last broker's restart);
//  2. roll: each broker in turn is restarted into KRaft mode
//     (roll_broker_<id>; roll is their sum);
//  3. finalize (or, with finish=rollback, rollback to ZooKeeper mode).
//
// Each part's duration is a metrics.MeasureMigrationPhase (labels phase and
// partitions), and total is the sum of the three steps. A migration happens
// once per cluster, so a run migrates one partition count; `make
// bench-migration` runs one per count.
//
// The write unavailability each step caused, as the probe's creates saw it,
// is a metrics.MeasureMigrationUnavailable (labels step and partitions):
// the sum of the windows (from a failed or stalled create to the next
// successful one, see unavailableWindows) that opened during the step, or
// after it before the next one began. The handover begins the moment the
// first broker reported a KRaft controller as the active one (polled every
// 50 ms): windows opened from then until the roll are the handover's, and
// a window open at that moment is split there (before: link, after:
// handover).
// Each step is also a window on the run's clock (Result.Faults: kinds
// migrate-start, roll, finalize, rollback), so the report shades it.
//
// After each step the brokers must converge (every broker live in every
// broker's view, one digest) with no topic lost: every preloaded topic and
// every probe topic acknowledged and not being deleted. At the end the probe
// stops and the safety checks run (see safety_run.go).
type migration struct {
	partitions  int
	perTopic    int
	perRequest  int
	rf          int
	probeRF     int
	rate        float64
	controllers int
	finish      string
	settle      time.Duration
	timeout     time.Duration
	write       time.Duration
	stall       time.Duration
}

// migrationFinishes are the last steps a run can take.
var migrationFinishes = []string{"finalize", "rollback"}

func newMigration(p Params) (Workload, error) {
	r := p.reader()
	w := &migration{
		partitions:  r.int("partitions", 1000, 0, 1_000_000),
		perTopic:    r.int("partitions_per_topic", 100, 1, 10_000),
		perRequest:  r.int("topics_per_request", 10, 1, 1000),
		rf:          r.int("replication_factor", 3, 1, 32),
		probeRF:     r.int("probe_replication_factor", 2, 1, 32),
		rate:        r.float("rate", 5, 0.1, 1000),
		controllers: r.int("controllers", 3, 1, 9),
		settle:      r.duration("settle", 2*time.Second, 0, 10*time.Minute),
		timeout:     r.duration("timeout", 10*time.Minute, time.Second, 24*time.Hour),
		write:       r.duration("write_timeout", 30*time.Second, time.Second, time.Hour),
		stall:       r.duration("stall", time.Second, time.Millisecond, time.Minute),
		finish:      "finalize",
	}
	var errs []error
	if v, ok := r.raw("finish"); ok {
		switch v {
		case "finalize", "rollback":
			w.finish = v
		default:
			errs = append(errs, fmt.Errorf("param finish=%q: want finalize or rollback", v))
		}
	}
	errs = append(errs, r.done("migration"))
	return w, errors.Join(errs...)
}

func (w *migration) Name() string        { return "migration" }
func (w *migration) NeedsTimeline() bool { return true }

// OnlyModes: a migration starts from a ZooKeeper-mode cluster.
func (w *migration) OnlyModes() ([]cluster.Mode, string) {
	return []cluster.Mode{cluster.ModeZK}, "a migration starts from a ZooKeeper-mode cluster and ends in KRaft mode"
}

func (w *migration) params() map[string]string {
	return map[string]string{
		"partitions": strconv.Itoa(w.partitions), "partitions_per_topic": strconv.Itoa(w.perTopic),
		"topics_per_request": strconv.Itoa(w.perRequest), "replication_factor": strconv.Itoa(w.rf),
		"probe_replication_factor": strconv.Itoa(w.probeRF), "rate": strconv.FormatFloat(w.rate, 'g', -1, 64),
		"controllers": strconv.Itoa(w.controllers), "finish": w.finish, "settle": w.settle.String(),
		"timeout": w.timeout.String(), "write_timeout": w.write.String(), "stall": w.stall.String(),
	}
}

func (w *migration) Run(ctx context.Context, env *Env) (Outcome, error) {
	out := Outcome{Params: w.params()}
	spec := env.Cluster.Spec()
	if err := cluster.CanMeet(env.Cluster, cluster.NeedMigration); err != nil {
		return out, fmt.Errorf("migration: %w", err)
	}
	if spec.Mode != cluster.ModeZK {
		return out, fmt.Errorf("migration: the cluster runs in %s mode; a migration starts from ZooKeeper mode (modes: [zk])", spec.Mode)
	}
	if _, ok := env.Cluster.(cluster.Migrator); !ok {
		return out, fmt.Errorf("migration: the %s provider's clusters cannot be migrated (no cluster.Migrator); use provider: local", spec.Provider)
	}
	if w.probeRF >= spec.Brokers {
		return out, fmt.Errorf("param probe_replication_factor=%d: probe topics need fewer replicas than the %d brokers, or a create fails whenever a broker rolls", w.probeRF, spec.Brokers)
	}
	if w.rf > spec.Brokers {
		return out, fmt.Errorf("param replication_factor=%d: more replicas than the %d brokers", w.rf, spec.Brokers)
	}
	brokers, err := brokerIDs(ctx, env)
	if err != nil {
		return out, err
	}
	m := &migrationRun{w: w, env: env, brokers: brokers, partitions: strconv.Itoa(w.partitions)}
	if err := m.preload(ctx); err != nil {
		return out, err
	}

	checks := newSafetyRun(env)
	m.hist = checks.hist
	clients, err := checks.probeClients()
	if err != nil {
		return out, err
	}
	stopWatch := checks.watch(ctx, env.Cluster)
	m.p = startProbe(ctx, env, clients, brokers, w.rate, int16(w.probeRF), w.write)
	m.mark("baseline", time.Now())
	runErr := m.steps(ctx)
	m.stopAt = time.Now()
	m.p.stop()
	stopWatch()
	out.Notes = append(out.Notes, m.notes...)
	out.Notes = append(out.Notes, m.unavailability()...)
	if skipped := m.p.skipped.Load(); skipped > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d probe ticks skipped: %d calls were outstanding", skipped, cap(m.p.inFlight)))
	}
	out.Notes = append(out.Notes,
		fmt.Sprintf("probe: a create (replication factor %d) and a metadata read from the next broker every %v, a delete every fourth tick (on a client of its own); a create that failed or stalled (> %v) opens an unavailability window that the next successful create closes", w.probeRF, time.Duration(float64(time.Second)/w.rate).Round(time.Millisecond), w.stall),
		"phase durations are the operator steps as cluster/migrate runs them (each waits until the nodes report what it promises); total is start + roll + "+w.finish+", without the settle and the checks between steps")
	if runErr != nil || ctx.Err() != nil {
		return out, errors.Join(runErr, ctx.Err())
	}
	note, err := checks.final(ctx, brokers, w.timeout)
	out.Notes = append(out.Notes, note)
	return out, err
}
