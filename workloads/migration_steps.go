package workloads

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/migrate"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/workloads/safety"
)

// migrationRun is one migration workload run under way.
type migrationRun struct {
	w          *migration
	env        *Env
	brokers    []int32
	partitions string // the label value
	p          *probe
	preloaded  []string

	// segments are the steps in the order they began: the write
	// unavailability a window causes is the step's whose segment it opens
	// in. Only the steps' goroutine appends.
	segments []segment
	mu       sync.Mutex
	handover time.Time // first broker seen following a KRaft controller
	stopAt   time.Time // when the probe was told to stop
	checks   []string
	hist     *safety.History // the probe's writes, for evidence
	notes    []string
}

type segment struct {
	step string
	from time.Time
}

func (m *migrationRun) mark(step string, at time.Time) {
	m.segments = append(m.segments, segment{step, at})
}

func (m *migrationRun) phase(name string, d time.Duration) {
	m.env.Rec.Measure(metrics.MeasureMigrationPhase, map[string]string{"phase": name, "partitions": m.partitions}, d.Seconds(), "s")
}

// migrationEventPhases names the parts cluster/migrate reports as phases;
// "finalize" is the step itself, timed by the workload.
var migrationEventPhases = map[string]string{
	"start controllers":       "start_controllers",
	"link brokers":            "start_link",
	"copy metadata":           "start_copy",
	"rollback brokers to zk":  "rollback_brokers",
	"rollback controller":     "rollback_controller",
	"rollback unlink brokers": "rollback_unlink",
	"finalize":                "",
}

// event hears a part of a step as cluster/migrate completes it.
func (m *migrationRun) event(name string, took time.Duration) {
	phase, ok := migrationEventPhases[name]
	if !ok {
		phase = strings.ReplaceAll(name, " ", "_") // "roll broker 2" -> roll_broker_2
	}
	if name == "start controllers" {
		m.mark("link", time.Now())
	}
	if phase != "" {
		m.phase(phase, took)
		m.env.Progressf("    %s: %v", phase, took.Round(time.Millisecond))
	}
}

