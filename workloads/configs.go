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

// configs changes topic configs: a closed loop of IncrementalAlterConfigs
// requests (each sets retention.ms of one of the run's topics to a fresh
// value), then, one change at a time, how long a change takes until every
// broker describes it.
//
// Ops recorded: "alter_config" (the request, both phases),
// "config_propagation" (ack until the last broker describes the new value),
// "config_propagation_broker" (ack until each broker does, one sample per
// broker) and "describe_configs" (every poll's round trip, which bounds the
// resolution).
//
// What "describes" means differs by mode, as in Kafka: a ZooKeeper-mode
// broker answers DescribeConfigs by reading /config/topics/<t> from
// ZooKeeper, so it shows a change as soon as it is written, before the
// broker applied it from its /config/changes watch; a KRaft broker answers
// from its metadata image, so it shows the change once it applied the
// ConfigRecord. The result's notes say so.
type configs struct{ opsParams }

func newConfigs(p Params) (Workload, error) {
	r := p.reader()
	w := &configs{readOpsParams(r)}
	return w, r.done("configs")
}

func (w *configs) Name() string { return "configs" }

func (w *configs) Run(ctx context.Context, env *Env) (Outcome, error) {
	ca, ok := env.Admin.(cluster.ConfigAdmin)
	if !ok {
		return Outcome{}, fmt.Errorf("workload configs: the cluster's Admin (%T) cannot change configs", env.Admin)
	}
	names, brokers, err := setupTopics(ctx, env, "c", w.topics, w.partitions, w.rf, w.timeout)
	if err != nil {
		return Outcome{}, err
	}
	out := w.outcome(len(brokers))
	var seq atomic.Int64
	alter := func(ctx context.Context, adm cluster.Admin) (string, string, error) {
		a, ok := adm.(cluster.ConfigAdmin)
		if !ok {
			return "", "", fmt.Errorf("admin %T cannot change configs", adm)
		}
		n := seq.Add(1)
		topic, value := names[int(n)%len(names)], strconv.FormatInt(3_600_000+n, 10)
		res, err := a.AlterTopicConfigs(ctx, []cluster.TopicConfigAlter{{Topic: topic,
			Changes: []cluster.ConfigChange{{Name: "retention.ms", Op: cluster.ConfigSet, Value: &value}}}}, false)
		if err == nil && len(res) == 1 && res[0].Code != 0 {
			err = &cluster.Error{Code: res[0].Code, Message: res[0].Message}
		}
		return topic, value, err
	}
	if w.ops > 0 {
		err = closedLoop(ctx, env, "alter_config", w.ops, w.concurrency, w.timeout, func(ctx context.Context, adm cluster.Admin) error {
			_, _, err := alter(ctx, adm)
			return err
		})
		if err != nil {
			return out, err
		}
	}
	w.propagationLoop(ctx, env, "config propagation", func() error { return w.propagate(ctx, env, ca, brokers, alter) })
	rtt := env.Rec.Histogram("describe_configs")
	out.Notes = append(out.Notes,
		"config_propagation is until every broker's DescribeConfigs shows the new value: a ZooKeeper-mode broker reads /config/topics/<t> from ZooKeeper for it (visible once written, before the broker applies the change from its /config/changes watch), a KRaft broker reads its metadata image (visible once it applied the ConfigRecord)",
		fmt.Sprintf("resolution: a broker's time may lag the true moment by up to poll_interval (%v) plus one DescribeConfigs round trip (p50 %v, p99 %v)",
			w.poll, time.Duration(rtt.ValueAtQuantile(50)), time.Duration(rtt.ValueAtQuantile(99))))
	return out, ctx.Err()
}

