package workloads

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/workloads/safety"
)

// chaos is a soak: a seeded schedule of faults (chaos_schedule.go) drawn
// from every fault kind the provider can inject and every target of the
// mode (failover_targets.go: the controller, a broker, and the mode's
// store), some of them overlapping pairs, each under the probe load
// (probe.go), and after every one the safety checks of package safety: the
// brokers catch up and converge on one digest, the history so far is
// linearizable, no acknowledged write is lost, and no epoch had two active
// controllers. A violation stops the run: the whole history is saved as
// JSON with porcupine's visualisation beside the results, and the error
// names the seed and the fault count that reproduce the schedule.
//
// Each fault is a round: the probe starts, the fault (and its overlapping
// second) goes in and is held, both are healed, the probe stops and the
// checks run on a history with no call outstanding (an acknowledgement
// arriving after the final read would otherwise look like a lost write).
// Probe topics are named per round, so no round reuses another's names.
//
// Bounded in count (faults) and time (duration: no new fault starts after
// it; each wait inside a round is bounded by timeout).
type chaos struct {
	count    int
	seed     uint64
	duration time.Duration
	overlap  float64
	kinds    []cluster.FaultKind
	targets  []string
	rate     float64
	rf       int
	topics   int
	hold     time.Duration
	settle   time.Duration
	timeout  time.Duration
	write    time.Duration
	stall    time.Duration
}

func newChaos(p Params) (Workload, error) {
	r := p.reader()
	w := &chaos{
		count:    r.int("faults", 100, 1, 100_000),
		seed:     uint64(r.int("seed", 1, 0, 1<<62)),
		duration: r.duration("duration", 15*time.Minute, time.Second, 24*time.Hour),
		overlap:  r.float("overlap", 0.25, 0, 1),
		rate:     r.float("rate", 10, 0.1, 1000),
		rf:       r.int("replication_factor", 2, 1, 32),
		topics:   r.int("topics", 10, 0, 10_000),
		hold:     r.duration("hold", 3*time.Second, 10*time.Millisecond, 10*time.Minute),
		settle:   r.duration("settle", time.Second, 0, 10*time.Minute),
		timeout:  r.duration("timeout", 60*time.Second, time.Second, time.Hour),
		write:    r.duration("write_timeout", 10*time.Second, 100*time.Millisecond, time.Hour),
		stall:    r.duration("stall", time.Second, time.Millisecond, time.Minute),
	}
	var errs []error
	kinds, _ := r.raw("kinds")
	if kinds == "" {
		kinds = "kill,stop,pause,partition"
	}
	for _, k := range strings.Split(kinds, ",") {
		f, err := cluster.ParseFaultKind(k)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("param kinds: %w", err))
		case !f.Heals():
			errs = append(errs, fmt.Errorf("param kinds: %s is over when it returns, so there is no fault to hold and heal", f))
		default:
			w.kinds = append(w.kinds, f)
		}
	}
	targets, _ := r.raw("targets")
	if targets == "" {
		targets = strings.Join(failoverTargets, ",")
	}
	for _, t := range strings.Split(targets, ",") {
		t = strings.TrimSpace(t)
		if !slices.Contains(failoverTargets, t) {
			errs = append(errs, fmt.Errorf("param targets: %q is not one of %s", t, strings.Join(failoverTargets, ", ")))
			continue
		}
		w.targets = append(w.targets, t)
	}
	errs = append(errs, r.done("chaos"))
	return w, errors.Join(errs...)
}

func (w *chaos) Name() string        { return "chaos" }
func (w *chaos) NeedsTimeline() bool { return true }

