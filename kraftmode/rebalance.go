package kraftmode

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// Preferred-leader balancing as Kafka 3.9's active controller runs it
// (metadata/src/main/java/org/apache/kafka/controller/QuorumController.java,
// ReplicationControlManager.java).
//
// ReplicationControlManager keeps imbalancedPartitions, the partitions whose
// leader is not their preferred replica (PartitionRegistration.
// hasPreferredLeader), updated as each PartitionRecord and
// PartitionChangeRecord is replayed and dropped with their topic. After
// every controller write event, records or not, and when activation
// completes, QuorumController.maybeScheduleNextBalancePartitionLeaders
// schedules the MAYBE_BALANCE_PARTITION_LEADERS write event if the set is
// not empty, leader.imbalance.check.interval.seconds ahead (no event while
// auto.leader.rebalance.enable is false: ControllerServer passes no
// interval). The event (maybeBalancePartitionLeaders) runs a PREFERRED
// PartitionChangeBuilder election for each imbalanced partition, at most
// MAX_ELECTIONS_PER_IMBALANCE = 1000 records, and commits them through the
// usual append path; with 1000 it is scheduled again 10 ms later
// (IMMEDIATELY), else one interval later (DEFERRED). Renouncing leadership
// cancels it (cancelMaybeBalancePartitionLeaders). Unlike the ZooKeeper
// controller there is no per-broker imbalance threshold:
// leader.imbalance.per.broker.percentage is not read in KRaft mode.

const (
	// maxElectionsPerImbalance is MAX_ELECTIONS_PER_IMBALANCE.
	maxElectionsPerImbalance = 1000
	// immediateRebalanceDelay is the delay of an IMMEDIATELY rescheduled
	// event (QuorumController: 10 ms, for fairness with the event queue).
	immediateRebalanceDelay = 10 * time.Millisecond
)

// imbalanceSchedule is QuorumController.ImbalanceSchedule.
type imbalanceSchedule int

const (
	balanceDeferred imbalanceSchedule = iota
	balanceImmediately
	balanceScheduled
)

// partKey names one partition in records' terms.
type partKey struct {
	topic cluster.TopicID
	part  int32
}

// balancer is the active controller's share of preferred-leader balancing.
// Guarded by controller.mu.
type balancer struct {
	imbalanced map[partKey]struct{} // imbalancedPartitions, of the pending state
	state      imbalanceSchedule
	timer      *time.Timer
	runs       atomic.Int64 // balancing events run, for tests
}

// resetBalanceLocked rebuilds the imbalanced set from st on activation, as
// Kafka's controller has it from replaying the log.
func (c *controller) resetBalanceLocked(st *metaState) {
	c.bal.imbalanced = map[partKey]struct{}{}
	c.bal.state = balanceDeferred
	for _, t := range st.img.Topics {
		for i := range t.Partitions {
			c.trackPartitionLocked(t.ID, &t.Partitions[i])
		}
	}
}

// trackPartitionLocked puts p in or out of the imbalanced set.
func (c *controller) trackPartitionLocked(topic cluster.TopicID, p *cluster.Partition) {
	k := partKey{topic, p.ID}
	if len(p.Replicas) > 0 && p.Leader == p.Replicas[0] {
		delete(c.bal.imbalanced, k)
	} else {
		c.bal.imbalanced[k] = struct{}{}
	}
}

// trackRecordsLocked updates the imbalanced set for records just applied to
// the pending state, as ReplicationControlManager's replay does.
func (c *controller) trackRecordsLocked(recs []Record) {
	if c.bal.imbalanced == nil {
		return
	}
	for _, r := range recs {
		var topic cluster.TopicID
		var part int32
		switch r := r.(type) {
		case *PartitionRecord:
			topic, part = r.TopicID, r.PartitionID
		case *PartitionChangeRecord:
			topic, part = r.TopicID, r.PartitionID
		case *RemoveTopicRecord:
			for k := range c.bal.imbalanced {
				if k.topic == r.TopicID {
					delete(c.bal.imbalanced, k)
				}
			}
			continue
		default:
			continue
		}
		if p := pendingPartition(c.pending, topic, part); p != nil {
			c.trackPartitionLocked(topic, p)
		}
	}
}

// pendingPartition finds a partition of st by topic id, nil if none.
func pendingPartition(st *metaState, topic cluster.TopicID, part int32) *cluster.Partition {
	t, ok := st.img.Topics[st.ids[topic]]
	if !ok || part < 0 || int(part) >= len(t.Partitions) {
		return nil
	}
	return &t.Partitions[part]
}

