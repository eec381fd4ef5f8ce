package workloads

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// reassign moves partitions' replicas between brokers
// (AlterPartitionReassignments, as kafka-reassign-partitions.sh --execute
// sends it) in batches, one at a time, under the probe's metadata load, and
// times each batch until it is done.
//
// The run's topics are created first (topics x partitions, replication
// factor below the broker count so there is somewhere to move to). Batch b
// takes the next move partitions in turn (topic by topic) and moves every
// replica of each to the next broker in id order, so a [1 2] partition on
// brokers 1-3 goes to [2 3]: one replica added, one removed, and the
// leader moves when it was on the removed broker.
//
// Ops recorded: "reassign" (the request: Kafka answers once the
// reassignment is accepted, not done), "reassign_complete" (request start
// until the controller lists none of the batch's partitions as being
// reassigned), "reassign_propagation" and "reassign_propagation_broker"
// (request start until every broker, and each broker, serves every moved
// partition with its target replicas and a leader among them),
// "list_reassignments" (each ListPartitionReassignments poll) and
// "metadata" (each broker poll). The probe adds "create", "delete" and
// "metadata" calls throughout; the write unavailability each batch caused,
// as the probe's creates saw it (the sum of its windows: a create that
// failed or took longer than stall until the next one that succeeded), is
// metrics.MeasureReassignUnavailable, labels batch and moved. The safety
// checks of the failover workload run at the end.
//
// There is no data plane in kraftbench, so a new replica is caught up as
// soon as its broker has made the log (docs/fidelity.md): a batch's time is
// the control plane's part of a reassignment, what Kafka adds to the copy
// of the data.
type reassign struct {
	topics, partitions, rf int
	move, batches          int
	rate                   float64
	stall, write, timeout  time.Duration
	poll, gap              time.Duration
}

func newReassign(p Params) (Workload, error) {
	r := p.reader()
	w := &reassign{
		topics:     r.int("topics", 10, 1, 10_000),
		partitions: r.int("partitions", 100, 1, 100_000),
		rf:         r.int("replication_factor", 2, 1, 32),
		move:       r.int("move", 100, 1, 100_000),
		batches:    r.int("batches", 5, 1, 1000),
		rate:       r.float("rate", 10, 0.1, 1000),
		stall:      r.duration("stall", time.Second, time.Millisecond, time.Minute),
		write:      r.duration("write_timeout", 30*time.Second, 100*time.Millisecond, time.Hour),
		timeout:    r.duration("timeout", 5*time.Minute, time.Second, 2*time.Hour),
		poll:       r.duration("poll_interval", 10*time.Millisecond, time.Millisecond, 10*time.Second),
		gap:        r.duration("gap", 2*time.Second, 0, 10*time.Minute),
	}
	if err := r.done("reassign"); err != nil {
		return nil, err
	}
	if total := w.topics * w.partitions; total > 1_000_000 {
		return nil, fmt.Errorf("workload reassign: topics x partitions = %d; at most 1000000", total)
	}
	if w.move > w.topics*w.partitions {
		return nil, fmt.Errorf("param move=%d: the run has only %d partitions (topics x partitions)", w.move, w.topics*w.partitions)
	}
	return w, nil
}

func (w *reassign) Name() string { return "reassign" }

