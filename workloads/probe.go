package workloads

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// probe is a steady metadata load that runs while something is done to the
// cluster (a fault, a migration step): at a fixed rate it creates a topic,
// now and then deletes one it created earlier, and asks the next broker in
// turn for its metadata. Every call is recorded (ops "create", "delete",
// "metadata", with the recorder's timeline when it keeps one), so the
// latency and errors around an event can be read off the run's clock.
//
// The probe is open-loop: a call is started every 1/rate whatever the
// previous calls are doing, so a stalled controller shows up as calls that
// wait, not as a pause in the load. Outstanding ticks are bounded by
// maxInFlight (probeInFlight: enough for every tick of one whole write
// timeout, so a stall never starves the load); ticks that could not start
// beyond it are counted as skipped.
//
// Creates, deletes and reads go through three clients (probeClients), each
// with its own connections: a broker answers one request per connection at
// a time, in order, as Kafka's does (it mutes a connection while a request
// is in flight). On one shared client a DeleteTopics held in purgatory (in
// ZooKeeper mode it waits for every replica's StopReplica, so for a dead
// broker until its session expires) or a read from a paused broker would
// hold every create queued behind it, and the probe would time deletes and
// a dead broker's silence where it means to time the controller.
type probe struct {
	env     *Env
	clients probeClients
	brokers []int32
	rate    float64
	rf      int16
	timeout time.Duration

	mu      sync.Mutex
	writes  []probeCall // creates and deletes, in start order; End zero while outstanding
	created []string    // acknowledged probe topics not yet deleted
	seq     int

	skipped   atomic.Int64
	inFlight  chan struct{}
	wg        sync.WaitGroup
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// probeCall is one probe write: its window and outcome.
type probeCall struct {
	Op         string
	Start, End time.Time
	Err        error
}

// probeInFlight is the bound on outstanding ticks: rate times the write
// timeout (every tick of a stall as long as a write may last), plus slack,
// at most probeMaxInFlight.
func probeInFlight(rate float64, timeout time.Duration) int {
	return min(probeMaxInFlight, int(math.Ceil(rate*timeout.Seconds()))+16)
}

const (
	probeMaxInFlight = 4096
	// probeMaxWrites bounds the memory of a long probe: at the default 10
	// writes a second it is more than a day.
	probeMaxWrites = 1_000_000
)

// probeClients are the probe's clients, one per kind of call (see probe).
type probeClients struct {
	creates, deletes, reads cluster.Admin
	// close releases what the probe's clients hold beyond the run's Admin.
	close func()
}

// startProbe starts the load on clients until stop, which closes them. rf
// is the replication factor of probe topics: keep it below the broker count
// so a create still succeeds with one broker down.
func startProbe(ctx context.Context, env *Env, clients probeClients, brokers []int32, rate float64, rf int16, timeout time.Duration) *probe {
	ctx, cancel := context.WithCancel(ctx)
	p := &probe{env: env, clients: clients, brokers: brokers, rate: rate, rf: rf, timeout: timeout,
		inFlight: make(chan struct{}, probeInFlight(rate, timeout)), cancel: cancel, done: make(chan struct{})}
	go p.loop(ctx)
	return p
}

func (p *probe) loop(ctx context.Context) {
	defer close(p.done)
	interval := time.Duration(float64(time.Second) / p.rate)
	next := time.Now()
	for tick := 0; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		intended := next
		next = next.Add(interval)
		select {
		case p.inFlight <- struct{}{}:
		default:
			p.skipped.Add(1)
			continue
		}
		p.wg.Add(1)
		go func() {
			defer func() { <-p.inFlight; p.wg.Done() }()
			p.once(ctx, tick, intended)
		}()
	}
}

// once does one tick's work: a create, every fourth tick a delete of an
// older probe topic, and a metadata read from the next broker.
func (p *probe) once(ctx context.Context, tick int, intended time.Time) {
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	p.mu.Lock()
	p.seq++
	name := fmt.Sprintf("%s-p%d", p.env.RunID, p.seq)
	var victim string
	if tick%4 == 3 && len(p.created) > 4 {
		victim, p.created = p.created[0], p.created[1:]
	}
	p.mu.Unlock()

	p.write(cctx, "create", intended, func(ctx context.Context) error {
		res, err := p.clients.creates.CreateTopics(ctx, []cluster.TopicSpec{{Name: name, NumPartitions: 1, ReplicationFactor: p.rf}})
		if err == nil {
			err = firstTopicError(res)
		}
		if err == nil {
			p.mu.Lock()
			p.created = append(p.created, name)
			p.mu.Unlock()
		}
		return err
	})
	if victim != "" {
		p.write(cctx, "delete", time.Time{}, func(ctx context.Context) error {
			res, err := p.clients.deletes.DeleteTopics(ctx, []string{victim})
			if err == nil {
				err = firstTopicError(res)
			}
			return err
		})
	}
	if len(p.brokers) > 0 {
		b := p.brokers[tick%len(p.brokers)]
		start := time.Now()
		_, err := p.clients.reads.BrokerView(cctx, b)
		if ctx.Err() == nil {
			p.env.Rec.Record(metrics.Sample{Op: "metadata", Start: start, End: time.Now(), Err: err})
		}
	}
}