// propagate makes one change and times it until every broker describes it.
func (w *configs) propagate(ctx context.Context, env *Env, ca cluster.ConfigAdmin, brokers []int32,
	alter func(context.Context, cluster.Admin) (string, string, error)) error {
	return w.timedChange(ctx, env, brokers, "alter_config", "config_propagation", func(ctx context.Context) (func(context.Context, int32) (bool, error), error) {
		topic, value, err := alter(ctx, env.Admin)
		return func(ctx context.Context, id int32) (bool, error) {
			start := time.Now()
			res, err := ca.BrokerTopicConfigs(ctx, id, topic)
			env.Rec.Record(metrics.Sample{Op: "describe_configs", Start: start, End: time.Now(), Err: err})
			if err != nil || res.Code != 0 {
				return false, nil
			}
			for _, e := range res.Configs {
				if e.Name == "retention.ms" {
					return e.Value != nil && *e.Value == value, nil
				}
			}
			return false, nil
		}, err
	})
}

// setupChunk is about how many partitions setupTopics asks for per request.
const setupChunk = 1000

// setupTopics creates n topics for a run (one CreateTopics request per
// setupChunk partitions) and waits until every live broker serves them with
// leaders; it returns their names and the brokers.
func setupTopics(ctx context.Context, env *Env, tag string, n, partitions, rf int, timeout time.Duration) ([]string, []int32, error) {
	if b := env.Cluster.Spec().Brokers; rf > b {
		return nil, nil, fmt.Errorf("param replication_factor=%d: the cluster has %d brokers", rf, b)
	}
	brokers, err := brokerIDs(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	specs := make([]cluster.TopicSpec, n)
	names := make([]string, n)
	for i := range specs {
		names[i] = fmt.Sprintf("%s-%s%d", env.RunID, tag, i)
		specs[i] = cluster.TopicSpec{Name: names[i], NumPartitions: int32(partitions), ReplicationFactor: int16(rf)}
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// One CreateTopics per setupChunk partitions or so: a single request
	// for 10k partitions outlasts the admin client's request timeout in
	// ZooKeeper mode, which writes every znode one at a time.
	for start := 0; start < len(specs); {
		end, sum := start, 0
		for end < len(specs) && (end == start || sum+partitions <= setupChunk) {
			sum += partitions
			end++
		}
		res, err := env.Admin.CreateTopics(sctx, specs[start:end])
		if err == nil {
			err = firstTopicError(res)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("create the run's topics: %w", err)
		}
		start = end
	}
	err = awaitBrokers(sctx, env, brokers, time.Now(), "", func(ctx context.Context, id int32) (bool, error) {
		img, err := env.Admin.BrokerView(ctx, id)
		if err != nil {
			return false, nil
		}
		for _, name := range names {
			if !servesWithLeaders(img, name) {
				return false, nil
			}
		}
		return true, nil
	}, 10*time.Millisecond)
	if err != nil {
		return nil, nil, fmt.Errorf("wait for the run's topics: %w", err)
	}
	return names, brokers, nil
}

// awaitBrokers polls every broker concurrently with done until it reports
// true, pausing poll between polls, and, when op is set, records "<op>"
// (from since until the last broker) and "<op>_broker" (until each). It
// ends with ctx's error if a broker never gets there.
func awaitBrokers(ctx context.Context, env *Env, brokers []int32, since time.Time, op string,
	done func(context.Context, int32) (bool, error), poll time.Duration) error {
	seen := make([]time.Time, len(brokers))
	errs := make([]error, len(brokers))
	var wg sync.WaitGroup
	for i, id := range brokers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ok, err := done(ctx, id)
				if err != nil {
					errs[i] = err
					return
				}
				if ok {
					seen[i] = time.Now()
					return
				}
				if ctx.Err() != nil {
					errs[i] = fmt.Errorf("broker %d: %w", id, ctx.Err())
					return
				}
				if poll > 0 {
					time.Sleep(poll)
				}
			}
		}()
	}
	wg.Wait()
	last := since
	for i := range brokers {
		if errs[i] != nil {
			if op != "" {
				env.Rec.Record(metrics.Sample{Op: op, Start: since, End: time.Now(), Err: errs[i]})
			}
			return errs[i]
		}
		if op != "" {
			env.Rec.Record(metrics.Sample{Op: op + "_broker", Start: since, End: seen[i]})
		}
		if seen[i].After(last) {
			last = seen[i]
		}
	}
	if op != "" {
		env.Rec.Record(metrics.Sample{Op: op, Start: since, End: last})
	}
	return nil
}