// preload creates the partitions the migration copies, perTopic to a topic,
// and waits until every broker serves them.
func (m *migrationRun) preload(ctx context.Context) error {
	w, env := m.w, m.env
	if w.partitions == 0 {
		return nil
	}
	var specs []cluster.TopicSpec
	for left := w.partitions; left > 0; {
		k := min(left, w.perTopic)
		specs = append(specs, cluster.TopicSpec{Name: fmt.Sprintf("%s-m%d", env.RunID, len(specs)),
			NumPartitions: int32(k), ReplicationFactor: int16(w.rf)})
		left -= k
	}
	start := time.Now()
	deadline := start.Add(w.timeout)
	lastReport := start
	for i := 0; i < len(specs); i += w.perRequest {
		batch := specs[i:min(i+w.perRequest, len(specs))]
		err := timed(env.Rec, "preload", func() error {
			rctx, cancel := context.WithDeadline(ctx, deadline)
			defer cancel()
			res, err := env.Admin.CreateTopics(rctx, batch)
			if err == nil {
				err = firstTopicError(res)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("preload topics %s..: %w", batch[0].Name, err)
		}
		for _, s := range batch {
			m.preloaded = append(m.preloaded, s.Name)
		}
		if time.Since(lastReport) > 5*time.Second {
			lastReport = time.Now()
			env.Progressf("  preload: %d of %d topics (%v)", i+len(batch), len(specs), time.Since(start).Round(time.Second))
		}
	}
	at, _, err := convergedView(ctx, env.Admin, m.brokers, time.Until(deadline))
	if err != nil {
		return fmt.Errorf("preload: %w", err)
	}
	env.Progressf("  preloaded %d partitions in %d topics; every broker serves them after %v", w.partitions, len(specs), at.Sub(start).Round(time.Millisecond))
	return nil
}

// steps runs start, the roll of each broker and the last step, each
// followed by the checks, with settle between them.
func (m *migrationRun) steps(ctx context.Context) error {
	w, env := m.w, m.env
	o := migrate.Options{Controllers: w.controllers, Timeout: w.timeout, Event: m.event}
	if err := sleepCtx(ctx, w.settle); err != nil {
		return err
	}

	env.Progressf("  start: %d KRaft controllers in migration mode, brokers linked, metadata copied", w.controllers)
	begin := time.Now()
	m.mark("controllers", begin)
	fi := env.Rec.FaultStarted("migrate-start", "controller", "quorum", begin)
	hctx, stopHandover := context.WithCancel(ctx)
	handoverDone := make(chan struct{})
	go func() { defer close(handoverDone); m.watchHandover(hctx) }()
	err := migrate.Start(ctx, env.Cluster, o)
	end := time.Now()
	env.Rec.FaultEnded(fi, end)
	if err == nil {
		// The brokers may take the pushed metadata after start returned.
		select {
		case <-handoverDone:
		case <-time.After(min(w.timeout, handoverGrace)):
		}
	}
	stopHandover()
	<-handoverDone
	if err != nil {
		return err
	}
	startD := end.Sub(begin)
	m.phase("start", startD)
	if err := m.check(ctx, "start"); err != nil {
		return err
	}

	var rollD time.Duration
	for _, id := range m.brokers {
		if err := sleepCtx(ctx, w.settle); err != nil {
			return err
		}
		env.Progressf("  roll: broker %d into KRaft mode", id)
		t := time.Now()
		m.mark(fmt.Sprintf("roll_broker_%d", id), t)
		fi := env.Rec.FaultStarted("roll", "broker", strconv.Itoa(int(id)), t)
		err := migrate.Roll(ctx, env.Cluster, []int32{id}, o)
		e := time.Now()
		env.Rec.FaultEnded(fi, e)
		if err != nil {
			return err
		}
		rollD += e.Sub(t)
		if err := m.check(ctx, fmt.Sprintf("the roll of broker %d", id)); err != nil {
			return err
		}
	}
	m.phase("roll", rollD)

	if err := sleepCtx(ctx, w.settle); err != nil {
		return err
	}
	env.Progressf("  %s", w.finish)
	t := time.Now()
	m.mark(w.finish, t)
	fi = env.Rec.FaultStarted(w.finish, "controller", "quorum", t)
	want := migrate.PhaseFinalized
	if w.finish == "rollback" {
		want = migrate.PhaseZK
		err = migrate.Rollback(ctx, env.Cluster, o)
	} else {
		err = migrate.Finalize(ctx, env.Cluster, o)
	}
	e := time.Now()
	env.Rec.FaultEnded(fi, e)
	if err != nil {
		return err
	}
	m.phase(w.finish, e.Sub(t))
	m.phase("total", startD+rollD+e.Sub(t))
	env.Progressf("    %s: %v; migration total %v", w.finish, e.Sub(t).Round(time.Millisecond), (startD + rollD + e.Sub(t)).Round(time.Millisecond))
	if err := m.check(ctx, w.finish); err != nil {
		return err
	}
	var st migrate.State
	var stErr error
	if err := pollUntil(ctx, w.timeout, func() bool {
		st, stErr = migrate.ReadState(ctx, env.Cluster)
		return stErr == nil && st.Phase == want
	}); err != nil {
		return fmt.Errorf("after %s the cluster is in phase %s, want %s (%v)", w.finish, st.Phase, want, stErr)
	}
	// Let the probe see the cluster after the last step too.
	return sleepCtx(ctx, w.settle)
}

// watchHandover follows the controller handover while start runs, polling
// every pollEvery:
//
//   - the handover begins when a broker first reports a KRaft controller (a
//     node that is not a broker) as the active one: the KRaft controller has
//     taken /controller, and the ZooKeeper-mode controller stepped down;
//   - copy: until the active KRaft controller reports dual write (it has
//     copied the metadata from ZooKeeper into its log);
//   - handover: until every broker serves the active KRaft controller's
//     metadata (the same digest), pushed to them after the copy.
//
// The two are recorded as phases of start (they overlap the link when the
// controllers take over while the last broker restarts).
func (m *migrationRun) watchHandover(ctx context.Context) {
	var begin, copied time.Time
	err := pollUntil(ctx, m.w.timeout, func() bool {
		digests := map[int32]string{}
		for _, b := range m.brokers {
			sctx, cancel := context.WithTimeout(ctx, time.Second)
			st, err := m.env.Cluster.Status(sctx, b)
			cancel()
			if err != nil {
				continue
			}
			digests[b] = st.Digest
			if begin.IsZero() && st.ActiveControllerID >= 0 && !slices.Contains(m.brokers, st.ActiveControllerID) {
				begin = time.Now()
				m.mu.Lock()
				m.handover = begin
				m.mu.Unlock()
				m.env.Progressf("    handover: broker %d follows KRaft controller %d", b, st.ActiveControllerID)
			}
		}
		if begin.IsZero() {
			return false
		}
		active, ok := m.activeKRaft(ctx)
		if !ok || active.Migration != "migration" {
			return false
		}
		if copied.IsZero() {
			copied = time.Now()
			m.phase("copy", copied.Sub(begin))
		}
		for _, b := range m.brokers {
			if digests[b] != active.Digest {
				return false
			}
		}
		d := time.Since(begin)
		m.phase("handover", d)
		m.env.Progressf("    handover: metadata copied %v and served by every broker %v after the KRaft controller took over", copied.Sub(begin).Round(time.Millisecond), d.Round(time.Millisecond))
		return true
	})
	if err != nil && !begin.IsZero() {
		m.notes = append(m.notes, fmt.Sprintf("handover not measured to its end: no poll saw every broker serve the KRaft controller's metadata within %v after start returned", min(m.w.timeout, handoverGrace)))
	}
}

// handoverGrace bounds how long the handover is followed after start
// returned.
const handoverGrace = time.Minute

// activeKRaft returns the status of the KRaft controller that says it is
// the active one.
func (m *migrationRun) activeKRaft(ctx context.Context) (cluster.Status, bool) {
	for _, n := range m.env.Cluster.Nodes() {
		if n.Kind != "node" || slices.Contains(n.Roles, cluster.RoleBroker) {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		st, err := m.env.Cluster.Status(sctx, n.ID)
		cancel()
		if err == nil && st.Active {
			return st, true
		}
	}
	return cluster.Status{}, false
}

// migrationLostAfter is how long a check waits, once the brokers agree, for
// a topic that must exist to reach them before calling it lost: a broker
// learns of a change only after the controller acknowledged it.
const migrationLostAfter = 30 * time.Second

// check waits until every broker is live in every broker's view, they serve
// one digest, and that image holds every topic that must exist: every
// preloaded topic and every probe topic acknowledged and not being deleted
// when the check began. A topic still missing migrationLostAfter after the
// brokers first agreed is lost, and the run fails.
func (m *migrationRun) check(ctx context.Context, after string) error {
	start := time.Now()
	deadline := start.Add(m.w.timeout)
	var agreed time.Time
	for {
		// What must exist is read before each look: a topic the probe
		// deletes meanwhile drops out of the next round.
		want := append(slices.Clone(m.preloaded), m.p.acknowledged()...)
		at, img, err := convergedView(ctx, m.env.Admin, m.brokers, time.Until(deadline))
		if err != nil {
			return fmt.Errorf("after %s: %w", after, err)
		}
		var lost []string
		for _, name := range want {
			if _, ok := img.Topics[name]; !ok {
				lost = append(lost, name)
			}
		}
		if len(lost) == 0 {
			c := fmt.Sprintf("after %s every broker served one digest (%d topics) %v later, none of the %d topics that must exist lost", after, len(img.Topics), at.Sub(start).Round(time.Millisecond), len(want))
			m.checks = append(m.checks, c)
			m.env.Progressf("    %s", c)
			return nil
		}
		if agreed.IsZero() {
			agreed = at
		}
		if time.Since(agreed) > migrationLostAfter || time.Now().After(deadline) {
			return fmt.Errorf("after %s: %d of %d topics that must exist are lost (missing from the brokers' common view for %v): %s",
				after, len(lost), len(want), time.Since(agreed).Round(time.Second), m.acks(lost[:min(5, len(lost))]))
		}
		if err := sleepCtx(ctx, pollEvery); err != nil {
			return err
		}
	}
}

// acks names each topic with when its create was acknowledged, from the
// history: the evidence a lost topic needs.
func (m *migrationRun) acks(topics []string) string {
	var out []string
	for _, t := range topics {
		desc := t + " (a preloaded topic)"
		if m.hist != nil {
			for _, op := range m.hist.Writes() {
				if op.Topic == t && op.Kind == safety.Create && op.Outcome == safety.OK {
					desc = fmt.Sprintf("%s (create acknowledged at %s)", t, m.hist.Time(op.Return).Format("15:04:05.000"))
				}
			}
		}
		out = append(out, desc)
	}
	return strings.Join(out, ", ")
}

// unavailability attributes the probe's unavailability windows to the
// steps, records one measure per step reached, and returns notes. Call it
// once the probe has stopped.
func (m *migrationRun) unavailability() []string {
	var notes []string
	if len(m.checks) > 0 {
		notes = append(notes, "checks: "+strings.Join(m.checks, "; "))
	}
	segs := slices.Clone(m.segments)
	m.mu.Lock()
	handover := m.handover
	m.mu.Unlock()
	if !handover.IsZero() {
		i := slices.IndexFunc(segs, func(s segment) bool { return s.from.After(handover) })
		if i < 0 {
			i = len(segs)
		}
		segs = slices.Insert(segs, i, segment{"handover", handover})
	} else if len(segs) > 2 {
		notes = append(notes, "handover not seen: no broker reported a KRaft controller as active while start ran")
	}
	if len(segs) == 0 {
		return notes
	}
	all, _ := m.p.settledSince(segs[0].from, time.Now())
	// Writes the probe's stop cut short say nothing about the cluster.
	writes := slices.DeleteFunc(all, func(c probeCall) bool {
		return c.Err != nil && (errors.Is(c.Err, context.Canceled) || !m.stopAt.IsZero() && !c.End.Before(m.stopAt))
	})
	ws, open := unavailableWindows(writes, m.w.stall)
	sum := map[string]time.Duration{}
	count := map[string]int{}
	for _, win := range ws {
		step := segmentAt(segs, win.From)
		if !handover.IsZero() && win.From.Before(handover) && win.To.After(handover) {
			// Open when the ZooKeeper controller lost /controller: the part
			// from then on is the handover's.
			sum["handover"] += win.To.Sub(handover)
			count["handover"]++
			win.To = handover
		}
		sum[step] += win.To.Sub(win.From)
		count[step]++
	}
	var parts []string
	for _, s := range segs {
		m.env.Rec.Measure(metrics.MeasureMigrationUnavailable, map[string]string{"step": s.step, "partitions": m.partitions}, sum[s.step].Seconds(), "s")
		parts = append(parts, fmt.Sprintf("%s %v (%d)", s.step, sum[s.step].Round(time.Millisecond), count[s.step]))
	}
	notes = append(notes, "write unavailability per step (windows): "+strings.Join(parts, ", ")+
		"; a window counts for the step during which it opened, split at the moment a broker first reported the KRaft controller when it spans it (the rest is the handover's)")
	if !open.IsZero() {
		notes = append(notes, fmt.Sprintf("a window opened during %s never closed before the probe stopped", segmentAt(segs, open)))
	}
	return notes
}

// segmentAt is the step whose segment holds t (the first one before all).
func segmentAt(segs []segment, t time.Time) string {
	step := segs[0].step
	for _, s := range segs {
		if s.from.After(t) {
			break
		}
		step = s.step
	}
	return step
}
