package zkmode

import (
	"errors"
	"fmt"
	"slices"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// Kafka's partition and replica state machines (3.9
// controller/PartitionStateMachine.scala, ReplicaStateMachine.scala) as far
// as ZooKeeper sees them: every election and every ISR removal first
// re-reads the partitions' state znodes (getTopicPartitionStatesRaw, one
// getData each, pipelined), computes the new leader and ISR from what it
// read, and writes each state with its own epoch-checked setData
// conditioned on the version read (updateLeaderAndIsr); the partitions whose
// write lost a race (BADVERSION) are read and tried again.

// leaderChange is a new leader and ISR for one partition.
type leaderChange struct {
	p      tp
	leader int32
	isr    []int32
	// isrOnly keeps the leader epoch: an ISR expansion (Kafka's
	// AlterPartition) changes only the partition epoch (the znode version).
	isrOnly bool
}

// nextEpoch is the leader epoch the change writes.
func (ch leaderChange) nextEpoch(cp *ctxPartition) int32 {
	if ch.isrOnly {
		return cp.LeaderEpoch
	}
	return cp.LeaderEpoch + 1
}

// readPartitionStates is getTopicPartitionStatesRaw: it reads the state
// znodes of parts into the context and returns the partitions that have
// one. A state written by a later controller means this one was deposed
// (Kafka fails the state change; the controller then learns it moved).
func (c *controller) readPartitionStates(parts []tp) ([]tp, error) {
	paths := make([]string, len(parts))
	for i, p := range parts {
		paths[i] = zkmeta.StatePath(p.topic, p.part)
	}
	var have []tp
	for i, r := range c.n.z.GetMany(paths, c.n.cfg.MaxInFlightRequests) {
		if errors.Is(r.Err, zk.ErrNoNode) {
			continue
		}
		if r.Err != nil {
			return nil, fmt.Errorf("read partition states: %w", r.Err)
		}
		s, err := zkmeta.DecodeState(paths[i], r.Data)
		if err != nil {
			return nil, err
		}
		if s.ControllerEpoch > c.epoch {
			return nil, &controllerMovedError{expected: c.epochZkVersion, err: fmt.Errorf("%s written in controller epoch %d", paths[i], s.ControllerEpoch)}
		}
		cp := c.cc.partition(parts[i])
		if cp == nil {
			continue
		}
		cp.Leader, cp.LeaderEpoch, cp.ISR, cp.controllerEpoch = s.Leader, s.LeaderEpoch, s.ISR, s.ControllerEpoch
		cp.zkVersion, cp.hasState = r.Stat.Version, true
		have = append(have, parts[i])
	}
	return have, nil
}

// writeStates is KafkaZkClient.updateLeaderAndIsr: one epoch-checked setData
// per change, conditioned on the version last read. The written states go to
// the context and their pushes to b (LeaderAndIsr to recipients(p), which
// also adds UpdateMetadata to every live broker, as Kafka's
// addLeaderAndIsrRequestForBrokers does; no pushes where recipients(p) is nil).
// It returns the partitions whose write lost a race, for the caller to read
// and try again.
func (c *controller) writeStates(changes []leaderChange, b *requestBatch, recipients func(p tp) []int32) ([]tp, error) {
	ops := make([]zkmeta.Op, len(changes))
	for i, ch := range changes {
		cp := c.cc.partition(ch.p)
		ops[i] = zkmeta.Op{Kind: zkmeta.OpSet, Path: zkmeta.StatePath(ch.p.topic, ch.p.part),
			Data: zkmeta.EncodeState(ch.leader, ch.nextEpoch(cp), ch.isr, c.epoch), Version: cp.zkVersion}
	}
	res, err := c.cwriteEach(ops)
	if err != nil {
		return nil, err
	}
	live := c.cc.liveIDs()
	var retry []tp
	for i, ch := range changes {
		switch {
		case errors.Is(res[i].err, zk.ErrBadVersion):
			retry = append(retry, ch.p)
			continue
		case res[i].err != nil:
			c.log.Warn("partition state change failed", "topic", ch.p.topic, "partition", ch.p.part, "err", res[i].err)
			continue
		}
		cp := c.cc.partition(ch.p)
		cp.Leader, cp.ISR, cp.LeaderEpoch = ch.leader, ch.isr, ch.nextEpoch(cp)
		cp.controllerEpoch, cp.zkVersion = c.epoch, res[i].stat.Version
		if rs := recipients(ch.p); rs != nil {
			b.addLeaderAndIsr(rs, ch.p, false)
			b.addUpdateMetadata(live, ch.p)
		}
	}
	return retry, nil
}

// electionStrategy computes a partition's new state from the one just read;
// false means no leader can be elected (Kafka's failed election).
type electionStrategy func(cp *ctxPartition) (leader int32, isr []int32, ok bool)

// electLeaders is ZkPartitionStateMachine.electLeaderForPartitions (3.9
// PartitionStateMachine.scala:329-457): read the states, elect with
// strategy, write, and retry the writes that lost a race, until none is
// left. LeaderAndIsr goes to the partition's live replicas (shutting-down
// ones included), UpdateMetadata to every live broker. It returns how many
// partitions got a new state.
func (c *controller) electLeaders(parts []tp, strategy electionStrategy, b *requestBatch) (int, error) {
	done := 0
	for len(parts) > 0 {
		have, err := c.readPartitionStates(parts)
		if err != nil {
			return done, err
		}
		var changes []leaderChange
		for _, p := range have {
			if leader, isr, ok := strategy(c.cc.partition(p)); ok {
				changes = append(changes, leaderChange{p: p, leader: leader, isr: isr})
			}
		}
		retry, err := c.writeStates(changes, b, func(p tp) []int32 { return c.cc.liveReplicas(c.cc.partition(p)) })
		if err != nil {
			return done, err
		}
		done += len(changes) - len(retry)
		parts = retry
	}
	return done, nil
}

// offlineElection is Kafka's OfflinePartitionLeaderElectionStrategy with
// unclean.leader.election.enable=false (3.9 Election.scala
// leaderForOffline): the first replica, in assignment order, that is live
// (not shutting down) and in the ISR leads; the ISR keeps its live members.
func (c *controller) offlineElection(cp *ctxPartition) (int32, []int32, bool) {
	leader := electLeader(cp.Replicas, cp.ISR, c.cc.canLead)
	if leader == cluster.NoLeader {
		return 0, nil, false
	}
	return leader, slices.DeleteFunc(slices.Clone(cp.ISR), func(r int32) bool { return !c.cc.canLead(r) }), true
}

// controlledShutdownElection is ControlledShutdownPartitionLeaderElection
// (Election.scala leaderForControlledShutdown): the first live replica in
// the ISR that is not shutting down leads; shutting-down brokers leave the
// ISR.
func (c *controller) controlledShutdownElection(cp *ctxPartition) (int32, []int32, bool) {
	leader := electLeader(cp.Replicas, cp.ISR, c.cc.canLead)
	if leader == cluster.NoLeader {
		return 0, nil, false
	}
	return leader, slices.DeleteFunc(slices.Clone(cp.ISR), func(r int32) bool { return c.cc.shuttingDown[r] }), true
}

// electLeader is the first replica, in assignment order, that eligible
// accepts and that is in the ISR; NoLeader if there is none.
func electLeader(replicas, isr []int32, eligible func(int32) bool) int32 {
	for _, r := range replicas {
		if eligible(r) && slices.Contains(isr, r) {
			return r
		}
	}
	return cluster.NoLeader
}

// triggerOnlinePartitionStateChange is Kafka's method of that name
// (PartitionStateMachine.scala:41-62): every New partition (no state znode)
// and every Offline one (its leader not live) of a topic not being deleted
// is moved to Online: New ones get their first state (initPartitions),
// Offline ones an election. A partition whose election fails stays Offline
// and is tried again at the next trigger, as in Kafka. It returns the
// partitions brought online and how many elections succeeded.
func (c *controller) triggerOnlinePartitionStateChange(b *requestBatch) ([]tp, int, error) {
	var fresh, offline []tp
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		if t.deleting {
			continue
		}
		for i := range t.parts {
			p := &t.parts[i]
			switch {
			case !p.hasState:
				fresh = append(fresh, tp{name, p.ID})
			case !c.cc.isLive(p.Leader):
				offline = append(offline, tp{name, p.ID})
			}
		}
	}
	online, err := c.initPartitions(fresh, b)
	if err != nil {
		return nil, 0, err
	}
	if err := c.readUncleanConfigs(offline); err != nil {
		return nil, 0, err
	}
	n, err := c.electLeaders(offline, c.offlineElection, b)
	return online, n, err
}

