package workloads

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// failover runs a steady probe load (see probe.go) and, one after another,
// hits each target asked for (the active controller, a broker, or the
// mode's metadata store: see failover_targets.go) with each fault kind asked
// for, measuring what clients and brokers saw. Per fault it records
// (metrics.MeasureFailover, labels fault, target and measure):
//
//   - new_controller: from the fault until a node reports itself the active
//     controller in a later epoch (controller faults; polled every 50 ms).
//   - unavailable: from the first probe create after the fault that failed or
//     stalled (took longer than `stall`) until the first create after it that
//     succeeded: the window clients could not add metadata. (Deletes are
//     timed as op "delete": in ZooKeeper mode their answer also waits for
//     every replica, a cost of deletion rather than of the controller.)
//   - leaders_moved: from the fault until every surviving broker, asked
//     directly, serves a live leader other than the lost node for every
//     partition that node led (whenever the faulted node is a broker; in
//     ZooKeeper mode the controller is one).
//   - converged: from healing the fault until every broker, the healed one
//     included, is live and serves one digest.
//   - new_store_leader (zk-leader): from the fault until a surviving
//     ZooKeeper server says, asked with srvr, that it leads.
//   - writable_after_heal (zk-quorum, controller-quorum): from healing a
//     quorum loss, held for `quorum_hold`, until the first successful write;
//     what clients saw during the loss is recorded too (failover_store.go).
//
// A measure the run could not take is recorded as not measured, with why
// (Recorder.NotMeasured), besides a note: reports count it, and it never
// reads as a zero.
//
// Each fault's window is on the run's clock (Result.Faults) and the probe's
// samples keep their times (the recorder keeps a timeline), so the report
// can draw latency over time with the faults shaded.
//
// A fault stays in place until its measures are in (bounded by `timeout`)
// and for at least `hold`, then is healed (a killed or stopped node is
// started again, a paused one resumed, a partition healed). After the whole
// sequence the probe stops and the safety checks run (see safety.go); a
// violation fails the run.
type failover struct {
	faults  []cluster.FaultKind
	targets []string
	rate    float64
	rf      int
	topics  int
	hold    time.Duration
	settle  time.Duration
	timeout time.Duration
	write   time.Duration
	stall   time.Duration
	// quorumHold is how long a quorum-loss target (zk-quorum,
	// controller-quorum) is held before it is healed.
	quorumHold time.Duration
}

func newFailover(p Params) (Workload, error) {
	r := p.reader()
	w := &failover{
		rate:    r.float("rate", 10, 0.1, 1000),
		rf:      r.int("replication_factor", 2, 1, 32),
		topics:  r.int("topics", 20, 0, 10_000),
		hold:    r.duration("hold", 5*time.Second, 0, 10*time.Minute),
		settle:  r.duration("settle", 3*time.Second, 0, 10*time.Minute),
		timeout: r.duration("timeout", 90*time.Second, time.Second, time.Hour),
		write:   r.duration("write_timeout", 60*time.Second, 100*time.Millisecond, time.Hour),
		stall:   r.duration("stall", time.Second, time.Millisecond, time.Minute),
		// Below Kafka's zookeeper.session.timeout.ms (18 s) by default, so
		// ZooKeeper sessions outlive the loss (a session cannot expire
		// without a quorum, and reconnects in time once it is back).
		quorumHold: r.duration("quorum_hold", 10*time.Second, 0, 10*time.Minute),
	}
	var errs []error
	kinds, _ := r.raw("faults")
	if kinds == "" {
		kinds = cluster.JoinFaultKinds(slices.DeleteFunc(cluster.FaultKinds(), func(k cluster.FaultKind) bool { return !k.Heals() }), ",")
	}
	for _, k := range strings.Split(kinds, ",") {
		f, err := cluster.ParseFaultKind(k)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("param faults: %w", err))
		case !f.Heals():
			errs = append(errs, fmt.Errorf("param faults: %s is over when it returns, so there is no fault to hold and heal", f))
		default:
			w.faults = append(w.faults, f)
		}
	}
	targets, _ := r.raw("targets")
	if targets == "" {
		targets = "controller,broker"
	}
	for _, t := range strings.Split(targets, ",") {
		t = strings.TrimSpace(t)
		if !slices.Contains(failoverTargets, t) {
			errs = append(errs, fmt.Errorf("param targets: %q is not one of %s", t, strings.Join(failoverTargets, ", ")))
			continue
		}
		w.targets = append(w.targets, t)
	}
	errs = append(errs, r.done("failover"))
	return w, errors.Join(errs...)
}

