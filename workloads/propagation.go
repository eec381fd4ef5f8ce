package workloads

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// propagation measures how long a new topic takes to reach every broker: from
// the CreateTopics acknowledgement until each broker, asked directly, serves
// the topic with a live leader for every partition.
//
// Ops recorded: "create" (the request), "propagation" (ack until the last
// broker serves it), "propagation_broker" (ack until each broker serves it,
// one sample per broker), and "metadata" (every poll's round trip, which
// bounds the resolution).
//
// Resolution: a broker is polled every poll_interval; the time recorded is
// when the first answer showing the topic arrived, so it may lag the true
// moment by up to one poll interval plus one Metadata round trip. The result's
// notes state both.
type propagation struct {
	iterations int
	partitions int
	rf         int
	poll       time.Duration
	timeout    time.Duration
}

func newPropagation(p Params) (Workload, error) {
	r := p.reader()
	w := &propagation{
		iterations: r.int("iterations", 50, 1, 100_000),
		partitions: r.int("partitions", 1, 1, 100_000),
		rf:         r.int("replication_factor", 3, 1, 32),
		poll:       r.duration("poll_interval", 2*time.Millisecond, 0, time.Second),
		timeout:    r.duration("timeout", 60*time.Second, time.Second, time.Hour),
	}
	return w, r.done("propagation")
}

func (w *propagation) Name() string { return "propagation" }

func (w *propagation) Run(ctx context.Context, env *Env) (Outcome, error) {
	if b := env.Cluster.Spec().Brokers; w.rf > b {
		return Outcome{}, fmt.Errorf("param replication_factor=%d: the cluster has %d brokers", w.rf, b)
	}
	brokers, err := brokerIDs(ctx, env)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Params: map[string]string{
		"iterations": strconv.Itoa(w.iterations), "partitions": strconv.Itoa(w.partitions),
		"replication_factor": strconv.Itoa(w.rf), "poll_interval": w.poll.String(),
		"brokers": strconv.Itoa(len(brokers)),
	}}
	for i := 0; i < w.iterations && ctx.Err() == nil; i++ {
		name := fmt.Sprintf("%s-p%d", env.RunID, i)
		if err := w.once(ctx, env, name, brokers); err != nil {
			env.Log.Warn("propagation iteration failed", "topic", name, "err", err)
		}
		if (i+1)%10 == 0 {
			env.Progressf("  propagation %d/%d", i+1, w.iterations)
		}
	}
	rtt := env.Rec.Histogram("metadata")
	if rtt.TotalCount() > 0 {
		out.Resolution = []metrics.Resolution{metrics.NewResolution("propagation",
			"one Metadata request to one broker (each broker is polled by its own loop)", w.poll, rtt)}
	}
	out.Notes = append(out.Notes, fmt.Sprintf(
		"resolution: a broker's time may lag the true moment by up to poll_interval (%v) plus one Metadata round trip (p50 %v, p99 %v)",
		w.poll, time.Duration(rtt.ValueAtQuantile(50)), time.Duration(rtt.ValueAtQuantile(99))))
	return out, ctx.Err()
}

// brokerIDs lists the brokers the cluster serves.
func brokerIDs(ctx context.Context, env *Env) ([]int32, error) {
	img, err := env.Admin.Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("list brokers: %w", err)
	}
	return img.LiveBrokerIDs(), nil
}

func (w *propagation) once(ctx context.Context, env *Env, name string, brokers []int32) error {
	ictx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	var acked time.Time
	err := timed(env.Rec, "create", func() error {
		res, err := env.Admin.CreateTopics(ictx, []cluster.TopicSpec{{Name: name,
			NumPartitions: int32(w.partitions), ReplicationFactor: int16(w.rf)}})
		acked = time.Now()
		if err != nil {
			return err
		}
		return firstTopicError(res)
	})
	if err != nil {
		return err
	}
	seen := make([]time.Time, len(brokers))
	errs := make([]error, len(brokers))
	var wg sync.WaitGroup
	for i, id := range brokers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen[i], errs[i] = w.waitServed(ictx, env, id, name)
		}()
	}
	wg.Wait()
	last := acked
	for i := range brokers {
		if errs[i] != nil {
			env.Rec.Record(metrics.Sample{Op: "propagation", Start: acked, End: time.Now(), Err: errs[i]})
			return errs[i]
		}
		env.Rec.Record(metrics.Sample{Op: "propagation_broker", Start: acked, End: seen[i]})
		if seen[i].After(last) {
			last = seen[i]
		}
	}
	env.Rec.Record(metrics.Sample{Op: "propagation", Start: acked, End: last})
	_, err = env.Admin.DeleteTopics(ictx, []string{name})
	return err
}

// waitServed polls one broker until it serves topic with a live leader for
// every partition, and returns when the answer that showed it arrived.
func (w *propagation) waitServed(ctx context.Context, env *Env, broker int32, topic string) (time.Time, error) {
	for {
		start := time.Now()
		img, err := env.Admin.BrokerView(ctx, broker)
		end := time.Now()
		env.Rec.Record(metrics.Sample{Op: "metadata", Start: start, End: end, Err: err})
		if err == nil && servesWithLeaders(img, topic) {
			return end, nil
		}
		if ctx.Err() != nil {
			return time.Time{}, fmt.Errorf("broker %d never served %s: %w", broker, topic, ctx.Err())
		}
		if w.poll > 0 {
			time.Sleep(w.poll)
		}
	}
}

// servesWithLeaders reports whether img has topic with a live leader for
// every partition.
func servesWithLeaders(img *cluster.Image, topic string) bool {
	t, ok := img.Topics[topic]
	if !ok || len(t.Partitions) == 0 {
		return false
	}
	for _, p := range t.Partitions {
		b, ok := img.Brokers[p.Leader]
		if !ok || b.Fenced {
			return false
		}
	}
	return true
}
