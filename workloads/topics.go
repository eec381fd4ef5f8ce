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

// topics creates and then deletes topics, closed loop (a fixed number of
// requests from a fixed number of workers, each waiting for its answer) or
// open loop (requests sent on a fixed schedule, whatever the answers do, with
// latency measured from the scheduled time: coordinated omission corrected).
//
// Ops recorded: "create" and "delete", one sample per request.
type topics struct {
	ops         int
	concurrency int
	partitions  int
	rf          int
	batch       int
	rate        float64
	duration    time.Duration
	maxInFlight int
	timeout     time.Duration
	delete      bool
}

func newTopics(p Params) (Workload, error) {
	r := p.reader()
	w := &topics{
		ops:         r.int("ops", 200, 1, 1_000_000),
		concurrency: r.int("concurrency", 1, 1, 1024),
		partitions:  r.int("partitions", 1, 1, 100_000),
		rf:          r.int("replication_factor", 3, 1, 32),
		batch:       r.int("batch", 1, 1, 10_000),
		rate:        r.float("rate", 0, 0, 100_000),
		duration:    r.duration("duration", 30*time.Second, time.Second, 24*time.Hour),
		maxInFlight: r.int("max_in_flight", 256, 1, 100_000),
		timeout:     r.duration("request_timeout", 30*time.Second, time.Millisecond, time.Hour),
		delete:      r.bool("delete", true),
	}
	return w, r.done("topics")
}

func (w *topics) Name() string { return "topics" }

func (w *topics) Run(ctx context.Context, env *Env) (Outcome, error) {
	if b := env.Cluster.Spec().Brokers; w.rf > b {
		return Outcome{}, fmt.Errorf("param replication_factor=%d: the cluster has %d brokers", w.rf, b)
	}
	out := Outcome{Params: map[string]string{
		"partitions": strconv.Itoa(w.partitions), "replication_factor": strconv.Itoa(w.rf),
		"batch": strconv.Itoa(w.batch),
	}}
	var seq atomic.Int64
	var mu sync.Mutex
	var created []string
	create := func(ctx context.Context, adm cluster.Admin) error {
		specs := make([]cluster.TopicSpec, w.batch)
		for i := range specs {
			specs[i] = cluster.TopicSpec{Name: fmt.Sprintf("%s-t%d", env.RunID, seq.Add(1)),
				NumPartitions: int32(w.partitions), ReplicationFactor: int16(w.rf)}
		}
		res, err := adm.CreateTopics(ctx, specs)
		if err == nil {
			err = firstTopicError(res)
			mu.Lock()
			for _, r := range res {
				if r.Code == 0 {
					created = append(created, r.Name)
				}
			}
			mu.Unlock()
		}
		return err
	}
	var err error
	if w.rate > 0 {
		out.Params["mode"], out.Params["rate_per_sec"], out.Params["duration"] = "open", fmt.Sprint(w.rate), w.duration.String()
		out.Notes = append(out.Notes, "open loop: latency measured from each request's scheduled start (coordinated omission corrected)")
		err = openLoop(ctx, env, "create", w.rate, w.duration, w.maxInFlight, w.timeout, create)
	} else {
		out.Params["mode"], out.Params["ops"], out.Params["concurrency"] = "closed", strconv.Itoa(w.ops), strconv.Itoa(w.concurrency)
		err = closedLoop(ctx, env, "create", w.ops, w.concurrency, w.timeout, create)
	}
	if err != nil || !w.delete {
		return out, err
	}
	var next atomic.Int64
	del := func(ctx context.Context, adm cluster.Admin) error {
		i := int(next.Add(1)) - 1
		end := min(i*w.batch+w.batch, len(created))
		res, err := adm.DeleteTopics(ctx, created[i*w.batch:end])
		if err == nil {
			err = firstTopicError(res)
		}
		return err
	}
	n := (len(created) + w.batch - 1) / w.batch
	return out, closedLoop(ctx, env, "delete", n, w.concurrency, w.timeout, del)
}

// firstTopicError returns the first per-topic error of a result list.
func firstTopicError(res []cluster.TopicResult) error {
	for _, r := range res {
		if err := r.Err(); err != nil {
			return err
		}
	}
	return nil
}

// closedLoop runs op n times from c workers, each with a client of its own
// (clientPool), recording each call.
func closedLoop(ctx context.Context, env *Env, name string, n, c int, timeout time.Duration, op func(context.Context, cluster.Admin) error) error {
	pool, err := newClientPool(env, name, c)
	if err != nil {
		return err
	}
	defer pool.close()
	c = pool.size()
	jobs := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	var done atomic.Int64
	stop := progress(ctx, env, name, n, &done)
	defer stop()
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			adm := <-pool.free // this worker's own
			for range jobs {
				if ctx.Err() != nil {
					return
				}
				rctx, cancel := context.WithTimeout(ctx, timeout)
				timed(env.Rec, name, func() error { return op(rctx, adm) })
				cancel()
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// openLoop sends op at rate per second for d, each call on its own goroutine
// (at most maxInFlight at once) and a client of its own (clientPool: up to
// maxPoolClients; a call beyond that waits for a free client, and the wait
// counts, as latency is recorded from the scheduled start).
func openLoop(ctx context.Context, env *Env, name string, rate float64, d time.Duration, maxInFlight int,
	timeout time.Duration, op func(context.Context, cluster.Admin) error) error {
	pool, err := newClientPool(env, name, maxInFlight)
	if err != nil {
		return err
	}
	defer pool.close()
	n := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	spin := spinsAt(interval)
	var done atomic.Int64
	stop := progress(ctx, env, name, n, &done)
	defer stop()
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		intended := t0.Add(time.Duration(i) * interval)
		waitUntil(ctx, intended, spin)
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			var start time.Time
			err := pool.do(func(adm cluster.Admin) error { start = time.Now(); return op(rctx, adm) })
			env.Rec.Record(metrics.Sample{Op: name, Intended: intended, Start: start, End: time.Now(), Err: err})
			done.Add(1)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// progress reports "<name> done/total": to env.Meter five times a second, or
// as a line to env.Progress every second, until the returned stop is called.
func progress(ctx context.Context, env *Env, name string, total int, done *atomic.Int64) func() {
	stop := make(chan struct{})
	finished := make(chan struct{})
	every := time.Second
	if env.Meter != nil {
		every = 200 * time.Millisecond
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if env.Meter != nil {
					env.Meter.Update(name, done.Load(), int64(total))
				} else {
					env.Progressf("  %s %d/%d", name, done.Load(), total)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-finished
		if env.Meter != nil {
			env.Meter.Done(name, done.Load(), int64(total))
		}
	}
}