func (w *reassign) Run(ctx context.Context, env *Env) (Outcome, error) {
	out := Outcome{Params: map[string]string{
		"topics": strconv.Itoa(w.topics), "partitions": strconv.Itoa(w.partitions),
		"replication_factor": strconv.Itoa(w.rf), "move": strconv.Itoa(w.move),
		"batches": strconv.Itoa(w.batches), "rate": strconv.FormatFloat(w.rate, 'g', -1, 64),
		"stall": w.stall.String(), "write_timeout": w.write.String(), "timeout": w.timeout.String(),
		"poll_interval": w.poll.String(), "gap": w.gap.String(),
	}}
	ra, ok := env.Admin.(cluster.ReassignAdmin)
	if !ok {
		return out, fmt.Errorf("workload reassign: the cluster's Admin (%T) cannot reassign partitions", env.Admin)
	}
	if b := env.Cluster.Spec().Brokers; w.rf >= b {
		return out, fmt.Errorf("param replication_factor=%d: a move needs a broker outside the replicas, and the cluster has %d brokers", w.rf, b)
	}
	env.Progressf("  creating %d topics x %d partitions (replication factor %d)", w.topics, w.partitions, w.rf)
	names, brokers, err := setupTopics(ctx, env, "r", w.topics, w.partitions, w.rf, w.timeout)
	if err != nil {
		return out, err
	}
	out.Params["brokers"] = strconv.Itoa(len(brokers))
	// A KRaft broker serves the new topics before it has made their replica
	// logs, and applies nothing newer until it has: the first batch would
	// time the setup's log work too.
	if _, last, err := awaitLogsMade(ctx, env, w.timeout); err != nil {
		return out, fmt.Errorf("wait for the setup's replica logs: %w (last: %s)", err, last)
	}

	checks := newSafetyRun(env)
	clients, err := checks.probeClients()
	if err != nil {
		return out, err
	}
	stopWatch := checks.watch(ctx, env.Cluster)
	p := startProbe(ctx, env, clients, brokers, w.rate, int16(min(w.rf, len(brokers)-1)), w.write)

	var runErr error
	var starts []time.Time
	next := 0
	for b := 0; b < w.batches && ctx.Err() == nil; b++ {
		specs, err := w.plan(ctx, env, names, brokers, &next)
		if err != nil {
			runErr = err
			break
		}
		start, err := w.batch(ctx, env, ra, brokers, specs)
		if !start.IsZero() {
			starts = append(starts, start)
		}
		if err != nil {
			runErr = fmt.Errorf("batch %d: %w", b+1, err)
			break
		}
		env.Progressf("  batch %d/%d: %d partitions moved", b+1, w.batches, len(specs))
		if err := sleepCtx(ctx, w.gap); err != nil {
			break
		}
	}
	// The last batch's window closes by the probe's later writes: give it
	// one stall's worth of them before stopping.
	_ = sleepCtx(ctx, w.stall+time.Second)
	p.stop()
	stopWatch()
	out.Notes = append(out.Notes, w.unavailability(env, p, starts)...)
	out.Notes = append(out.Notes,
		fmt.Sprintf("each batch moves %d partitions' replicas to the next broker in id order; reassign_complete and reassign_propagation poll every %v (their resolution, plus one round trip)", w.move, w.poll),
		"there is no data plane: a new replica is caught up once its broker has made the log (docs/fidelity.md), so a batch's time is the control plane's part of a reassignment")
	if skipped := p.skipped.Load(); skipped > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d probe ticks skipped: %d calls were outstanding", skipped, cap(p.inFlight)))
	}
	if runErr != nil || ctx.Err() != nil {
		return out, errors.Join(runErr, ctx.Err())
	}
	note, err := checks.final(ctx, brokers, w.timeout)
	out.Notes = append(out.Notes, note)
	return out, err
}

// plan returns the next batch: the move partitions after *next (in topic
// then partition order, wrapping), each to the next brokers in id order.
func (w *reassign) plan(ctx context.Context, env *Env, names []string, brokers []int32, next *int) ([]cluster.ReassignSpec, error) {
	mctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	img, err := env.Admin.Metadata(mctx)
	if err != nil {
		return nil, fmt.Errorf("read the assignment: %w", err)
	}
	sorted := slices.Sorted(slices.Values(brokers))
	total := len(names) * w.partitions
	specs := make([]cluster.ReassignSpec, 0, w.move)
	for range w.move {
		i := *next % total
		*next++
		topic, part := names[i/w.partitions], int32(i%w.partitions)
		t, ok := img.Topics[topic]
		if !ok || int(part) >= len(t.Partitions) {
			return nil, fmt.Errorf("topic %s partition %d is not in the cluster's metadata", topic, part)
		}
		specs = append(specs, cluster.ReassignSpec{Topic: topic, Partition: part, Replicas: shiftReplicas(t.Partitions[part].Replicas, sorted)})
	}
	return specs, nil
}

// shiftReplicas moves every replica to the next broker of sorted (a
// bijection, so the result has no duplicates).
func shiftReplicas(replicas, sorted []int32) []int32 {
	out := make([]int32, len(replicas))
	for i, r := range replicas {
		j := slices.Index(sorted, r)
		out[i] = sorted[(j+1)%len(sorted)]
	}
	return out
}

