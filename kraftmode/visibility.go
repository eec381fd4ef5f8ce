package kraftmode

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/fidelity"
)

// VisibilityWindow is when Kafka's rules let a broker see a record that
// committed on an idle quorum, counted from the commit: at least Min, at
// most Max, Mean on average over commits at random moments. Rule says which
// rule gives it.
type VisibilityWindow struct {
	Min, Max, Mean time.Duration
	Rule           string
}

// ExpectedVisibility is the window Kafka's rules give for cfg (after
// WithDefaults), ignoring the network and the disk:
//
//   - Kafka 3.9: the broker's parked fetch carries the news only when the
//     leader's log grows again or the fetch's max wait (500 ms) runs out,
//     and an answer that expires carries the high watermark of when it was
//     parked (purgatory.go). On an idle quorum the next growth is the
//     periodic NoOpRecord (metadata.max.idle.interval.ms, then the append
//     linger), so the delay is spread over [0, interval + linger]; without
//     NoOpRecords it is bounded by two max waits.
//   - Kafka 4.1: the leader completes parked fetches when the high
//     watermark advances (KAFKA-14145): one round trip, counted here as 0.
func ExpectedVisibility(cfg Config) VisibilityWindow {
	if cfg.KafkaVersion.FastHighWatermark() {
		return VisibilityWindow{Rule: "4.1: parked fetches complete when the high watermark advances (KAFKA-14145): about one round trip"}
	}
	maxDelay := 2 * fetchMaxWait
	rule := "3.9: no NoOpRecords, so the news waits for a fetch parked after the commit to expire (two 500 ms max waits)"
	if cfg.MaxIdleInterval > 0 {
		maxDelay = min(maxDelay, cfg.MaxIdleInterval+max(cfg.AppendLinger, 0))
		rule = "3.9: parked fetches complete on the next log append, the periodic NoOpRecord (metadata.max.idle.interval.ms + append linger), or the 500 ms max wait"
	}
	return VisibilityWindow{Max: maxDelay, Mean: maxDelay / 2, Rule: rule}
}

// MeasureVisibility creates n topics (1 partition, replication factor rf),
// one at a time through the active controller, with a random pause of up to
// 500 ms before each (so commits land at random moments of the NoOpRecord
// period), and returns, for each, the time from the commit (CreateTopics
// answering on the active controller) until every broker in brokers serves
// the topic. It is the measurement behind the propagation rows of the
// fidelity ledger, for tests and for a command that prints it against
// ExpectedVisibility.
func MeasureVisibility(ctx context.Context, active *Node, brokers []*Node, n int, rf int16, rng *rand.Rand) ([]time.Duration, error) {
	delays := make([]time.Duration, 0, n)
	prefix := fmt.Sprintf("visibility-%d", rng.Uint32())
	for i := range n {
		sleep(ctx, time.Duration(rng.Int64N(int64(500*time.Millisecond))))
		name := fmt.Sprintf("%s-%d", prefix, i)
		res, err := active.CreateTopics(ctx, []cluster.TopicSpec{{Name: name, NumPartitions: 1, ReplicationFactor: rf}})
		if err == nil {
			err = res[0].Err()
		}
		if err != nil {
			return delays, fmt.Errorf("create %s: %w", name, err)
		}
		d, err := waitServed(ctx, brokers, name) // from now: the commit
		if err != nil {
			return delays, err
		}
		delays = append(delays, d)
	}
	return delays, nil
}

// waitServed polls brokers (every millisecond) until each serves topic name
// and returns how long that took.
func waitServed(ctx context.Context, brokers []*Node, name string) (time.Duration, error) {
	start := time.Now()
	for {
		all := true
		for _, b := range brokers {
			if _, ok := b.Image().Topics[name]; !ok {
				all = false
				break
			}
		}
		if all {
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for every broker to serve %s: %w", name, ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
}

// VisibilityCheck measures MeasureVisibility on a LocalCluster of 3 voters
// and 3 brokers at Kafka's defaults (so with the periodic NoOpRecord and
// the append linger) against the window ExpectedVisibility gives.
func VisibilityCheck(ctx context.Context, run SampleRun) (fidelity.Check, error) {
	cfg := Config{KafkaVersion: run.KafkaVersion}.WithDefaults()
	c := visibilityExpectation(cfg, run.Samples)
	// Each sample: a pause of up to 500 ms, the create, and up to 525 ms.
	ctx, cancel := context.WithTimeout(ctx, startupBound+time.Duration(run.Samples)*3*time.Second)
	defer cancel()
	l, err := StartLocal(ctx, LocalRun{Dir: filepath.Join(run.Dir, "visibility"), Brokers: 3,
		KafkaVersion: run.KafkaVersion, Seed: run.Seed, Logger: run.Logger})
	if err != nil {
		return c, err
	}
	defer l.Close()
	active, err := l.Active(ctx)
	if err == nil {
		err = l.WaitUnfenced(ctx)
	}
	if err != nil {
		return c, err
	}
	rng := rand.New(rand.NewPCG(uint64(run.Seed), 0x715))
	c.Samples, err = MeasureVisibility(ctx, active, l.Brokers(), run.Samples, 3, rng)
	return c, err
}

// visibilityExpectation turns ExpectedVisibility into a check for n
// samples.
//
//   - 3.9: the delay is spread evenly over [0, 525 ms] (commits land at
//     random phases of the NoOpRecord period), so the median's window is
//     where the median of n uniform samples falls but for 1 in 1000 on each
//     side (fidelity.UniformMedian): a round trip, 4.1's rule, is below it
//     from 5 samples on. Any sample may exceed 525 ms by 200 ms (a loaded
//     machine's scheduling and fsyncs).
//   - 4.1: one round trip, with margins for a loaded machine: 25 ms on the
//     median, 250 ms on any sample, both well under 3.9's mean.
func visibilityExpectation(cfg Config, n int) fidelity.Check {
	w := ExpectedVisibility(cfg)
	c := fidelity.Check{Version: string(cfg.KafkaVersion),
		Name: "visibility of a new topic on every broker, from its CreateTopics answer (3 voters, 3 brokers, defaults)"}
	if cfg.KafkaVersion.FastHighWatermark() {
		c.Rule = w.Rule
		c.Expected = fidelity.Window{Max: 250 * time.Millisecond}
		c.ExpectedMedian = fidelity.Window{Max: 25 * time.Millisecond}
		c.Note = "3.9's rule (the next append or a max wait) would put p50 near 260 ms"
		return c
	}
	c.Rule = w.Rule + " (KafkaRaftClient.handleFetchRequest, fetchPurgatory; QuorumController.maybeScheduleNextWriteNoOpRecord at 3.9)"
	c.Expected = fidelity.Window{Min: w.Min, Max: w.Max + 200*time.Millisecond}
	c.ExpectedMedian = fidelity.UniformMedian(fidelity.Window{Min: w.Min, Max: w.Max}, n, 0.001)
	c.Note = fmt.Sprintf("uniform over %s, mean about %s; 4.1's rule (a round trip) would put p50 near 1 ms",
		fidelity.Window{Min: w.Min, Max: w.Max}, w.Mean.Round(time.Millisecond))
	return c
}
