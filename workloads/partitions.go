package workloads

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// partitions adds partitions to existing topics: a closed loop of
// CreatePartitions requests (each grows one of the run's topics by add
// partitions, the topics taken in turn), then, one request at a time, how
// long the new partitions take until every broker serves them with leaders.
//
// Ops recorded: "create_partitions" (the request, both phases),
// "partitions_propagation" (ack until the last broker serves every new
// partition with a leader), "partitions_propagation_broker" (until each
// broker does) and "metadata" (every poll's round trip).
//
// ZooKeeper mode answers once the controller's own broker serves leaders
// for the new partitions (DelayedCreatePartitions), KRaft once the
// PartitionRecords commit, so the request times and the propagation times
// are to be read together, as for CreateTopics.
type partitions struct {
	opsParams
	add int
}

func newPartitions(p Params) (Workload, error) {
	r := p.reader()
	w := &partitions{opsParams: readOpsParams(r), add: r.int("add", 1, 1, 10_000)}
	if err := r.done("partitions"); err != nil {
		return nil, err
	}
	if grown := w.partitions + w.add*((w.ops+w.iterations)/w.topics+1); grown > 100_000 {
		return nil, fmt.Errorf("workload partitions: topics would grow to %d partitions each (partitions + add x (ops + propagation_iterations) / topics); at most 100000", grown)
	}
	return w, nil
}

func (w *partitions) Name() string { return "partitions" }

func (w *partitions) Run(ctx context.Context, env *Env) (Outcome, error) {
	if _, ok := env.Admin.(cluster.PartitionAdmin); !ok {
		return Outcome{}, fmt.Errorf("workload partitions: the cluster's Admin (%T) cannot add partitions", env.Admin)
	}
	names, brokers, err := setupTopics(ctx, env, "g", w.topics, w.partitions, w.rf, w.timeout)
	if err != nil {
		return Outcome{}, err
	}
	out := w.outcome(len(brokers))
	out.Params["add"] = strconv.Itoa(w.add)
	// Each topic is grown by one request at a time (its lock), so two
	// workers never ask for the same count.
	counts := make([]int32, len(names))
	locks := make([]sync.Mutex, len(names))
	for i := range counts {
		counts[i] = int32(w.partitions)
	}
	var seq atomic.Int64
	grow := func(ctx context.Context, adm cluster.Admin) (string, int32, error) {
		pa, ok := adm.(cluster.PartitionAdmin)
		if !ok {
			return "", 0, fmt.Errorf("admin %T cannot add partitions", adm)
		}
		i := int(seq.Add(1)-1) % len(names)
		locks[i].Lock()
		defer locks[i].Unlock()
		want := counts[i] + int32(w.add)
		res, err := pa.CreatePartitions(ctx, []cluster.PartitionsSpec{{Topic: names[i], Count: want}}, false)
		if err == nil && len(res) == 1 {
			err = res[0].Err()
		}
		if err == nil {
			counts[i] = want
		}
		return names[i], want, err
	}
	if w.ops > 0 {
		err = closedLoop(ctx, env, "create_partitions", w.ops, w.concurrency, w.timeout, func(ctx context.Context, adm cluster.Admin) error {
			_, _, err := grow(ctx, adm)
			return err
		})
		if err != nil {
			return out, err
		}
	}
	w.propagationLoop(ctx, env, "partitions propagation", func() error { return w.propagate(ctx, env, brokers, grow) })
	rtt := env.Rec.Histogram("metadata")
	out.Notes = append(out.Notes, fmt.Sprintf(
		"resolution: a broker's time may lag the true moment by up to poll_interval (%v) plus one Metadata round trip (p50 %v, p99 %v)",
		w.poll, time.Duration(rtt.ValueAtQuantile(50)), time.Duration(rtt.ValueAtQuantile(99))))
	return out, ctx.Err()
}

// propagate grows one topic and times it until every broker serves every
// partition with a leader.
func (w *partitions) propagate(ctx context.Context, env *Env, brokers []int32,
	grow func(context.Context, cluster.Admin) (string, int32, error)) error {
	return w.timedChange(ctx, env, brokers, "create_partitions", "partitions_propagation", func(ctx context.Context) (func(context.Context, int32) (bool, error), error) {
		topic, count, err := grow(ctx, env.Admin)
		return func(ctx context.Context, id int32) (bool, error) {
			start := time.Now()
			img, err := env.Admin.BrokerView(ctx, id)
			env.Rec.Record(metrics.Sample{Op: "metadata", Start: start, End: time.Now(), Err: err})
			if err != nil {
				return false, nil
			}
			t, ok := img.Topics[topic]
			return ok && len(t.Partitions) >= int(count) && servesWithLeaders(img, topic), nil
		}, err
	})
}
