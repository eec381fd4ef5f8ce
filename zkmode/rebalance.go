package zkmode

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// Preferred-leader election as Kafka 3.9's ZooKeeper controller runs it
// (core/src/main/scala/kafka/controller/KafkaController.scala).
//
// With auto.leader.rebalance.enable (default true) onControllerFailover
// schedules the auto-leader-rebalance task 5 s after the controller took
// over (scheduleAutoLeaderRebalanceTask(delay = 5, unit = SECONDS), :327-329)
// and every run schedules the next one leader.imbalance.check.interval.seconds
// later (processAutoPreferredReplicaLeaderElection, :1333-1341). A run is
// checkAndTriggerAutoLeaderRebalance (:1291-1322): the partitions of topics
// not being deleted are grouped by preferred replica (the first of the
// assignment); for each such broker, the share of its group it does not lead
// is its imbalance ratio, and above leader.imbalance.per.broker.percentage
// the partitions of its group whose preferred replica can lead (live, not
// shutting down, in the ISR: canPreferredReplicaBeLeader) go through
// onReplicaElection with PreferredReplicaPartitionLeaderElectionStrategy, one
// handleStateChanges per broker. That is the partition state machine's
// election (statemachine.go electLeaders: re-read the state znodes, elect,
// one epoch-checked setData per partition conditioned on the version read,
// retry on BADVERSION), then one request batch: LeaderAndIsr to the
// partition's live replicas and UpdateMetadata to every live broker
// (PartitionStateMachine.scala:366-457). The resignation stops the scheduler
// (onControllerResignation shuts kafkaScheduler down).

// autoRebalanceDelay is the delay of the first check after a failover,
// fixed in Kafka's onControllerFailover.
const autoRebalanceDelay = 5 * time.Second

// rebalancer is the controller's auto-leader-rebalance schedule.
type rebalancer struct {
	timer *time.Timer // the next check; loop-only
	// checks counts the checks run, so tests can tell a rebalance from
	// leadership coming back by itself.
	checks atomic.Int64
}

// scheduleAutoLeaderRebalance is scheduleAutoLeaderRebalanceTask: the check
// runs on the loop after delay, if this controller is still the one that
// scheduled it.
func (c *controller) scheduleAutoLeaderRebalance(delay time.Duration) {
	if c.n.cfg.AutoLeaderRebalanceDisabled {
		return
	}
	c.cancelAutoLeaderRebalance()
	term := c.term
	c.rb.timer = time.AfterFunc(delay, func() {
		c.enqueue("AutoPreferredReplicaLeaderElection", func() error {
			if !c.active || c.term != term {
				return nil
			}
			return c.processAutoPreferredReplicaLeaderElection()
		})
	})
}

// cancelAutoLeaderRebalance stops the scheduled check (on resignation).
func (c *controller) cancelAutoLeaderRebalance() {
	if c.rb.timer != nil {
		c.rb.timer.Stop()
		c.rb.timer = nil
	}
}

// processAutoPreferredReplicaLeaderElection runs one check and schedules
// the next, whatever the check's outcome (Kafka's try/finally).
func (c *controller) processAutoPreferredReplicaLeaderElection() error {
	defer c.scheduleAutoLeaderRebalance(c.n.cfg.LeaderImbalanceCheckInterval)
	c.rb.checks.Add(1)
	return c.checkAndTriggerAutoLeaderRebalance()
}

// checkAndTriggerAutoLeaderRebalance is Kafka's method of that name (see the
// file comment). Brokers are taken in id order (Kafka iterates a hash map).
func (c *controller) checkAndTriggerAutoLeaderRebalance() error {
	byPreferred := map[int32][]tp{}
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		if t.deleting {
			continue
		}
		for i := range t.parts {
			if p := &t.parts[i]; len(p.Replicas) > 0 {
				byPreferred[p.Replicas[0]] = append(byPreferred[p.Replicas[0]], tp{name, p.ID})
			}
		}
	}
	limit := float64(c.n.cfg.LeaderImbalancePerBrokerPercentage) / 100
	for _, id := range sortedKeys(byPreferred) {
		group := byPreferred[id]
		var notLed []tp
		for _, p := range group {
			// Kafka counts only partitions with leadership info.
			if cp := c.cc.partition(p); cp.hasState && cp.Leader != id {
				notLed = append(notLed, p)
			}
		}
		if float64(len(notLed))/float64(len(group)) <= limit {
			continue
		}
		candidates := slices.DeleteFunc(notLed, func(p tp) bool {
			_, _, ok := c.preferredElection(c.cc.partition(p))
			return !ok
		})
		if len(candidates) == 0 {
			continue // handleStateChanges does nothing for no partitions
		}
		b, err := c.electPreferred(candidates)
		if err != nil {
			return fmt.Errorf("auto leader rebalance for broker %d: %w", id, err)
		}
		b.send(nil)
		c.log.Info("auto leader rebalance", "broker", id, "imbalanced", len(notLed),
			"of", len(group), "elected", countPreferred(c.cc, candidates))
	}
	return nil
}

// electPreferred is onReplicaElection with the preferred strategy: the
// elections and the batch of pushes they cause, for the caller to send.
func (c *controller) electPreferred(parts []tp) (*requestBatch, error) {
	b := c.newBatch()
	if _, err := c.electLeaders(parts, c.preferredElection, b); err != nil {
		return nil, err
	}
	return b, nil
}

// preferredElection is PreferredReplicaPartitionLeaderElectionStrategy
// (3.9 Election.scala leaderForPreferredReplica,
// PartitionLeaderElectionAlgorithms.preferredReplicaPartitionLeaderElection):
// the first replica of the assignment leads if it is live (not shutting
// down: isReplicaOnline) and in the ISR; the ISR is kept
// (leaderAndIsr.newLeader), so only the leader and its epoch change.
func (c *controller) preferredElection(cp *ctxPartition) (int32, []int32, bool) {
	if len(cp.Replicas) == 0 {
		return 0, nil, false
	}
	pref := cp.Replicas[0]
	if !c.cc.canLead(pref) || !slices.Contains(cp.ISR, pref) {
		return 0, nil, false
	}
	return pref, slices.Clone(cp.ISR), true
}

// countPreferred counts the partitions of parts led by their preferred
// replica.
func countPreferred(cc *controllerContext, parts []tp) int {
	n := 0
	for _, p := range parts {
		if cp := cc.partition(p); cp != nil && len(cp.Replicas) > 0 && cp.Leader == cp.Replicas[0] {
			n++
		}
	}
	return n
}
