package zkmode

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// requestBatch gathers the pushes one controller event causes (Kafka's
// ControllerBrokerRequestBatch): at most one LeaderAndIsr, one
// UpdateMetadata and one StopReplica per broker. The partition states are
// read from the controller context when the batch is sent.
type requestBatch struct {
	c         *controller
	lai       map[int32]map[tp]bool // broker -> partition -> isNew
	laiFull   bool
	um        map[int32]bool // brokers to send UpdateMetadata to
	umParts   map[tp]bool
	umAll     bool // every partition, as a full snapshot
	stop      map[int32][]tp
	keep      map[int32]map[tp]bool // StopReplica without delete
	hasWrites bool
}

func (c *controller) newBatch() *requestBatch {
	return &requestBatch{c: c, lai: map[int32]map[tp]bool{}, um: map[int32]bool{}, umParts: map[tp]bool{}, stop: map[int32][]tp{}}
}

// addLeaderAndIsr sends p's state to brokers (its live replicas).
func (b *requestBatch) addLeaderAndIsr(brokers []int32, p tp, isNew bool) {
	for _, id := range brokers {
		if b.lai[id] == nil {
			b.lai[id] = map[tp]bool{}
		}
		b.lai[id][p] = isNew
	}
	b.hasWrites = true
}

// addUpdateMetadata sends parts (possibly none: the live brokers only) to brokers.
func (b *requestBatch) addUpdateMetadata(brokers []int32, parts ...tp) {
	for _, id := range brokers {
		b.um[id] = true
	}
	for _, p := range parts {
		b.umParts[p] = true
	}
	b.hasWrites = true
}

func (b *requestBatch) addStopReplica(broker int32, p tp) {
	b.stop[broker] = append(b.stop[broker], p)
	b.hasWrites = true
}

// addStopReplicaKeep tells broker to stop its replica of p but keep it
// (deletePartition=false), as a controlled shutdown does for the partitions
// the broker follows.
func (b *requestBatch) addStopReplicaKeep(broker int32, p tp) {
	if b.keep == nil {
		b.keep = map[int32]map[tp]bool{}
	}
	if b.keep[broker] == nil {
		b.keep[broker] = map[tp]bool{}
	}
	b.keep[broker][p] = true
	b.addStopReplica(broker, p)
}

// send queues the batch's requests and calls onDone (if not nil) once every
// broker answered them or left.
func (b *requestBatch) send(onDone func(aborted bool)) {
	b.sendBatch(newPushBatch(onDone))
}

// sendWatching queues the batch's requests and calls onWatch once broker
// answered its own (or left), whatever the other brokers do.
func (b *requestBatch) sendWatching(broker int32, onWatch func(aborted bool)) {
	pb := newPushBatch(nil)
	pb.watch, pb.onWatch = broker, onWatch
	b.sendBatch(pb)
}

// sendAll sends the batches in order (each broker's queue keeps that order)
// and calls onDone once every request of all of them was answered or
// dropped.
func sendAll(batches []*requestBatch, onDone func(aborted bool)) {
	pb := newPushBatch(onDone)
	for _, b := range batches {
		b.queue(pb)
	}
	pb.seal()
}

func (b *requestBatch) sendBatch(pb *pushBatch) {
	b.queue(pb)
	pb.seal()
}

// queue sends the batch's requests under pb, without sealing it: LeaderAndIsr
// first, then UpdateMetadata, then StopReplica, as Kafka's
// sendRequestsToBrokers (3.9 ControllerChannelManager.scala:742-747).
func (b *requestBatch) queue(pb *pushBatch) {
	c := b.c
	if c.cm != nil {
		for _, id := range sortedKeys(b.lai) {
			c.cm.send(id, b.leaderAndIsr(id), pb)
		}
		if len(b.um) > 0 {
			base := b.updateMetadata()
			for _, id := range sortedKeys(b.um) {
				req := *base
				req.BrokerEpoch = c.brokerEpoch(id)
				c.cm.send(id, &req, pb)
			}
		}
		for _, id := range sortedKeys(b.stop) {
			c.cm.send(id, b.stopReplica(id), pb)
		}
	}
}