func (w *failover) Name() string        { return "failover" }
func (w *failover) NeedsTimeline() bool { return true }

// episode is one fault and what was measured around it.
type episode struct {
	kind   cluster.FaultKind
	target string
	node   int32
	start  time.Time // fault in place
	healed time.Time
	notes  []string
}

func (w *failover) Run(ctx context.Context, env *Env) (Outcome, error) {
	spec := env.Cluster.Spec()
	out := Outcome{Params: map[string]string{
		"faults": cluster.JoinFaultKinds(w.faults, ","), "targets": strings.Join(w.targets, ","),
		"rate": strconv.FormatFloat(w.rate, 'g', -1, 64), "replication_factor": strconv.Itoa(w.rf),
		"topics": strconv.Itoa(w.topics), "hold": w.hold.String(), "settle": w.settle.String(),
		"timeout": w.timeout.String(), "write_timeout": w.write.String(), "stall": w.stall.String(),
		"quorum_hold": w.quorumHold.String(),
	}}
	if w.rf >= spec.Brokers {
		return out, fmt.Errorf("param replication_factor=%d: probe topics need fewer replicas than the %d brokers, or a create fails whenever one broker is down", w.rf, spec.Brokers)
	}
	brokers, err := brokerIDs(ctx, env)
	if err != nil {
		return out, err
	}
	if err := w.preload(ctx, env); err != nil {
		return out, err
	}

	checks := newSafetyRun(env)
	clients, err := checks.probeClients()
	if err != nil {
		return out, err
	}
	stopWatch := checks.watch(ctx, env.Cluster)

	p := startProbe(ctx, env, clients, brokers, w.rate, int16(w.rf), w.write)
	var runErr error
	for _, kind := range w.faults {
		for _, target := range w.targets {
			if ctx.Err() != nil {
				break
			}
			// Ask the cluster, not its provider's name, what it can do; a
			// cluster that cannot say refuses at injection, with the same error.
			err := cluster.CanFault(env.Cluster, kind)
			if storeTarget(target) {
				err = cluster.CanFaultStore(env.Cluster, kind)
			}
			var ep episode
			if err == nil {
				ep, err = w.episode(ctx, env, p, kind, target)
				out.Notes = append(out.Notes, ep.notes...)
			}
			if errors.Is(err, cluster.ErrFaultUnsupported) {
				note := fmt.Sprintf("%s of the %s: not run: %v", kind, target, err)
				out.Notes = append(out.Notes, note)
				env.Progressf("  %s", note)
				continue
			}
			if err != nil {
				runErr = fmt.Errorf("%s of the %s: %w", kind, target, err)
				break
			}
		}
		if runErr != nil {
			break
		}
	}
	p.stop()
	stopWatch()
	if skipped := p.skipped.Load(); skipped > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d probe ticks skipped: %d calls were outstanding", skipped, cap(p.inFlight)))
	}
	out.Notes = append(out.Notes,
		fmt.Sprintf("probe: a create (replication factor %d) and a metadata read from the next broker every %v, a delete every fourth tick, each kind on its own client; unavailable = first failed or stalled (> %v) create after the fault until the first successful one", w.rf, time.Duration(float64(time.Second)/w.rate).Round(time.Millisecond), w.stall),
		fmt.Sprintf("controller and convergence polls every %v bound the resolution of new_controller, leaders_moved and converged", pollEvery))
	if runErr != nil || ctx.Err() != nil {
		return out, errors.Join(runErr, ctx.Err())
	}
	note, err := checks.final(ctx, brokers, w.timeout)
	out.Notes = append(out.Notes, note)
	return out, err
}

// preload creates topics so every broker leads partitions: a broker fault
// then has leadership to move.
func (w *failover) preload(ctx context.Context, env *Env) error {
	return preloadTopics(ctx, env, w.topics, w.rf)
}

// preloadTopics creates n topics of 3 partitions with rf+1 replicas.
func preloadTopics(ctx context.Context, env *Env, n, rf int) error {
	if n == 0 {
		return nil
	}
	var specs []cluster.TopicSpec
	for i := range n {
		specs = append(specs, cluster.TopicSpec{Name: fmt.Sprintf("%s-f%d", env.RunID, i), NumPartitions: 3, ReplicationFactor: int16(rf + 1)})
	}
	return timed(env.Rec, "preload", func() error {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		res, err := env.Admin.CreateTopics(rctx, specs)
		if err == nil {
			err = firstTopicError(res)
		}
		if err != nil {
			return fmt.Errorf("preload %d topics: %w", n, err)
		}
		return nil
	})
}

