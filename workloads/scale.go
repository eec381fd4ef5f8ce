package workloads

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// scale measures how the control plane's costs grow with the partition
// count, on one cluster that grows: for each count of the sweep (param
// `partitions`, ascending) it adds topics until the cluster holds that many
// partitions, then runs each step (param `steps`), in this order:
//
//   - create: from the first CreateTopics of the increment until every broker
//     serves all of it (one digest). Label added gives the partitions created.
//     create_logs is the same until every broker has also made the replica
//     logs of them (cluster.Status.LogsBehind): later for KRaft brokers,
//     which publish an image before making its logs, than for ZooKeeper-mode
//     brokers, which make them before answering LeaderAndIsr.
//   - controlled_shutdown: a graceful stop of the broker leading the most
//     replicated partitions (in ZooKeeper mode one that is not the
//     controller), until the stop returned and every surviving broker serves
//     other leaders for them; controlled_shutdown_stop is the part until the
//     stop returned. Label led gives the leaderships it held.
//   - failover: kill -9 of the active controller, until a new one reports
//     itself active and a probe CreateTopics (one partition, one replica)
//     succeeds; failover_elected is the part until the new controller is
//     reported.
//   - startup: a cold start of the whole cluster (cluster.Restarter), from
//     the first process started until ready, as the provider measures it.
//
// After each fault the node is started again and the step waits until the
// cluster is whole (every broker registered and unfenced, one digest, every
// partition led by a live broker with its full ISR) and every broker has
// made its replica logs before the next; every
// wait is bounded (param step_timeout, else 2 min + 3 ms per partition; the
// create step 2 min + 10 ms per partition added, each CreateTopics 5 min).
// Each step is one metrics.MeasureScale (labels step, partitions) and each
// node's resident memory after it one metrics.MeasureScaleMemory (labels
// node, partitions, step), from the cluster's ResourceReporter. A sweep
// beyond 1,000,000 partitions is refused; a count the machine's memory or
// the ZooKeeper servers' heap cannot hold (scale_memory.go) ends the mode's
// sweep there, with the reason in the results' notes.
type scale struct {
	counts      []int
	rf          int
	perTopic    int
	perRequest  int
	steps       []metrics.ScaleStep
	stepTimeout time.Duration
}

// scaleSteps lists the steps a sweep can run, in the order they run at each
// count (their names, with the parts some record, are metrics.ScaleSteps).
//
// The controlled shutdown runs first, while the new partitions' leaders are
// still spread by placement: neither mode models Kafka's preferred-leader
// rebalancing (every 300 s by default), so after a failover or a cold
// start the leaderships stay piled on the brokers that took them over.
var scaleSteps = []metrics.ScaleStep{metrics.ScaleCreate, metrics.ScaleControlledShutdown, metrics.ScaleFailover, metrics.ScaleStartup}

// maxScalePartitions is the largest count a sweep accepts.
const maxScalePartitions = 1_000_000

func newScale(p Params) (Workload, error) {
	r := p.reader()
	w := &scale{
		rf:          r.int("replication_factor", 3, 1, 32),
		perTopic:    r.int("partitions_per_topic", 100, 1, 10_000),
		perRequest:  r.int("topics_per_request", 10, 1, 1000),
		stepTimeout: r.duration("step_timeout", 0, 0, 24*time.Hour),
	}
	var errs []error
	counts := "1000,10000,100000"
	if v, ok := r.raw("partitions"); ok {
		counts = v
	}
	var err error
	if w.counts, err = parseScaleCounts(counts); err != nil {
		errs = append(errs, err)
	}
	steps := joinSteps(scaleSteps)
	if v, ok := r.raw("steps"); ok {
		steps = v
	}
	if w.steps, err = parseScaleSteps(steps); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, r.done("scale"))
	return w, errors.Join(errs...)
}

