package workloads

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/twmb/franz-go/pkg/kerr"
)

// What the failover workload measures around faults of the metadata store
// (the targets in failover_targets.go) beyond what every fault gets.
//
// A loss of quorum is held for quorum_hold and shows how each mode degrades:
// in ZooKeeper mode (Kafka 3.9) brokers keep serving Metadata from their
// caches (MetadataCache is only ever updated by the controller's
// UpdateMetadata, core/src/main/scala/kafka/server/metadata/ZkMetadataCache.scala),
// while a CreateTopics needs ZooKeeper writes (AdminZkClient.createTopicWithAssignment,
// core/src/main/scala/kafka/zk/AdminZkClient.scala) that cannot happen; in
// KRaft mode brokers keep their MetadataImage (only records fetched from the
// log change it, core/src/main/scala/kafka/server/metadata/BrokerMetadataPublisher.scala)
// and the active controller cannot commit a record without a majority
// (raft/src/main/java/org/apache/kafka/raft/LeaderState.java). What clients
// saw is recorded as MeasureQuorumLoss, with the error names as a note.

// awaitStoreLeader waits until a ZooKeeper server that is not among lost
// says it leads, and returns it with when.
func (w *failover) awaitStoreLeader(ctx context.Context, env *Env, lost []victim) (int32, time.Time, error) {
	var id int32
	var at time.Time
	err := pollUntil(ctx, w.timeout, func() bool {
		var ok bool
		if id, ok = storeLeader(ctx, env.Cluster, lost); ok {
			at = time.Now()
		}
		return ok
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("no surviving ZooKeeper server says it leads within %v: %w", w.timeout, err)
	}
	return id, at, nil
}

// observeQuorumLoss asks every broker that was live before the fault for
// its metadata while the quorum is still lost, and records the fraction
// that answered; the note says how many of the topics each served before the
// loss it still serves (a probe delete in flight at the fault may have
// removed one, so all of them is not the test).
func (w *failover) observeQuorumLoss(ctx context.Context, env *Env, kind cluster.FaultKind, target string, before *cluster.Image, note func(string, ...any)) {
	brokers := before.LiveBrokerIDs()
	kept := make([]int, len(brokers))
	errs := make([]error, len(brokers))
	var wg sync.WaitGroup
	for i, b := range brokers {
		wg.Go(func() {
			vctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			img, err := env.Admin.BrokerView(vctx, b)
			if err != nil {
				errs[i] = err
				return
			}
			for name := range before.Topics {
				if _, ok := img.Topics[name]; ok {
					kept[i]++
				}
			}
		})
	}
	wg.Wait()
	answered := 0
	var parts []string
	for i, b := range brokers {
		if errs[i] != nil {
			parts = append(parts, fmt.Sprintf("broker %d: %v", b, errs[i]))
			continue
		}
		answered++
		parts = append(parts, fmt.Sprintf("broker %d: %d of %d topics", b, kept[i], len(before.Topics)))
	}
	frac := 0.0
	if len(brokers) > 0 {
		frac = float64(answered) / float64(len(brokers))
	}
	env.Rec.Measure(metrics.MeasureQuorumLoss, map[string]string{"fault": string(kind), "target": target, "seen": string(metrics.QuorumMetadataAnswered)}, frac, "fraction")
	note("metadata at the end of the loss: %d of %d brokers answered, from their caches (%s of the topics served before it)", answered, len(brokers), strings.Join(parts, "; "))
	env.Progressf("    quorum lost for %v: %d of %d brokers still answer Metadata from their caches", w.quorumHold, answered, len(brokers))
}

// quorumLossCreates records what the probe's creates started while the
// quorum was lost met: the fraction that failed or stalled, and a note with
// the Kafka error names. It runs after afterHeal, which waited for them.
func (w *failover) quorumLossCreates(env *Env, p *probe, ep *episode, note func(string, ...any)) {
	writes, ok := p.settledSince(ep.start, ep.healed)
	if !ok {
		note("creates while the quorum was lost: some still outstanding, not counted")
		return
	}
	total, bad := 0, 0
	outcomes := map[string]int{}
	for _, c := range writes {
		if c.Op != "create" {
			continue
		}
		total++
		switch {
		case c.Err != nil:
			bad++
			outcomes[errorClass(c.Err)]++
		case c.End.Sub(c.Start) > w.stall:
			bad++
			outcomes[fmt.Sprintf("succeeded after more than %v", w.stall)]++
		default:
			outcomes["succeeded"]++
		}
	}
	if total == 0 {
		note("creates while the quorum was lost: none started")
		return
	}
	env.Rec.Measure(metrics.MeasureQuorumLoss, map[string]string{"fault": string(ep.kind), "target": ep.target, "seen": string(metrics.QuorumCreatesFailed)}, float64(bad)/float64(total), "fraction")
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(outcomes)) {
		parts = append(parts, fmt.Sprintf("%s x%d", k, outcomes[k]))
	}
	note("creates while the quorum was lost: %d of %d failed or stalled (%s)", bad, total, strings.Join(parts, ", "))
	env.Progressf("    creates while the quorum was lost: %d of %d failed or stalled (%s)", bad, total, strings.Join(parts, ", "))
}

// errorClass names what a failed call met: the Kafka error's name when it
// carries one, "client timeout" when the call ran out of time, else the
// error's text (shortened).
func errorClass(err error) string {
	var ce *cluster.Error
	var ke *kerr.Error
	switch {
	case errors.As(err, &ce) || errors.As(err, &ke):
		return cluster.ErrorName(cluster.ErrorCode(err))
	case errors.Is(err, context.DeadlineExceeded):
		return "client timeout"
	}
	s := err.Error()
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// controllerAfter notes whether a store or standby fault moved the active
// controller: in ZooKeeper mode a session that reconnects to a surviving
// server in time keeps /controller; in KRaft mode a standby's loss leaves the
// active controller in place.
func (w *failover) controllerAfter(ctx context.Context, env *Env, before ControllerView, target string, note func(string, ...any)) {
	if target == targetController || target == targetBroker {
		return
	}
	after, err := activeController(ctx, env.Cluster, w.timeout)
	switch {
	case err != nil:
		note("active controller after the heal: %v", err)
	case after == before:
		note("the active controller stayed node %d in epoch %d", before.ID, before.Epoch)
	default:
		note("the active controller moved from node %d (epoch %d) to node %d (epoch %d)", before.ID, before.Epoch, after.ID, after.Epoch)
	}
}