// maybeScheduleBalanceLocked is maybeScheduleNextBalancePartitionLeaders,
// called after every write event.
func (c *controller) maybeScheduleBalanceLocked() {
	if !c.active || c.cfg.AutoLeaderRebalanceDisabled || c.bal.state == balanceScheduled || len(c.bal.imbalanced) == 0 {
		return
	}
	delay := c.cfg.LeaderImbalanceCheckInterval
	if c.bal.state == balanceImmediately {
		delay = immediateRebalanceDelay
	}
	term := c.term
	c.bal.timer = time.AfterFunc(delay, func() { c.balancePartitionLeaders(term) })
	c.bal.state = balanceScheduled
}

// cancelBalanceLocked is cancelMaybeBalancePartitionLeaders.
func (c *controller) cancelBalanceLocked() {
	if c.bal.timer != nil {
		c.bal.timer.Stop()
		c.bal.timer = nil
	}
	c.bal.state = balanceDeferred
	c.bal.imbalanced = nil
}

// balancePartitionLeaders is the MAYBE_BALANCE_PARTITION_LEADERS event of
// term: a write event like any other, whose records linger and commit
// through the accumulator. Nobody waits for it but the timer's goroutine.
func (c *controller) balancePartitionLeaders(term uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.RequestTimeout)
	defer cancel()
	_, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		if c.term != term || c.bal.state != balanceScheduled {
			return nil, nil // a timer of an earlier term
		}
		c.bal.runs.Add(1)
		recs := c.balanceRecordsLocked(st)
		c.bal.state = balanceDeferred
		if len(recs) >= maxElectionsPerImbalance {
			c.bal.state = balanceImmediately
		}
		if len(recs) > 0 {
			c.log.Info("maybeBalancePartitionLeaders", "records", len(recs), "imbalanced", len(c.bal.imbalanced))
		}
		return recs, nil
	})
	if err != nil {
		c.log.Info("preferred leader balancing did not commit", "err", err)
	}
}

// balanceRecordsLocked is maybeTriggerLeaderChangeForPartitionsWithoutPreferredLeader:
// a PREFERRED election for each imbalanced partition (in topic id and
// partition order here; Kafka iterates a hash set), up to
// maxElectionsPerImbalance records.
func (c *controller) balanceRecordsLocked(st *metaState) []Record {
	keys := make([]partKey, 0, len(c.bal.imbalanced))
	for k := range c.bal.imbalanced {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b partKey) int {
		if d := slices.Compare(a.topic[:], b.topic[:]); d != 0 {
			return d
		}
		return int(a.part - b.part)
	})
	var recs []Record
	for _, k := range keys {
		if len(recs) >= maxElectionsPerImbalance {
			break
		}
		if p := pendingPartition(st, k.topic, k.part); p != nil {
			if r := c.preferredChangeLocked(st, k.topic, p); r != nil {
				recs = append(recs, r)
			}
		}
	}
	return recs
}

// preferredChangeLocked is a PartitionChangeBuilder with Election.PREFERRED
// (3.9 PartitionChangeBuilder.electPreferredLeader, tryElection): the
// preferred replica if it is a valid leader (in the ISR and an active
// broker: registered, unfenced, not in controlled shutdown, as
// ReplicationControlManager.LeaderAcceptor asks ClusterControlManager.
// isActive); else the current leader if it still is valid (no change); else
// the first other valid replica; else no leader. The ISR is kept. It
// returns nil when the leader would not change (Kafka's empty build()).
func (c *controller) preferredChangeLocked(st *metaState, topic cluster.TopicID, p *cluster.Partition) *PartitionChangeRecord {
	valid := func(r int32) bool {
		b, ok := st.img.Brokers[r]
		return ok && !b.Fenced && !c.inShutdownLocked(r) && slices.Contains(p.ISR, r)
	}
	leader := cluster.NoLeader
	switch {
	case len(p.Replicas) > 0 && valid(p.Replicas[0]):
		leader = p.Replicas[0]
	case p.Leader != cluster.NoLeader && valid(p.Leader):
		leader = p.Leader
	default:
		for _, r := range p.Replicas {
			if valid(r) {
				leader = r
				break
			}
		}
	}
	if leader == p.Leader {
		return nil
	}
	return &PartitionChangeRecord{TopicID: topic, PartitionID: p.ID, Leader: leader}
}