func (w *failover) episode(ctx context.Context, env *Env, p *probe, kind cluster.FaultKind, target string) (episode, error) {
	ep := episode{kind: kind, target: target}
	if err := sleepCtx(ctx, w.settle); err != nil {
		return ep, err
	}
	ctl, err := activeController(ctx, env.Cluster, w.timeout)
	if err != nil {
		return ep, err
	}
	before, err := env.Admin.Metadata(ctx)
	if err != nil {
		return ep, fmt.Errorf("metadata before the fault: %w", err)
	}
	victims, _, err := pickWhenReady(ctx, env.Cluster, target, storeTarget(target), ctl.ID, before, w.timeout)
	if err != nil {
		return ep, err
	}
	ep.node = victims[0].node
	isBroker := len(victims) == 1 && !victims[0].store && slices.Contains(before.LiveBrokerIDs(), ep.node)
	var led []topicPartition
	if isBroker {
		led = ledBy(before, ep.node)
	}
	labels := func(measure metrics.FailoverMeasure) map[string]string {
		return map[string]string{"fault": string(kind), "target": target, "measure": string(measure)}
	}
	what := victimList(victims)
	env.Progressf("  %s of the %s (%s; controller %d in epoch %d; leads %d partitions)", kind, target, what, ctl.ID, ctl.Epoch, len(led))

	start, heal, err := injectAll(ctx, env, kind, target, victims)
	if err != nil {
		return ep, err
	}
	ep.start = start
	healAll := func() error {
		err := heal()
		ep.healed = time.Now()
		return err
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	note := func(format string, args ...any) {
		mu.Lock()
		ep.notes = append(ep.notes, fmt.Sprintf("%s of the %s (%s): ", kind, target, what)+fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	measured := func(m metrics.FailoverMeasure, at time.Time, err error) (time.Duration, bool) {
		if err != nil {
			note("%s not measured: %v", m, err)
			env.Rec.NotMeasured(metrics.MeasureFailover, labels(m), "s", err.Error())
			return 0, false
		}
		d := at.Sub(start)
		env.Rec.Measure(metrics.MeasureFailover, labels(m), d.Seconds(), "s")
		return d, true
	}
	if target == targetController {
		wg.Go(func() {
			nc, at, err := awaitNewController(ctx, env.Cluster, ctl, w.timeout)
			if d, ok := measured(metrics.FailoverNewController, at, err); ok {
				env.Progressf("    new controller %d (epoch %d) after %v", nc.ID, nc.Epoch, d.Round(time.Millisecond))
			}
		})
	}
	if target == targetZKLeader {
		wg.Go(func() {
			id, at, err := w.awaitStoreLeader(ctx, env, victims)
			if d, ok := measured(metrics.FailoverNewStoreLeader, at, err); ok {
				env.Progressf("    ZooKeeper server %d leads the ensemble after %v", id, d.Round(time.Millisecond))
			}
		})
	}
	if isBroker && len(led) > 0 {
		wg.Go(func() {
			at, err := w.awaitLeadersMoved(ctx, env, before.LiveBrokerIDs(), ep.node, led)
			if d, ok := measured(metrics.FailoverLeadersMoved, at, err); ok {
				env.Progressf("    every survivor serves new leaders for node %d's %d partitions after %v", ep.node, len(led), d.Round(time.Millisecond))
			}
		})
	}
	wg.Wait()
	hold := w.hold
	if quorumTarget(target) {
		hold = w.quorumHold
	}
	if err := sleepCtx(ctx, time.Until(start.Add(hold))); err != nil {
		_ = healAll()
		return ep, err
	}
	if quorumTarget(target) {
		w.observeQuorumLoss(ctx, env, kind, target, before, note)
	}
	if err := healAll(); err != nil {
		return ep, fmt.Errorf("heal: %w", err)
	}
	w.afterHeal(ctx, env, p, &ep, before.LiveBrokerIDs(), labels, note)
	if quorumTarget(target) {
		w.quorumLossCreates(env, p, &ep, note)
	}
	w.controllerAfter(ctx, env, ctl, target, note)
	return ep, ctx.Err()
}

// afterHeal measures converged and unavailable (and, for a quorum loss,
// writable_after_heal) once the fault is healed.
func (w *failover) afterHeal(ctx context.Context, env *Env, p *probe, ep *episode, brokers []int32, labels func(metrics.FailoverMeasure) map[string]string, note func(string, ...any)) {
	conv, err := awaitConverged(ctx, env, brokers, w.timeout)
	if err != nil {
		note("converged not measured: %v", err)
		env.Rec.NotMeasured(metrics.MeasureFailover, labels(metrics.FailoverConverged), "s", err.Error())
	} else {
		d := conv.Sub(ep.healed)
		env.Rec.Measure(metrics.MeasureFailover, labels(metrics.FailoverConverged), d.Seconds(), "s")
		env.Progressf("    healed; every broker serves one digest %v later", d.Round(time.Millisecond))
	}

	d, from, why := w.awaitUnavailable(ctx, p, ep.start)
	if why != "" {
		note("unavailable not measured: %s", why)
		env.Rec.NotMeasured(metrics.MeasureFailover, labels(metrics.FailoverUnavailable), "s", why)
		if quorumTarget(ep.target) {
			env.Rec.NotMeasured(metrics.MeasureFailover, labels(metrics.FailoverWritableAfterHeal), "s", why)
		}
		return
	}
	env.Rec.Measure(metrics.MeasureFailover, labels(metrics.FailoverUnavailable), d.Seconds(), "s")
	if d > 0 {
		env.Progressf("    writes unavailable for %v (from %v after the fault)", d.Round(time.Millisecond), from.Sub(ep.start).Round(time.Millisecond))
	} else {
		env.Progressf("    no write failed or stalled")
	}
	if quorumTarget(ep.target) {
		// A window that closed before the heal (none opened, or writes
		// came back while the quorum was still lost) is 0: writable at once.
		after := time.Duration(0)
		if d > 0 {
			after = max(0, from.Add(d).Sub(ep.healed))
		}
		env.Rec.Measure(metrics.MeasureFailover, labels(metrics.FailoverWritableAfterHeal), after.Seconds(), "s")
		env.Progressf("    writable %v after the heal", after.Round(time.Millisecond))
	}
}

// injectAll injects kind on every victim, in order, and returns when the
// first was in place and a heal that undoes them all in reverse order. If
// one injection fails, those already in place are healed.
func injectAll(ctx context.Context, env *Env, kind cluster.FaultKind, target string, victims []victim) (time.Time, func() error, error) {
	var heals []func() error
	healAll := func() error {
		var errs []error
		for i := len(heals) - 1; i >= 0; i-- {
			errs = append(errs, heals[i]())
		}
		return errors.Join(errs...)
	}
	var start time.Time
	for i, v := range victims {
		rec, heal, err := injectOn(ctx, env, kind, target, v)
		if err != nil {
			return time.Time{}, nil, errors.Join(fmt.Errorf("%s of %s: %w", kind, v, err), healAll())
		}
		if i == 0 {
			start = rec.Start
		}
		heals = append(heals, heal)
	}
	return start, healAll, nil
}

func victimList(vs []victim) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return strings.Join(s, " and ")
}

// awaitUnavailable reads the write unavailability of a fault put in place
// at fault off the probe's writes, once the fault is healed and the cluster
// converged; why says why it could not, else it is empty.
//
// Convergence does not bound the window: when a KRaft controller dies
// under separate controllers the brokers never diverge, so they agree at
// once on healing, while their writes still fail until they find the new
// leader (a first cut-off there left the window open in some runs, at
// random). So the cut-off moves on, up to the workload's timeout, until
// the window has closed. It is exact once the cut-off has passed the
// window's end: every write started before the cut-off has ended, and one
// started later cannot end before it.
func (w *failover) awaitUnavailable(ctx context.Context, p *probe, fault time.Time) (d time.Duration, from time.Time, why string) {
	deadline := time.Now().Add(w.timeout)
	for {
		cutoff := time.Now()
		var writes []probeCall
		err := pollUntil(ctx, w.write+5*time.Second, func() bool {
			var ok bool
			writes, ok = p.settledSince(fault, cutoff)
			return ok
		})
		if err != nil {
			return 0, time.Time{}, fmt.Sprintf("probe writes still outstanding %v after the cut-off (%v)", w.write+5*time.Second, err)
		}
		d, from, ok := unavailability(writes, w.stall)
		if ok && !from.Add(d).After(cutoff) {
			return d, from, ""
		}
		if !cutoff.Before(deadline) {
			return 0, from, fmt.Sprintf("no write succeeded between the first failure, %v after the fault, and %v after the cluster converged",
				from.Sub(fault).Round(time.Millisecond), w.timeout)
		}
		if err := sleepCtx(ctx, pollEvery); err != nil {
			return 0, from, fmt.Sprintf("run ended before writes recovered: %v", err)
		}
	}
}

// pickBroker returns the broker, other than the active controller, that
// leads the most partitions (ties to the lowest id).
func pickBroker(img *cluster.Image, controller int32) (int32, error) {
	best, most := int32(-1), -1
	for _, id := range img.LiveBrokerIDs() {
		if id == controller {
			continue
		}
		if n := len(ledBy(img, id)); n > most {
			best, most = id, n
		}
	}
	if best < 0 {
		return 0, errors.New("no live broker other than the active controller to fault")
	}
	return best, nil
}

// topicPartition names one partition.
type topicPartition struct {
	Topic     string
	Partition int32
}

// ledBy lists the partitions node leads in img.
func ledBy(img *cluster.Image, node int32) []topicPartition {
	var out []topicPartition
	for _, t := range img.Topics {
		for _, p := range t.Partitions {
			if p.Leader == node {
				out = append(out, topicPartition{Topic: t.Name, Partition: p.ID})
			}
		}
	}
	return out
}

// awaitLeadersMoved waits until every live broker other than lost serves,
// for each partition in led, a live leader that is not lost.
func (w *failover) awaitLeadersMoved(ctx context.Context, env *Env, brokers []int32, lost int32, led []topicPartition) (time.Time, error) {
	pending := map[int32]bool{}
	for _, b := range brokers {
		if b != lost {
			pending[b] = true
		}
	}
	var at time.Time
	var stuck string
	err := pollUntil(ctx, w.timeout, func() bool {
		for b := range pending {
			vctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			img, err := env.Admin.BrokerView(vctx, b)
			cancel()
			if err != nil {
				stuck = fmt.Sprintf("broker %d: %v", b, err)
				continue
			}
			if tp, ok := leadersMoved(img, lost, led); ok {
				delete(pending, b)
			} else {
				p := img.Topics[tp.Topic].Partitions[tp.Partition]
				stuck = fmt.Sprintf("broker %d serves %s-%d with leader %d, ISR %v", b, tp.Topic, tp.Partition, p.Leader, p.ISR)
			}
		}
		if len(pending) == 0 {
			at = time.Now()
			return true
		}
		return false
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("brokers %v do not serve a live leader other than node %d for all its partitions after %v (%s)", slices.Sorted(maps.Keys(pending)), lost, w.timeout, stuck)
	}
	return at, nil
}

// leadersMoved reports whether img serves a live leader other than lost for
// every partition in led, or the first partition that has none.
func leadersMoved(img *cluster.Image, lost int32, led []topicPartition) (topicPartition, bool) {
	for _, tp := range led {
		t, ok := img.Topics[tp.Topic]
		if !ok || int(tp.Partition) >= len(t.Partitions) {
			continue // deleted meanwhile: nothing to lead
		}
		if l := t.Partitions[tp.Partition].Leader; l == lost || l < 0 {
			return tp, false
		}
	}
	return topicPartition{}, true
}

// awaitConverged waits until every broker in want is live in every
// broker's view and all of them serve one digest, and returns when.
func awaitConverged(ctx context.Context, env *Env, want []int32, timeout time.Duration) (time.Time, error) {
	at, _, err := convergedView(ctx, env.Admin, want, timeout)
	return at, err
}

// convergedView is awaitConverged that also returns the image the brokers
// agreed on. Each round asks every broker at once, so a steady probe load
// changing the metadata leaves rounds in which they all agree.
func convergedView(ctx context.Context, adm cluster.Admin, want []int32, timeout time.Duration) (time.Time, *cluster.Image, error) {
	if len(want) == 0 {
		return time.Time{}, nil, errors.New("converge: no brokers to ask")
	}
	var at time.Time
	var agreed *cluster.Image
	last := map[int32]string{}
	err := pollUntil(ctx, timeout, func() bool {
		imgs := make([]*cluster.Image, len(want))
		errs := make([]error, len(want))
		var wg sync.WaitGroup
		for i, b := range want {
			wg.Go(func() {
				vctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				imgs[i], errs[i] = adm.BrokerView(vctx, b)
			})
		}
		wg.Wait()
		digest, same := "", true
		for i, b := range want {
			if errs[i] != nil {
				last[b] = "error: " + errs[i].Error()
				same = false
				continue
			}
			d := imgs[i].Digest()
			last[b] = d
			if digest == "" {
				digest = d
			}
			if d != digest || len(imgs[i].LiveBrokerIDs()) != len(want) {
				same = false
			}
		}
		if same {
			at, agreed = time.Now(), imgs[0]
		}
		return same
	})
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("brokers did not converge within %v: %v", timeout, last)
	}
	return at, agreed, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
