package kraftmode

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/fidelity"
)

// SampleRun configures LingerChecks and VisibilityCheck: each starts a
// LocalCluster of 3 voters and 3 brokers at Kafka's defaults (but for what
// the check varies) and measures Samples lone CreateTopics.
type SampleRun struct {
	Dir          string // scratch directory for the nodes' metadata logs
	Samples      int
	KafkaVersion cluster.KafkaVersion
	Seed         int64        // the cluster's seed and the pauses'
	Logger       *slog.Logger // nil discards
}

// startupBound bounds a check's cluster start, up to every broker unfenced
// (a cold election of up to 2 election timeouts, then registrations and
// heartbeats); each sample adds its own bound.
const startupBound = 60 * time.Second

// MeasureLoneCreates creates n topics (1 partition, replication factor 3)
// one after another through active, each once the previous one answered,
// and returns each CreateTopics' latency.
func MeasureLoneCreates(ctx context.Context, active *Node, prefix string, n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for i := range n {
		name := fmt.Sprintf("%s-%d", prefix, i)
		start := time.Now()
		res, err := active.CreateTopics(ctx, []cluster.TopicSpec{{Name: name, NumPartitions: 1, ReplicationFactor: 3}})
		if err == nil {
			err = res[0].Err()
		}
		if err != nil {
			return out, fmt.Errorf("create %s: %w", name, err)
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

// LingerChecks measures lone CreateTopics on an idle quorum at Kafka's
// controller.quorum.append.linger.ms (25 ms) and, for contrast, at 0: two
// checks, each on its own cluster. Idle means no NoOpRecords
// (metadata.max.idle.interval.ms=0), so no other write opens a linger
// window a create could join and drain sooner. On error the checks measured
// so far are returned with it.
func LingerChecks(ctx context.Context, run SampleRun) ([]fidelity.Check, error) {
	var out []fidelity.Check
	for _, linger := range []time.Duration{DefaultAppendLinger, 0} {
		c := lingerExpectation(run.KafkaVersion.OrDefault(), linger)
		samples, err := measureLinger(ctx, run, linger)
		c.Samples = samples
		if len(samples) > 0 {
			out = append(out, c)
		}
		if err != nil {
			return out, fmt.Errorf("linger %v: %w", linger, err)
		}
	}
	return out, nil
}

func measureLinger(ctx context.Context, run SampleRun, linger time.Duration) ([]time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, startupBound+time.Duration(run.Samples)*2*time.Second)
	defer cancel()
	l, err := StartLocal(ctx, LocalRun{Dir: filepath.Join(run.Dir, fmt.Sprint("linger-", linger.Milliseconds())),
		Brokers: 3, KafkaVersion: run.KafkaVersion, Seed: run.Seed, Logger: run.Logger,
		Tweak: func(cfg *Config) {
			cfg.AppendLinger, cfg.MaxIdleInterval = linger, -1
			if linger == 0 {
				cfg.AppendLinger = -1 // Config's spelling of Kafka's 0
			}
		}})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	active, err := l.Active(ctx)
	if err == nil {
		err = l.WaitUnfenced(ctx)
	}
	if err != nil {
		return nil, err
	}
	return MeasureLoneCreates(ctx, active, "linger", run.Samples)
}

// lingerExpectation is Kafka's rule for a lone write on an idle quorum
// (both kafka.version profiles: cluster/version.go lists no difference).
// QuorumController appends the create's records through prepareAppend and
// schedulePreparedAppend into BatchAccumulator; the first append of a
// window starts the linger timer (maybeResetLinger) and
// KafkaRaftClient.maybeAppendBatches drains the batch when it expires, so
// the answer comes the linger plus a commit (the voters' fetch and fsync)
// after the request. At linger 0 the batch drains on the raft thread's next
// poll: a commit. Margins for the commit and apply on a loaded machine:
// 20 ms on the median, 100 ms on any sample; the median's 20 ms also keeps
// linger 0 apart from a create that lingers anyway.
func lingerExpectation(v cluster.KafkaVersion, linger time.Duration) fidelity.Check {
	c := fidelity.Check{Version: string(v),
		Name: fmt.Sprintf("linger of a lone CreateTopics at controller.quorum.append.linger.ms=%d (1 partition, RF 3, idle quorum, 3 brokers)",
			linger.Milliseconds()),
		Expected:       fidelity.Window{Min: linger, Max: linger + 100*time.Millisecond},
		ExpectedMedian: fidelity.Window{Min: linger, Max: linger + 20*time.Millisecond}}
	if linger > 0 {
		c.Rule = "the first append of a window starts the linger; the batch drains when it expires, then commits (BatchAccumulator.java, KafkaRaftClient.maybeAppendBatches, QuorumConfig.java at 3.9)"
		c.Note = "at least the linger plus a commit; metadata.max.idle.interval.ms=0, so no NoOpRecord opens a window the create could join"
	} else {
		c.Rule = "linger 0: the batch drains on the raft thread's next poll (BatchAccumulator.timeUntilDrain is 0), then commits"
		c.Note = "for contrast with the default linger: a commit alone"
	}
	return c
}