// parseScaleCounts reads the sweep: ascending distinct counts in
// 1..maxScalePartitions.
func parseScaleCounts(v string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("param partitions=%q: want ascending partition counts separated by commas, e.g. 1000,10000,100000", v)
		}
		if n > maxScalePartitions {
			return nil, fmt.Errorf("param partitions=%q: %d is more than the %d partitions a sweep goes to (kraftbench holds every partition in each broker's and controller's memory; see the memory estimate in the scale workload's doc)", v, n, maxScalePartitions)
		}
		if len(out) > 0 && n <= out[len(out)-1] {
			return nil, fmt.Errorf("param partitions=%q: counts must increase (the cluster grows from one to the next)", v)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseScaleSteps(v string) ([]metrics.ScaleStep, error) {
	var out []metrics.ScaleStep
	for _, f := range strings.Split(v, ",") {
		step := metrics.ScaleStep(strings.TrimSpace(f))
		if !slices.Contains(scaleSteps, step) {
			return nil, fmt.Errorf("param steps=%q: %q is not a step; want some of %s", v, step, joinSteps(scaleSteps))
		}
		if !slices.Contains(out, step) {
			out = append(out, step)
		}
	}
	if !slices.Contains(out, metrics.ScaleCreate) {
		out = append([]metrics.ScaleStep{metrics.ScaleCreate}, out...) // the cluster must grow
	}
	return out, nil
}

func joinSteps(steps []metrics.ScaleStep) string {
	s := make([]string, len(steps))
	for i, st := range steps {
		s[i] = string(st)
	}
	return strings.Join(s, ",")
}

func (w *scale) Name() string { return "scale" }

// timeout is the bound of one wait at count n: two minutes plus 3 ms per
// partition, unless param step_timeout sets it.
func (w *scale) timeout(n int) time.Duration {
	if w.stepTimeout > 0 {
		return w.stepTimeout
	}
	return 2*time.Minute + time.Duration(n)*3*time.Millisecond
}

// createTimeout bounds the create step that adds added partitions: two
// minutes plus 10 ms per partition added, unless param step_timeout sets
// it. Creation is bound by the brokers making their replica logs, whose
// cost per log grows with the logs a broker already has: on this project's
// 2-core machine ZooKeeper mode's step to 1M partitions made 665k of the
// 900k added in 52 minutes (4.7 ms each, 3.9 ms at the 100k step) and was
// still going when the count-based bound of timeout ended it.
func (w *scale) createTimeout(added int) time.Duration {
	if w.stepTimeout > 0 {
		return w.stepTimeout
	}
	return 2*time.Minute + time.Duration(added)*10*time.Millisecond
}

// createRequestTimeout bounds one CreateTopics of the create step, so a
// cluster that stops answering is noticed in minutes, not at the step's
// end.
const createRequestTimeout = 5 * time.Minute

func (w *scale) Run(ctx context.Context, env *Env) (Outcome, error) {
	spec := env.Cluster.Spec()
	out := Outcome{Params: map[string]string{
		"partitions": joinInts(w.counts), "replication_factor": strconv.Itoa(w.rf),
		"partitions_per_topic": strconv.Itoa(w.perTopic), "topics_per_request": strconv.Itoa(w.perRequest),
		"steps": joinSteps(w.steps),
	}}
	if w.rf > spec.Brokers {
		return out, fmt.Errorf("param replication_factor=%d: the cluster has %d brokers", w.rf, spec.Brokers)
	}
	if slices.Contains(w.steps, metrics.ScaleStartup) {
		if _, ok := env.Cluster.(cluster.Restarter); !ok {
			return out, errors.New("scale: step startup needs a provider that can restart a whole cluster")
		}
	}
	var zkHeap int64 // unknown unless the cluster says
	if h, ok := env.Cluster.(cluster.ZKHeapReporter); ok {
		zkHeap = h.ZKHeapBytes()
	}
	mem := newScaleMemory(spec, zkHeap)
	if err := mem.check(w.counts[0]); err != nil {
		return out, err // not even the first count fits
	}
	s := &scaleRun{w: w, env: env}
	for i, n := range w.counts {
		// A count that will not fit ends this mode's sweep, not the run: the
		// other mode may hold it, and what was measured stays.
		if err := mem.check(n); err != nil {
			env.Progressf("  %d partitions refused: %v", n, err)
			out.Notes = append(out.Notes, fmt.Sprintf("scale: the sweep stopped before %s partitions: %v", joinInts(w.counts[i:]), err))
			break
		}
		for _, step := range w.steps {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			if err := s.step(ctx, step, n); err != nil {
				return out, fmt.Errorf("scale %s at %d partitions: %w", step, n, err)
			}
			mem.observe(n, s.recordMemory(ctx, step, n))
		}
	}
	out.Notes = append(out.Notes, s.notes()...)
	return out, ctx.Err()
}

func joinInts(vs []int) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

// scaleRun is one sweep's state.
type scaleRun struct {
	w      *scale
	env    *Env
	have   int // partitions created so far
	topics int // topics created so far
	probes int

	// csWindow lists the counts at which a survivor still named the stopped
	// broker as a leader after the stop returned, with what was seen.
	csWindow []string
}

func (s *scaleRun) step(ctx context.Context, step metrics.ScaleStep, n int) error {
	switch step {
	case metrics.ScaleCreate:
		return s.create(ctx, n)
	case metrics.ScaleStartup:
		return s.startup(ctx, n)
	case metrics.ScaleFailover:
		return s.failover(ctx, n)
	case metrics.ScaleControlledShutdown:
		return s.controlledShutdown(ctx, n)
	}
	return fmt.Errorf("unknown step %q", step)
}

// measure records one step's time.
func (s *scaleRun) measure(step metrics.ScaleStep, n int, d time.Duration, extra ...string) {
	labels := map[string]string{"step": string(step), "partitions": strconv.Itoa(n)}
	for i := 0; i+1 < len(extra); i += 2 {
		labels[extra[i]] = extra[i+1]
	}
	s.env.Rec.Measure(metrics.MeasureScale, labels, d.Seconds(), "s")
	s.env.Progressf("  %d partitions: %s %v", n, step, d.Round(time.Millisecond))
}

// recordMemory records every running node's resident memory and returns
// their sum (0 when the cluster cannot tell).
func (s *scaleRun) recordMemory(ctx context.Context, step metrics.ScaleStep, n int) int64 {
	rr, ok := s.env.Cluster.(cluster.ResourceReporter)
	if !ok {
		return 0
	}
	uctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	usage, err := rr.Usage(uctx)
	if err != nil && len(usage) == 0 {
		s.env.Log.Warn("scale: no memory figures", "err", err)
		return 0
	}
	var total int64
	for name, u := range usage {
		if u.RSSBytes < 0 {
			continue
		}
		total += u.RSSBytes
		s.env.Rec.Measure(metrics.MeasureScaleMemory,
			map[string]string{"node": name, "partitions": strconv.Itoa(n), "step": string(step)}, float64(u.RSSBytes), "By")
	}
	return total
}

func (s *scaleRun) notes() []string {
	notes := []string{
		"scale: every step's time is from the action until the state it names was observed, by polls every 50 ms of each node's status (and, for leaders and ISRs, of one broker's Metadata, which takes longer at large counts); memory is each process's resident set after the step",
		"scale: create is timed for the partitions added to reach the count (label added), not for all of them",
	}
	if len(s.csWindow) > 0 {
		notes = append(notes, "scale: right after a controlled shutdown returned, a surviving broker still served the stopped broker as a leader, at partitions: "+strings.Join(s.csWindow, "; "))
	}
	return notes
}