// batch sends one reassignment and waits until the controller has none of
// it in progress and every broker serves the targets. It returns the
// request's start.
func (w *reassign) batch(ctx context.Context, env *Env, ra cluster.ReassignAdmin, brokers []int32, specs []cluster.ReassignSpec) (time.Time, error) {
	bctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	start := time.Now()
	var res []cluster.PartitionResult
	err := timed(env.Rec, "reassign", func() error {
		var err error
		res, err = ra.AlterPartitionReassignments(bctx, specs)
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Code != 0 {
				return fmt.Errorf("%s-%d: %w", r.Topic, r.Partition, r.Err())
			}
		}
		return nil
	})
	if err != nil {
		return start, fmt.Errorf("reassign: %w", err)
	}
	which := byTopic(specs)
	for {
		t := time.Now()
		got, err := ra.ListPartitionReassignments(bctx, which)
		env.Rec.Record(metrics.Sample{Op: "list_reassignments", Start: t, End: time.Now(), Err: err})
		if err == nil && len(got) == 0 {
			env.Rec.Record(metrics.Sample{Op: "reassign_complete", Start: start, End: time.Now()})
			break
		}
		if bctx.Err() != nil {
			env.Rec.Record(metrics.Sample{Op: "reassign_complete", Start: start, End: time.Now(), Err: bctx.Err()})
			return start, fmt.Errorf("still reassigning %d partitions after %v", len(got), w.timeout)
		}
		time.Sleep(w.poll)
	}
	want := map[string]map[int32][]int32{}
	for _, s := range specs {
		if want[s.Topic] == nil {
			want[s.Topic] = map[int32][]int32{}
		}
		want[s.Topic][s.Partition] = s.Replicas
	}
	err = awaitBrokers(bctx, env, brokers, start, "reassign_propagation", func(ctx context.Context, id int32) (bool, error) {
		t := time.Now()
		img, err := env.Admin.BrokerView(ctx, id)
		env.Rec.Record(metrics.Sample{Op: "metadata", Start: t, End: time.Now(), Err: err})
		if err != nil {
			return false, nil
		}
		return servesTargets(img, want), nil
	}, w.poll)
	return start, err
}

// byTopic lists specs' partitions per topic, topics in first-seen order.
func byTopic(specs []cluster.ReassignSpec) []cluster.TopicPartitions {
	var out []cluster.TopicPartitions
	for _, s := range specs {
		if n := len(out); n == 0 || out[n-1].Topic != s.Topic {
			out = append(out, cluster.TopicPartitions{Topic: s.Topic})
		}
		out[len(out)-1].Partitions = append(out[len(out)-1].Partitions, s.Partition)
	}
	return out
}

// servesTargets reports whether img has every wanted partition with
// exactly its target replicas (as a set: Kafka keeps the order asked for,
// a broker's view may list them otherwise) and a leader among them.
func servesTargets(img *cluster.Image, want map[string]map[int32][]int32) bool {
	for topic, parts := range want {
		t, ok := img.Topics[topic]
		if !ok {
			return false
		}
		for id, target := range parts {
			if int(id) >= len(t.Partitions) {
				return false
			}
			p := t.Partitions[id]
			if !cluster.SameSet(p.Replicas, target) || !slices.Contains(target, p.Leader) {
				return false
			}
		}
	}
	return true
}

// unavailability records each batch's write unavailability (the windows
// that opened between its start and the next batch's) and returns notes.
func (w *reassign) unavailability(env *Env, p *probe, starts []time.Time) []string {
	if len(starts) == 0 {
		return nil
	}
	writes, ok := p.settledSince(starts[0], time.Now())
	if !ok {
		return []string{"write unavailability not measured: probe writes still outstanding after the probe stopped"}
	}
	writes = slices.DeleteFunc(writes, func(c probeCall) bool { return errors.Is(c.Err, context.Canceled) })
	ws, open := unavailableWindows(writes, w.stall)
	sums := make([]time.Duration, len(starts))
	counts := make([]int, len(starts))
	for _, win := range ws {
		i := 0
		for i+1 < len(starts) && !win.From.Before(starts[i+1]) {
			i++
		}
		sums[i] += win.To.Sub(win.From)
		counts[i]++
	}
	var notes []string
	for i := range starts {
		env.Rec.Measure(metrics.MeasureReassignUnavailable, map[string]string{"batch": strconv.Itoa(i + 1), "moved": strconv.Itoa(w.move)}, sums[i].Seconds(), "s")
		notes = append(notes, fmt.Sprintf("batch %d: writes unavailable %v (%d windows)", i+1, sums[i].Round(time.Millisecond), counts[i]))
	}
	if !open.IsZero() {
		notes = append(notes, fmt.Sprintf("a window opened %v after the first batch never closed before the probe stopped", open.Sub(starts[0]).Round(time.Millisecond)))
	}
	return notes
}
