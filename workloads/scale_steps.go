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

// create adds topics of perTopic partitions (the last one smaller) until
// the cluster holds n partitions, topicsPerRequest topics per CreateTopics,
// then waits until every broker serves them all.
func (s *scaleRun) create(ctx context.Context, n int) error {
	w, env := s.w, s.env
	added := n - s.have
	var specs []cluster.TopicSpec
	for left := added; left > 0; {
		k := min(left, w.perTopic)
		specs = append(specs, cluster.TopicSpec{Name: fmt.Sprintf("%s-p%d", env.RunID, s.topics+len(specs)),
			NumPartitions: int32(k), ReplicationFactor: int16(w.rf)})
		left -= k
	}
	bound := w.createTimeout(added)
	deadline := time.Now().Add(bound)
	start := time.Now()
	lastReport := start
	for i := 0; i < len(specs); i += w.perRequest {
		batch := specs[i:min(i+w.perRequest, len(specs))]
		if time.Now().After(deadline) {
			return fmt.Errorf("create: %d of %d topics created when the step's bound of %v ended (param step_timeout)", i, len(specs), bound)
		}
		err := timed(env.Rec, "scale_create_request", func() error {
			rctx, cancel := context.WithDeadline(ctx, deadline)
			defer cancel()
			rctx, cancelReq := context.WithTimeout(rctx, createRequestTimeout)
			defer cancelReq()
			res, err := env.Admin.CreateTopics(rctx, batch)
			if err != nil {
				return err
			}
			return firstTopicError(res)
		})
		if err != nil {
			return fmt.Errorf("create topics %s..: %w", batch[0].Name, err)
		}
		if time.Since(lastReport) > 5*time.Second {
			lastReport = time.Now()
			env.Progressf("  %d partitions: created %d of %d topics (%v)", n, i+len(batch), len(specs), time.Since(start).Round(time.Second))
		}
	}
	s.topics += len(specs)
	s.have = n
	at, err := s.awaitWhole(ctx, n, time.Until(deadline))
	if err != nil {
		return err
	}
	s.measure(metrics.ScaleCreate, n, at.Sub(start), "added", strconv.Itoa(added))
	logsAt, err := s.awaitLogs(ctx, n, time.Until(deadline))
	if err != nil {
		return err
	}
	s.measure(metrics.ScaleCreateLogs, n, logsAt.Sub(start), "added", strconv.Itoa(added))
	return nil
}

// startup restarts the whole cluster and records the provider's time to
// ready; then waits until the cluster is whole again.
func (s *scaleRun) startup(ctx context.Context, n int) error {
	rs := s.env.Cluster.(cluster.Restarter)
	s.env.Progressf("  %d partitions: cold restart of every node and the store", n)
	rctx, cancel := context.WithTimeout(ctx, s.w.timeout(n)+time.Minute) // the stop may take a minute
	defer cancel()
	phases, err := rs.RestartAll(rctx)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	s.measure(metrics.ScaleStartup, n, phases[len(phases)-1].After)
	err = s.awaitSettled(ctx, n, s.w.timeout(n))
	return err
}

// failover kills -9 the active controller and times until a new one is
// reported and a probe CreateTopics succeeds; then starts the node again.
func (s *scaleRun) failover(ctx context.Context, n int) error {
	env := s.env
	timeout := s.w.timeout(n) + 2*env.Cluster.Spec().Timeouts.WithDefaults().ZKSession
	old, err := activeController(ctx, env.Cluster, 30*time.Second)
	if err != nil {
		return err
	}
	env.Progressf("  %d partitions: kill -9 of the active controller, node %d (epoch %d)", n, old.ID, old.Epoch)
	start := time.Now()
	_, heal, err := injectFault(ctx, env, cluster.FaultKill, "controller", old.ID)
	if err != nil {
		return err
	}
	_, elected, err := awaitNewController(ctx, env.Cluster, old, timeout)
	if err != nil {
		return errors.Join(err, heal())
	}
	probed, err := s.probeCreate(ctx, n, time.Until(start.Add(timeout)))
	if err != nil {
		return errors.Join(err, heal())
	}
	s.measure(metrics.ScaleFailoverElected, n, elected.Sub(start))
	s.measure(metrics.ScaleFailover, n, probed.Sub(start))
	if err := heal(); err != nil {
		return fmt.Errorf("start node %d again: %w", old.ID, err)
	}
	err = s.awaitSettled(ctx, n, s.w.timeout(n))
	return err
}