func (w *chaos) Run(ctx context.Context, env *Env) (Outcome, error) {
	spec := env.Cluster.Spec()
	out := Outcome{Params: map[string]string{
		"faults": strconv.Itoa(w.count), "seed": strconv.FormatUint(w.seed, 10), "duration": w.duration.String(),
		"overlap": strconv.FormatFloat(w.overlap, 'g', -1, 64), "kinds": cluster.JoinFaultKinds(w.kinds, ","),
		"targets": strings.Join(w.targets, ","), "rate": strconv.FormatFloat(w.rate, 'g', -1, 64),
		"replication_factor": strconv.Itoa(w.rf), "topics": strconv.Itoa(w.topics), "hold": w.hold.String(),
		"settle": w.settle.String(), "timeout": w.timeout.String(), "write_timeout": w.write.String(), "stall": w.stall.String(),
	}}
	if w.rf >= spec.Brokers {
		return out, fmt.Errorf("param replication_factor=%d: probe topics need fewer replicas than the %d brokers, or a create fails whenever one broker is down", w.rf, spec.Brokers)
	}
	pairs, notes := chaosPairs(env.Cluster, w.kinds, w.targets)
	out.Notes = append(out.Notes, notes...)
	if len(pairs) == 0 {
		return out, errors.New("chaos: no fault kind and target this cluster can run")
	}
	steps := chaosSchedule(w.seed, w.count, pairs, w.overlap, w.hold)
	env.Progressf("  chaos: seed %d, %d faults from %d kinds and targets, overlap %.2f (reproduce with --param seed=%d)", w.seed, len(steps), len(pairs), w.overlap, w.seed)
	for _, s := range steps {
		env.Progressf("    %s", s)
	}
	out.Notes = append(out.Notes, scheduleNote(w.seed, steps))

	brokers, err := brokerIDs(ctx, env)
	if err != nil {
		return out, err
	}
	if err := preloadTopics(ctx, env, w.topics, w.rf); err != nil {
		return out, err
	}
	checks := newSafetyRun(env)
	stopWatch := checks.watch(ctx, env.Cluster)
	defer stopWatch()

	deadline := time.Now().Add(w.duration)
	done, skipped := 0, 0
	for _, st := range steps {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if !time.Now().Before(deadline) {
			out.Notes = append(out.Notes, fmt.Sprintf("chaos: stopped after %d of %d faults: the duration (%v) was reached", done, len(steps), w.duration))
			break
		}
		note, safe, err := w.round(ctx, env, checks, brokers, st)
		out.Notes = append(out.Notes, note)
		env.Progressf("    %s", note)
		if err != nil && !safe {
			return out, w.failed(ctx, env, checks, st, len(steps), err)
		}
		if errors.Is(err, cluster.ErrFaultUnsupported) {
			skipped++
			continue
		}
		if err != nil {
			return out, fmt.Errorf("chaos: fault %d (%s): %w", st.N, st.First, err)
		}
		done++
	}
	stopWatch()
	note, err := checks.final(ctx, brokers, w.timeout)
	out.Notes = append(out.Notes, fmt.Sprintf("chaos: %d faults survived, %d skipped; at the end %s", done, skipped, note))
	if err != nil {
		return out, w.failed(ctx, env, checks, chaosStep{N: done, First: steps[max(done, 1)-1].First}, len(steps), err)
	}
	return out, nil
}

// failed is the error that ends the soak when a check did not pass: an
// interruption if ctx ended (the checks could not finish, which says
// nothing of safety), otherwise a violation.
func (w *chaos) failed(ctx context.Context, env *Env, checks *safetyRun, st chaosStep, total int, cause error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("chaos: interrupted during fault %d of %d (%s), its checks unfinished: %w", st.N, total, st.First, context.Cause(ctx))
	}
	return w.violation(env, checks, st, total, cause)
}

// violation saves the whole history and its visualisation and returns the
// error that stops the run, with what reproduces it.
func (w *chaos) violation(env *Env, checks *safetyRun, st chaosStep, total int, cause error) error {
	base := filepath.Join(env.OutputDir, env.RunID+"-chaos")
	saved := []string{}
	if err := checks.hist.WriteJSON(base + "-history.json"); err != nil {
		saved = append(saved, err.Error())
	} else {
		saved = append(saved, "history in "+base+"-history.json")
	}
	if rep, err := safety.CheckLinearizable(checks.hist, w.timeout); err != nil {
		saved = append(saved, "no visualisation: "+err.Error())
	} else if err := rep.WriteVisualization(base + ".html"); err != nil {
		saved = append(saved, err.Error())
	} else {
		saved = append(saved, "visualisation in "+base+".html")
	}
	return fmt.Errorf("chaos: safety check after fault %d of %d (%s) failed: %w; %s; reproduce with --param seed=%d --param faults=%d",
		st.N, total, st.First, cause, strings.Join(saved, ", "), w.seed, st.N)
}