func sortedKeys[V any](m map[int32]V) []int32 {
	ks := make([]int32, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func (c *controller) brokerEpoch(id int32) int64 {
	if b, ok := c.cc.brokers[id]; ok {
		return b.Epoch
	}
	return -1
}

func (b *requestBatch) leaderAndIsr(id int32) *kmsg.LeaderAndISRRequest {
	c := b.c
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.SetVersion(zkmeta.LeaderAndIsrVersion)
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = c.id, c.epoch, c.brokerEpoch(id)
	if b.laiFull {
		req.Type = 1
	}
	byTopic := map[string]*kmsg.LeaderAndISRRequestTopicState{}
	leaders := map[int32]bool{}
	parts := b.lai[id]
	keys := make([]tp, 0, len(parts))
	for p := range parts {
		keys = append(keys, p)
	}
	slices.SortFunc(keys, compareTP)
	for _, p := range keys {
		cp := c.cc.partition(p)
		if cp == nil || !cp.hasState {
			continue
		}
		ts, ok := byTopic[p.topic]
		if !ok {
			req.TopicStates = append(req.TopicStates, kmsg.NewLeaderAndISRRequestTopicState())
			ts = &req.TopicStates[len(req.TopicStates)-1]
			ts.Topic, ts.TopicID = p.topic, c.cc.topics[p.topic].id
			byTopic[p.topic] = ts
		}
		ts.PartitionStates = append(ts.PartitionStates, zkmeta.LeaderAndIsrPartition(cp.Partition, cp.controllerEpoch, cp.zkVersion, parts[p]))
		leaders[cp.Leader] = true
	}
	for _, lid := range sortedKeys(leaders) {
		if br, ok := c.cc.brokers[lid]; ok {
			ll := kmsg.NewLeaderAndISRRequestLiveLeader()
			ll.BrokerID = lid
			if ep, ok := br.EndpointFor(c.n.cfg.InterBrokerListener); ok {
				ll.Host, ll.Port = ep.Host, ep.Port
			}
			req.LiveLeaders = append(req.LiveLeaders, ll)
		}
	}
	return req
}

// updateMetadata builds the request every broker of the batch gets (the
// broker epoch is set per broker).
func (b *requestBatch) updateMetadata() *kmsg.UpdateMetadataRequest {
	c := b.c
	req := kmsg.NewPtrUpdateMetadataRequest()
	req.SetVersion(zkmeta.UpdateMetadataVersion)
	req.ControllerID, req.ControllerEpoch = c.id, c.epoch
	req.LiveBrokers = zkmeta.LiveBrokers(c.cc.liveBrokers())
	if b.umAll {
		zkmeta.SetUpdateMetadataType(req, zkmeta.UpdateMetadataFull)
		for _, name := range c.cc.sortedTopicNames() {
			t := c.cc.topics[name]
			ts := topicState(t, nil)
			if len(ts.PartitionStates) > 0 || t.deleting {
				req.TopicStates = append(req.TopicStates, ts)
			}
		}
		return req
	}
	zkmeta.SetUpdateMetadataType(req, zkmeta.UpdateMetadataIncrement)
	byTopic := map[string][]int32{}
	for p := range b.umParts {
		byTopic[p.topic] = append(byTopic[p.topic], p.part)
	}
	names := make([]string, 0, len(byTopic))
	for n := range byTopic {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		t, ok := c.cc.topics[n]
		if !ok {
			continue
		}
		parts := byTopic[n]
		slices.Sort(parts)
		if ts := topicState(t, parts); len(ts.PartitionStates) > 0 {
			req.TopicStates = append(req.TopicStates, ts)
		}
	}
	return req
}

// topicState is a topic's UpdateMetadata entry for parts (nil: all). A topic
// being deleted is sent with every partition led by
// zkmeta.LeaderDuringDelete.
func topicState(t *ctxTopic, parts []int32) kmsg.UpdateMetadataRequestTopicState {
	ts := kmsg.NewUpdateMetadataRequestTopicState()
	ts.Topic, ts.TopicID = t.name, t.id
	add := func(p *ctxPartition) {
		if p.hasState || t.deleting {
			ts.PartitionStates = append(ts.PartitionStates, zkmeta.UpdateMetadataPartition(p.Partition, p.controllerEpoch, p.zkVersion, t.deleting))
		}
	}
	if parts == nil {
		for i := range t.parts {
			add(&t.parts[i])
		}
		return ts
	}
	for _, p := range parts {
		if int(p) < len(t.parts) {
			add(&t.parts[p])
		}
	}
	return ts
}

func (b *requestBatch) stopReplica(id int32) *kmsg.StopReplicaRequest {
	c := b.c
	req := kmsg.NewPtrStopReplicaRequest()
	req.SetVersion(zkmeta.StopReplicaVersion)
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = c.id, c.epoch, c.brokerEpoch(id)
	parts := slices.Clone(b.stop[id])
	slices.SortFunc(parts, compareTP)
	for i, p := range parts {
		if i == 0 || parts[i-1].topic != p.topic {
			t := kmsg.NewStopReplicaRequestTopic()
			t.Topic = p.topic
			req.Topics = append(req.Topics, t)
		}
		ps := kmsg.NewStopReplicaRequestTopicPartitionState()
		ps.Partition, ps.LeaderEpoch, ps.Delete = p.part, -2, true // -2: Kafka's EpochDuringDelete
		if b.keep[id][p] {
			ps.Delete, ps.LeaderEpoch = false, -1
			if cp := c.cc.partition(p); cp != nil {
				ps.LeaderEpoch = cp.LeaderEpoch
			}
		}
		last := &req.Topics[len(req.Topics)-1]
		last.PartitionStates = append(last.PartitionStates, ps)
	}
	return req
}

func compareTP(a, b tp) int {
	if a.topic != b.topic {
		if a.topic < b.topic {
			return -1
		}
		return 1
	}
	return int(a.part - b.part)
}