func (p *probe) write(ctx context.Context, op string, intended time.Time, f func(context.Context) error) {
	start := time.Now()
	p.mu.Lock()
	i := len(p.writes)
	if i < probeMaxWrites {
		p.writes = append(p.writes, probeCall{Op: op, Start: start})
	}
	p.mu.Unlock()
	err := f(ctx)
	end := time.Now()
	p.mu.Lock()
	if i < len(p.writes) {
		p.writes[i].End, p.writes[i].Err = end, err
	}
	p.mu.Unlock()
	if ctx.Err() != nil && err != nil && p.stopping() {
		return // cut short by stop, not by the cluster
	}
	p.env.Rec.Record(metrics.Sample{Op: op, Start: start, End: end, Err: err, Intended: intended})
}

func (p *probe) stopping() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// acknowledged returns the probe topics whose create was acknowledged and
// that no delete has been sent for yet: they must exist from now on.
func (p *probe) acknowledged() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.created)
}

// stop ends the load and waits for outstanding calls (each bounded by the
// probe's timeout).
func (p *probe) stop() {
	p.cancel()
	<-p.done
	p.wg.Wait()
	p.closeOnce.Do(func() {
		if p.clients.close != nil {
			p.clients.close()
		}
	})
}

// settledSince returns the writes started in [from, to), in start order,
// once every one of them has ended; false while some are outstanding.
func (p *probe) settledSince(from, to time.Time) ([]probeCall, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []probeCall
	for _, c := range p.writes {
		if c.Start.Before(from) || !c.Start.Before(to) {
			continue
		}
		if c.End.IsZero() {
			return nil, false
		}
		out = append(out, c)
	}
	return out, true
}

// unavailability is the write unavailability a fault at t caused, as
// clients saw it: from the start of the first create after t that failed or
// stalled (took longer than stall) until the end of the first write that
// succeeded in normal time after it. A stalled write that finally succeeded
// closes the window itself at its end. Zero when no write after t failed or
// stalled; ok is false when the window never closed among the writes seen.
func unavailability(writes []probeCall, stall time.Duration) (d time.Duration, from time.Time, ok bool) {
	ws, open := unavailableWindows(writes, stall)
	switch {
	case len(ws) > 0:
		return ws[0].To.Sub(ws[0].From), ws[0].From, true
	case !open.IsZero():
		return 0, open, false
	}
	return 0, time.Time{}, true
}

// window is one span of write unavailability.
type window struct{ From, To time.Time }

// unavailableWindows is every window of writes (in start order) that
// unavailability would find one after another: each opens at a write that
// failed or stalled and closes at the end of the first successful write
// after it; the next one looks only at writes started after that. open is
// the start of a last window that never closed (zero when none).
//
// Only creates count: a delete's answer also waits for the brokers (in
// ZooKeeper mode, for every replica's StopReplica, so for a dead broker
// until its session expires, as Kafka's TopicDeletionManager does), which
// is the deletion's cost, recorded in op "delete", not the controller's
// availability.
func unavailableWindows(writes []probeCall, stall time.Duration) (ws []window, open time.Time) {
	writes = slices.DeleteFunc(slices.Clone(writes), func(c probeCall) bool { return c.Op != "create" })
	for i := 0; i < len(writes); {
		first := -1
		for j := i; j < len(writes); j++ {
			if c := writes[j]; c.Err != nil || c.End.Sub(c.Start) > stall {
				first = j
				break
			}
		}
		if first < 0 {
			break
		}
		from := writes[first].Start
		var end time.Time
		for _, c := range writes[first:] {
			if c.Err == nil && (end.IsZero() || c.End.Before(end)) {
				end = c.End
			}
		}
		if end.IsZero() {
			return ws, from
		}
		ws = append(ws, window{From: from, To: end})
		i = first + 1
		for i < len(writes) && writes[i].Start.Before(end) {
			i++
		}
	}
	return ws, time.Time{}
}