// readUncleanConfigs is the read Kafka's offline election makes for the
// partitions with no live ISR member (collectUncleanLeaderElectionState,
// PartitionStateMachine.scala:472-510): the topic configs, to see whether
// unclean.leader.election.enable is set on the topic. kraftbench elects
// cleanly only (the Kafka default), so the answer is not used; the read is
// Kafka's cost. It uses the states in the context, which Kafka reads just
// before (it re-reads them in electLeaders as well).
func (c *controller) readUncleanConfigs(offline []tp) error {
	seen := map[string]bool{}
	var paths []string
	for _, p := range offline {
		cp := c.cc.partition(p)
		if cp == nil || seen[p.topic] || slices.ContainsFunc(cp.ISR, c.cc.canLead) {
			continue
		}
		seen[p.topic] = true
		paths = append(paths, zkmeta.TopicConfigPath(p.topic))
	}
	for _, r := range c.n.z.GetMany(paths, c.n.cfg.MaxInFlightRequests) {
		if r.Err != nil && !errors.Is(r.Err, zk.ErrNoNode) {
			return fmt.Errorf("read topic configs: %w", r.Err)
		}
	}
	return nil
}

// offlineReplicas is the ReplicaStateMachine's OfflineReplica transition
// (ReplicaStateMachine.scala:212-248, removeReplicasFromIsr :333-413), one
// replica id at a time in id order: StopReplica (without delete) to the
// replica, then, for its partitions that have a state, a re-read of the
// states and, where the ISR holds the replica, a write that takes it out
// (the leader becomes NoLeader if it was the replica; an ISR of one is left
// as it is). LeaderAndIsr goes to the other replicas and UpdateMetadata to
// every live broker for every partition read, written or not, except for
// topics being deleted.
func (c *controller) offlineReplicas(byReplica map[int32][]tp, b *requestBatch) error {
	for _, id := range sortedKeys(byReplica) {
		var parts []tp
		for _, p := range byReplica[id] {
			b.addStopReplicaKeep(id, p)
			if cp := c.cc.partition(p); cp != nil && cp.hasState {
				parts = append(parts, p)
			} else if cp != nil {
				b.addUpdateMetadata(c.cc.liveIDs(), p)
			}
		}
		recipients := func(p tp) []int32 {
			if c.cc.topics[p.topic].deleting {
				return nil
			}
			return without(c.cc.partition(p).Replicas, id)
		}
		for len(parts) > 0 {
			have, err := c.readPartitionStates(parts)
			if err != nil {
				return err
			}
			var changes []leaderChange
			for _, p := range have {
				if ch, ok := removeFromISR(c.cc.partition(p), id); ok {
					changes = append(changes, leaderChange{p: p, leader: ch.leader, isr: ch.isr})
				} else if rs := recipients(p); rs != nil {
					// Kafka pushes the state it read unchanged as well
					// (leaderAndIsrsWithoutReplica, :395-402).
					b.addLeaderAndIsr(rs, p, false)
					b.addUpdateMetadata(c.cc.liveIDs(), p)
				}
			}
			if parts, err = c.writeStates(changes, b, recipients); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeFromISR is doRemoveReplicasFromIsr for one partition: the new state
// once replica id leaves it; false when the ISR does not hold id.
func removeFromISR(cp *ctxPartition, id int32) (leaderChange, bool) {
	if !slices.Contains(cp.ISR, id) {
		return leaderChange{}, false
	}
	leader := cp.Leader
	if leader == id {
		leader = cluster.NoLeader
	}
	isr := cp.ISR
	if len(isr) > 1 {
		isr = without(isr, id)
	}
	return leaderChange{leader: leader, isr: slices.Clone(isr)}, true
}

// replicasOn lists, by broker, the partitions with a replica on one of ids
// (Kafka's replicasOnBrokers), skipping topics being deleted when
// skipDeleting is set.
func (c *controller) replicasOn(ids []int32, skipDeleting bool) map[int32][]tp {
	out := map[int32][]tp{}
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		if skipDeleting && t.deleting {
			continue
		}
		for i := range t.parts {
			for _, r := range t.parts[i].Replicas {
				if slices.Contains(ids, r) {
					out[r] = append(out[r], tp{name, t.parts[i].ID})
				}
			}
		}
	}
	return out
}

// without returns vs without x.
func without(vs []int32, x int32) []int32 {
	return slices.DeleteFunc(slices.Clone(vs), func(v int32) bool { return v == x })
}