// probeCreate creates a one-partition topic, retrying until it succeeds, and
// returns when it did.
func (s *scaleRun) probeCreate(ctx context.Context, n int, timeout time.Duration) (time.Time, error) {
	var at time.Time
	var last error
	name := fmt.Sprintf("%s-probe%d", s.env.RunID, s.probes)
	s.probes++
	err := pollUntil(ctx, timeout, func() bool {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		res, err := s.env.Admin.CreateTopics(rctx, []cluster.TopicSpec{{Name: name, NumPartitions: 1, ReplicationFactor: 1}})
		if err == nil {
			err = firstTopicError(res)
			if err != nil && strings.Contains(err.Error(), "TOPIC_ALREADY_EXISTS") {
				err = nil // an earlier attempt that timed out created it
			}
		}
		last = err
		if err == nil {
			at = time.Now()
		}
		return err == nil
	})
	if err != nil {
		return at, fmt.Errorf("probe CreateTopics never succeeded within %v at %d partitions: %w (last: %v)", timeout, n, err, last)
	}
	return at, nil
}

// controlledShutdown stops, gracefully, the broker leading the most
// partitions and times until the stop returned and until every surviving
// broker serves other leaders for them; then starts it again.
func (s *scaleRun) controlledShutdown(ctx context.Context, n int) error {
	env := s.env
	victim, led, err := s.pickLeader(ctx)
	if err != nil {
		return err
	}
	env.Progressf("  %d partitions: graceful stop of broker %d, which leads %d of them", n, victim, led)
	start := time.Now()
	_, heal, err := injectFault(ctx, env, cluster.FaultStop, "broker", victim)
	stopped := time.Now()
	if err != nil {
		return err
	}
	var survivors []int32
	for _, id := range scaleBrokerIDs(env.Cluster) {
		if id != victim {
			survivors = append(survivors, id)
		}
	}
	moved, stale, err := s.awaitMovedOff(ctx, survivors, victim, led, s.w.timeout(n))
	if err != nil {
		return errors.Join(err, heal())
	}
	if stale != "" {
		s.csWindow = append(s.csWindow, fmt.Sprintf("%d (%s)", n, stale))
	}
	s.measure(metrics.ScaleControlledShutdownStop, n, stopped.Sub(start))
	s.measure(metrics.ScaleControlledShutdown, n, moved.Sub(start), "led", strconv.Itoa(led))
	if err := heal(); err != nil {
		return fmt.Errorf("start broker %d again: %w", victim, err)
	}
	err = s.awaitSettled(ctx, n, s.w.timeout(n))
	return err
}

// pickLeader returns the broker that leads the most partitions and how many;
// in ZooKeeper mode the active controller is left out, so the step measures
// a broker's shutdown and not a controller failover too.
func (s *scaleRun) pickLeader(ctx context.Context) (int32, int, error) {
	mctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	img, err := s.env.Admin.Metadata(mctx)
	if err != nil {
		return 0, 0, fmt.Errorf("metadata: %w", err)
	}
	skip := int32(-1)
	if s.env.Cluster.Spec().Mode == cluster.ModeZK {
		if v, err := activeController(ctx, s.env.Cluster, 30*time.Second); err == nil {
			skip = v.ID
		}
	}
	count := map[int32]int{}
	for _, t := range img.Topics {
		for _, p := range t.Partitions {
			if len(p.Replicas) > 1 { // a lone replica has nowhere to go
				count[p.Leader]++
			}
		}
	}
	best, most := int32(-1), 0
	for _, id := range scaleBrokerIDs(s.env.Cluster) {
		if id != skip && count[id] > most {
			best, most = id, count[id]
		}
	}
	if best < 0 {
		return 0, 0, errors.New("no broker leads a partition")
	}
	return best, most, nil
}

// awaitMovedOff waits until every survivor serves no partition led by gone
// (nor leaderless). It also returns what a survivor that answered showed
// otherwise after the stop had returned, "" when none did.
func (s *scaleRun) awaitMovedOff(ctx context.Context, survivors []int32, gone int32, led int, timeout time.Duration) (time.Time, string, error) {
	var at time.Time
	var last, stale string
	err := pollUntil(ctx, timeout, func() bool {
		for _, id := range survivors {
			vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			img, err := s.env.Admin.BrokerView(vctx, id)
			cancel()
			if err != nil {
				last = fmt.Sprintf("broker %d: %v", id, err)
				return false
			}
			if k := scaleLedBy(img, gone); k > 0 {
				last = fmt.Sprintf("broker %d still served %d partitions led by %d or by none", id, k, gone)
				if stale == "" {
					stale = last
				}
				return false
			}
		}
		at = time.Now()
		return true
	})
	if err != nil {
		return at, stale, fmt.Errorf("the %d partitions broker %d led did not move within %v: %w (last: %s)", led, gone, timeout, err, last)
	}
	return at, stale, nil
}

// scaleLedBy counts the replicated partitions img shows led by id or by
// nobody (the probes' single replicas cannot move).
func scaleLedBy(img *cluster.Image, id int32) int {
	k := 0
	for _, t := range img.Topics {
		for _, p := range t.Partitions {
			if len(p.Replicas) > 1 && (p.Leader == id || p.Leader == cluster.NoLeader) {
				k++
			}
		}
	}
	return k
}

