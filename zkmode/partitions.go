package zkmode

import (
	"errors"
	"slices"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/cluster"
)

// maxOpsPerMulti bounds one multi; 100 partitions (p and p/state znodes)
// keep a request far below ZooKeeper's 1 MB jute.maxbuffer.
const maxOpsPerMulti = 200

// initPartitions moves New partitions (no state znode) to Online (Kafka's
// PartitionStateMachine NewPartition -> OnlinePartition): the leader is the
// first live replica, the ISR the live replicas, the leader epoch 0. The
// state znodes are created in multi batches, each conditioned on the
// controller epoch; partitions without a live replica stay New. The LeaderAndIsr
// (to the replicas) and UpdateMetadata (to every live broker) for the
// partitions brought online are added to batch b, which is returned.
func (c *controller) initPartitions(parts []tp, b *requestBatch) ([]tp, error) {
	var ops []op
	var inBatch, online []tp
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		err := c.createStates(ops, inBatch)
		ops, inBatch = ops[:0], inBatch[:0]
		return err
	}
	parents := map[string]bool{}
	for _, p := range parts {
		cp := c.cc.partition(p)
		if cp == nil || cp.hasState || c.cc.topics[p.topic].deleting {
			continue
		}
		live := c.cc.liveReplicas(cp)
		if len(live) == 0 {
			c.log.Warn("partition has no live replica, stays new", "topic", p.topic, "partition", p.part)
			continue
		}
		cp.Leader, cp.ISR, cp.LeaderEpoch, cp.controllerEpoch = live[0], live, 0, c.epoch
		if !parents[p.topic] && !c.hasPartitionsNode(p.topic) {
			parents[p.topic] = true
			ops = append(ops, op{kind: opCreate, path: partitionsPath(p.topic)})
		}
		ops = append(ops,
			op{kind: opCreate, path: partitionPath(p.topic, p.part)},
			op{kind: opCreate, path: statePath(p.topic, p.part), data: encodeState(cp.Leader, 0, cp.ISR, c.epoch)})
		inBatch = append(inBatch, p)
		online = append(online, p)
		if len(ops) >= maxOpsPerMulti {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	live := c.cc.liveIDs()
	var done []tp
	for _, p := range online {
		cp := c.cc.partition(p)
		if cp == nil || !cp.hasState {
			continue
		}
		b.addLeaderAndIsr(c.cc.liveReplicas(cp), p, true)
		b.addUpdateMetadata(live, p)
		done = append(done, p)
	}
	return done, nil
}

// hasPartitionsNode says whether /brokers/topics/<t>/partitions exists, as
// far as the context knows: it does once any partition has a state.
func (c *controller) hasPartitionsNode(topic string) bool {
	for _, p := range c.cc.topics[topic].parts {
		if p.hasState {
			return true
		}
	}
	return false
}

// createStates runs one batch of creations. If some znode exists already (a
// previous controller wrote part of the topic before dying), it falls back to
// one multi per partition and adopts the states it finds.
func (c *controller) createStates(ops []op, parts []tp) error {
	_, err := c.cwrite(ops)
	if err == nil {
		for _, p := range parts {
			cp := c.cc.partition(p)
			cp.hasState, cp.zkVersion = true, 0
		}
		return nil
	}
	if !errors.Is(err, zk.ErrNodeExists) {
		return err
	}
	for _, p := range parts {
		if err := c.createStateOne(p); err != nil {
			return err
		}
	}
	return nil
}

func (c *controller) createStateOne(p tp) error {
	cp := c.cc.partition(p)
	for _, path := range []string{partitionsPath(p.topic), partitionPath(p.topic, p.part)} {
		if _, err := c.cwrite([]op{{kind: opCreate, path: path}}); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return err
		}
	}
	_, err := c.cwrite([]op{{kind: opCreate, path: statePath(p.topic, p.part), data: encodeState(cp.Leader, 0, cp.ISR, c.epoch)}})
	if err == nil {
		cp.hasState, cp.zkVersion = true, 0
		return nil
	}
	if !errors.Is(err, zk.ErrNodeExists) {
		return err
	}
	return c.refreshState(p)
}

