package kraftmode

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
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