// awaitSettled waits until the cluster is whole and every broker has made
// the replica logs of the image it serves, so that the next step starts on
// a quiet cluster and does not time the tail of the last one (a KRaft
// broker that is still making logs applies no newer metadata).
func (s *scaleRun) awaitSettled(ctx context.Context, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	if _, err := s.awaitWhole(ctx, n, timeout); err != nil {
		return err
	}
	_, err := s.awaitLogs(ctx, n, time.Until(deadline))
	return err
}

// awaitLogs waits until no broker reports replica logs behind its image
// (cluster.Status.LogsBehind) and returns when.
func (s *scaleRun) awaitLogs(ctx context.Context, n int, timeout time.Duration) (time.Time, error) {
	at, last, err := awaitLogsMade(ctx, s.env, timeout)
	if err != nil {
		return at, fmt.Errorf("replica logs not made within %v at %d partitions: %w (last: %s)", timeout, n, err, last)
	}
	return at, nil
}

// awaitLogsMade waits until no broker of env's cluster reports replica logs
// behind its image (cluster.Status.LogsBehind: a KRaft broker serves an
// image before it has made its logs) and returns when, or the last reason
// it saw to wait.
func awaitLogsMade(ctx context.Context, env *Env, timeout time.Duration) (time.Time, string, error) {
	var at time.Time
	var last string
	err := pollUntil(ctx, timeout, func() bool {
		for _, id := range scaleBrokerIDs(env.Cluster) {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			st, err := env.Cluster.Status(sctx, id)
			cancel()
			switch {
			case err != nil:
				last = fmt.Sprintf("broker %d: %v", id, err)
				return false
			case st.LogsBehind:
				last = fmt.Sprintf("broker %d still making replica logs", id)
				return false
			}
		}
		at = time.Now()
		return true
	})
	return at, last, err
}

// awaitWhole waits until every broker is registered and unfenced and serves
// one digest, with at least n partitions, each led by a live broker with
// every replica in its ISR; it returns when that was first seen.
func (s *scaleRun) awaitWhole(ctx context.Context, n int, timeout time.Duration) (time.Time, error) {
	c := s.env.Cluster
	brokers := scaleBrokerIDs(c)
	var at time.Time
	var last, checked string
	err := pollUntil(ctx, timeout, func() bool {
		digest := ""
		for _, id := range brokers {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			st, err := c.Status(sctx, id)
			cancel()
			switch {
			case err != nil:
				last = fmt.Sprintf("broker %d: %v", id, err)
				return false
			case !st.Registered || st.Fenced:
				last = fmt.Sprintf("broker %d not registered and unfenced", id)
				return false
			case digest != "" && st.Digest != digest:
				last = "brokers serve different digests"
				return false
			}
			digest = st.Digest
		}
		if digest == checked {
			return false // this image was found wanting already
		}
		vctx, cancel := context.WithTimeout(ctx, time.Minute)
		img, err := s.env.Admin.BrokerView(vctx, brokers[0])
		cancel()
		if err != nil {
			last = fmt.Sprintf("broker %d metadata: %v", brokers[0], err)
			return false
		}
		if img.Digest() != digest {
			return false // moved on since the status poll
		}
		if why := scaleWhole(img, len(brokers), n); why != "" {
			last, checked = why, digest
			return false
		}
		at = time.Now()
		return true
	})
	if err != nil {
		return at, fmt.Errorf("cluster not whole within %v at %d partitions: %w (last: %s)", timeout, n, err, last)
	}
	return at, nil
}

// scaleWhole says what keeps img from being whole, "" when nothing does.
func scaleWhole(img *cluster.Image, brokers, n int) string {
	if len(img.Brokers) != brokers {
		return fmt.Sprintf("%d brokers live, want %d", len(img.Brokers), brokers)
	}
	parts := 0
	for _, t := range img.Topics {
		for _, p := range t.Partitions {
			parts++
			if _, ok := img.Brokers[p.Leader]; !ok {
				return fmt.Sprintf("%s-%d led by %d, not a live broker", t.Name, p.ID, p.Leader)
			}
			if len(p.ISR) != len(p.Replicas) {
				return fmt.Sprintf("%s-%d has ISR %v of replicas %v", t.Name, p.ID, p.ISR, p.Replicas)
			}
		}
	}
	if parts < n {
		return fmt.Sprintf("%d partitions served, want %d", parts, n)
	}
	return ""
}

// scaleBrokerIDs lists the cluster's broker node ids, sorted.
func scaleBrokerIDs(c cluster.Cluster) []int32 {
	var ids []int32
	for _, n := range c.Nodes() {
		if n.Kind == "node" && slices.Contains(n.Roles, cluster.RoleBroker) {
			ids = append(ids, n.ID)
		}
	}
	slices.Sort(ids)
	return ids
}