// refreshState re-reads one partition's state znode into the context.
func (c *controller) refreshState(p tp) error {
	b, st, err := c.n.z.get(statePath(p.topic, p.part))
	if err != nil {
		return err
	}
	s, err := decodeState(statePath(p.topic, p.part), b)
	if err != nil {
		return err
	}
	cp := c.cc.partition(p)
	cp.Leader, cp.LeaderEpoch, cp.ISR, cp.controllerEpoch = s.Leader, s.LeaderEpoch, s.ISR, s.ControllerEpoch
	cp.zkVersion, cp.hasState = st.Version, true
	return nil
}

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

// electLeader is Kafka's offline partition leader election with
// unclean.leader.election.enable=false: the first replica, in assignment
// order, that is live and in the ISR; NoLeader if there is none.
func electLeader(replicas, isr []int32, live func(int32) bool) int32 {
	for _, r := range replicas {
		if live(r) && slices.Contains(isr, r) {
			return r
		}
	}
	return cluster.NoLeader
}

// updateStates writes the changes (leader epoch + 1, this controller's
// epoch) with setData conditioned on each state znode's version, in multi
// batches conditioned on the controller epoch, and adds their pushes to b:
// LeaderAndIsr to the live replicas, UpdateMetadata to every live broker.
func (c *controller) updateStates(changes []leaderChange, b *requestBatch) error {
	live := c.cc.liveIDs()
	for start := 0; start < len(changes); start += maxOpsPerMulti {
		chunk := changes[start:min(start+maxOpsPerMulti, len(changes))]
		ops := make([]op, len(chunk))
		for i, ch := range chunk {
			cp := c.cc.partition(ch.p)
			ops[i] = op{kind: opSet, path: statePath(ch.p.topic, ch.p.part),
				data: encodeState(ch.leader, ch.nextEpoch(cp), ch.isr, c.epoch), version: cp.zkVersion}
		}
		res, err := c.cwrite(ops)
		if err != nil {
			if !errors.Is(err, zk.ErrBadVersion) || errors.Is(err, errControllerMoved) {
				return err
			}
			// Someone else changed a state znode: reload those, skip the chunk.
			for _, ch := range chunk {
				if rerr := c.refreshState(ch.p); rerr != nil {
					return rerr
				}
			}
			c.log.Warn("partition state changed under the controller; reloaded", "err", err)
			continue
		}
		for i, ch := range chunk {
			cp := c.cc.partition(ch.p)
			cp.Leader, cp.ISR, cp.LeaderEpoch = ch.leader, ch.isr, ch.nextEpoch(cp)
			cp.controllerEpoch, cp.zkVersion = c.epoch, res[i].Stat.Version
			b.addLeaderAndIsr(c.cc.liveReplicas(cp), ch.p, false)
			b.addUpdateMetadata(live, ch.p)
		}
	}
	return nil
}

// leaderChanges computes, for every partition whose leader or ISR includes
// a broker that is not live, its new leader and ISR (Kafka's onBrokerFailure
// and triggerOnlinePartitionStateChange): a leader that is gone is replaced
// by the first live ISR member in assignment order; dead members leave the
// ISR. When no ISR member is left the partition has no leader and keeps its
// last ISR member, as Kafka does, so that broker can lead again when it
// returns. Topics being deleted are left alone.
func (c *controller) leaderChanges() []leaderChange {
	var out []leaderChange
	live := c.cc.isLive
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		if t.deleting {
			continue
		}
		for i := range t.parts {
			p := &t.parts[i]
			leaderGone := !live(p.Leader)
			isrHit := slices.ContainsFunc(p.ISR, func(r int32) bool { return !live(r) })
			if !p.hasState || (!leaderGone && !isrHit) {
				continue
			}
			isr := slices.DeleteFunc(slices.Clone(p.ISR), func(r int32) bool { return !live(r) })
			leader := p.Leader
			if leaderGone {
				leader = electLeader(p.Replicas, isr, c.cc.canLead)
			}
			if leader == cluster.NoLeader && len(isr) == 0 {
				isr = slices.Clone(p.ISR)
				if p.Leader != cluster.NoLeader {
					isr = []int32{p.Leader}
				}
			}
			if leader == p.Leader && slices.Equal(isr, p.ISR) {
				continue
			}
			out = append(out, leaderChange{p: tp{name, p.ID}, leader: leader, isr: isr})
		}
	}
	return out
}