// round runs one step: probe, fault(s), hold, heal, checks. safe is false
// when the checks failed (a violation, or brokers that never converged:
// "one digest after healing" is a safety property); other errors are the
// harness's (a heal that failed), and an unsupported target is a skip.
func (w *chaos) round(ctx context.Context, env *Env, checks *safetyRun, brokers []int32, st chaosStep) (note string, safe bool, err error) {
	head := fmt.Sprintf("fault %d: %s", st.N, st.First)
	clients, err := checks.probeClients()
	if err != nil {
		return head + ": " + err.Error(), true, err
	}
	round := *env
	round.RunID = fmt.Sprintf("%s-c%d", env.RunID, st.N)
	p := startProbe(ctx, &round, clients, brokers, w.rate, int16(w.rf), w.write)
	defer p.stop()
	start, heal, detail, err := w.inject(ctx, env, st)
	if errors.Is(err, cluster.ErrFaultUnsupported) {
		return head + ": not run: " + err.Error(), true, err
	}
	if err != nil {
		return head + ": " + err.Error(), true, err
	}
	head += detail
	herr := sleepCtx(ctx, time.Until(start.Add(st.Hold)))
	herr = errors.Join(herr, heal())
	if herr != nil {
		return head + ": heal: " + herr.Error(), true, herr
	}
	// Keep the load on until writes recover (or timeout), so the window
	// the fault opened closes before the probe stops.
	fw := &failover{timeout: w.timeout, write: w.write, stall: w.stall}
	unavailable, _, why := fw.awaitUnavailable(ctx, p, start)
	p.stop()
	with := "none"
	if st.With != nil {
		with = st.With.String()
	}
	labels := map[string]string{"fault": string(st.First.Kind), "target": st.First.Target, "with": with}
	seen := "writes unavailable " + unavailable.Round(time.Millisecond).String()
	if why == "" {
		env.Rec.Measure(metrics.MeasureChaosUnavailable, labels, unavailable.Seconds(), "s")
	} else {
		env.Rec.NotMeasured(metrics.MeasureChaosUnavailable, labels, "s", why)
		seen = "unavailability not measured: " + why
	}
	cnote, cerr := checks.final(ctx, brokers, w.timeout)
	note = fmt.Sprintf("%s: %s; %s", head, seen, cnote)
	if cerr != nil {
		return note, false, cerr
	}
	return note, true, nil
}

// inject puts st's fault in place and, after Delay, its overlapping one,
// both chosen from one view taken before the first (so the second names
// what the first's target was not: a broker other than the controller that
// is failing over). A second fault that would hit a node the first holds is
// left out, with a word in detail. heal undoes the second, then the first.
func (w *chaos) inject(ctx context.Context, env *Env, st chaosStep) (time.Time, func() error, string, error) {
	if err := sleepCtx(ctx, w.settle); err != nil {
		return time.Time{}, nil, "", err
	}
	ctl, err := activeController(ctx, env.Cluster, w.timeout)
	if err != nil {
		return time.Time{}, nil, "", err
	}
	before, err := env.Admin.Metadata(ctx)
	if err != nil {
		return time.Time{}, nil, "", fmt.Errorf("metadata before the fault: %w", err)
	}
	withZK := storeTarget(st.First.Target) || (st.With != nil && storeTarget(st.With.Target))
	first, view, err := pickWhenReady(ctx, env.Cluster, st.First.Target, withZK, ctl.ID, before, w.timeout)
	if err != nil {
		return time.Time{}, nil, "", err
	}
	start, heal1, err := injectAll(ctx, env, st.First.Kind, st.First.Target, first)
	if err != nil {
		return time.Time{}, nil, "", err
	}
	detail := " (" + victimList(first) + ")"
	if st.With == nil {
		return start, heal1, detail, nil
	}
	if err := sleepCtx(ctx, time.Until(start.Add(st.Delay))); err != nil {
		return start, heal1, detail, nil // the caller's hold ends at once and heals
	}
	second, err := pickVictims(st.With.Target, view)
	switch {
	case err == nil && slices.ContainsFunc(second, func(v victim) bool { return slices.Contains(first, v) }):
		return start, heal1, detail + fmt.Sprintf(", %s left out: it would hit %s again", *st.With, victimList(second)), nil
	case errors.Is(err, cluster.ErrFaultUnsupported):
		return start, heal1, detail + fmt.Sprintf(", %s left out: %v", *st.With, err), nil
	case err != nil:
		return time.Time{}, nil, "", errors.Join(err, heal1())
	}
	_, heal2, err := injectAll(ctx, env, st.With.Kind, st.With.Target, second)
	if err != nil {
		return time.Time{}, nil, "", errors.Join(err, heal1())
	}
	detail += fmt.Sprintf(", with %s (%s) after %v", *st.With, victimList(second), st.Delay.Round(time.Millisecond))
	return start, func() error { return errors.Join(heal2(), heal1()) }, detail, nil
}
