package workloads

import (
	"context"
	"strconv"
	"time"
)

// opsParams are what the operation workloads (configs, partitions) share:
// the run's topics, a closed-loop phase of ops requests from concurrency
// clients, then propagation_iterations requests one at a time, each timed
// until every broker serves it.
type opsParams struct {
	topics      int
	partitions  int
	rf          int
	ops         int
	concurrency int
	iterations  int
	poll        time.Duration
	timeout     time.Duration
}

func readOpsParams(r *paramReader) opsParams {
	return opsParams{
		topics:      r.int("topics", 10, 1, 10_000),
		partitions:  r.int("partitions", 1, 1, 100_000),
		rf:          r.int("replication_factor", 3, 1, 32),
		ops:         r.int("ops", 200, 0, 1_000_000),
		concurrency: r.int("concurrency", 1, 1, 1024),
		iterations:  r.int("propagation_iterations", 50, 0, 100_000),
		poll:        r.duration("poll_interval", 2*time.Millisecond, 0, time.Second),
		timeout:     r.duration("request_timeout", 30*time.Second, time.Millisecond, time.Hour),
	}
}

// outcome lists the parameters as run.
func (p opsParams) outcome(brokers int) Outcome {
	return Outcome{Params: map[string]string{
		"topics": strconv.Itoa(p.topics), "partitions": strconv.Itoa(p.partitions),
		"replication_factor": strconv.Itoa(p.rf), "ops": strconv.Itoa(p.ops),
		"concurrency": strconv.Itoa(p.concurrency), "propagation_iterations": strconv.Itoa(p.iterations),
		"poll_interval": p.poll.String(), "brokers": strconv.Itoa(brokers),
	}}
}

// propagationLoop runs once iterations times, one at a time, logging (not
// failing on) an iteration's error.
func (p opsParams) propagationLoop(ctx context.Context, env *Env, name string, once func() error) {
	for i := 0; i < p.iterations && ctx.Err() == nil; i++ {
		if err := once(); err != nil {
			env.Log.Warn(name+" iteration failed", "err", err)
		}
		if (i+1)%10 == 0 {
			env.Progressf("  %s %d/%d", name, i+1, p.iterations)
		}
	}
}

// timedChange makes one change, recorded as op, and times it from its
// answer until every broker passes the check the change returns (prop and
// prop_broker, as awaitBrokers records them), all within the request
// timeout.
func (p opsParams) timedChange(ctx context.Context, env *Env, brokers []int32, op, prop string,
	change func(context.Context) (func(context.Context, int32) (bool, error), error)) error {
	ictx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var seen func(context.Context, int32) (bool, error)
	var acked time.Time
	err := timed(env.Rec, op, func() error {
		var err error
		seen, err = change(ictx)
		acked = time.Now()
		return err
	})
	if err != nil {
		return err
	}
	return awaitBrokers(ictx, env, brokers, acked, prop, seen, p.poll)
}
