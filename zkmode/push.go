package zkmode

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// The node-to-node requests a ZooKeeper-mode controller sends, at the
// versions Kafka 3.x uses on the wire.
const (
	leaderAndIsrVersion   = 6 // topic ids, Type (FULL on failover)
	updateMetadataVersion = 8 // the Type tag (FULL on failover), KIP-866
	stopReplicaVersion    = 3 // per-partition delete flag
)

// leaderDuringDelete is the leader Kafka's controller puts in UpdateMetadata
// for a partition whose topic is being deleted (LeaderAndIsr.LeaderDuringDelete):
// brokers drop such partitions from their metadata cache.
const leaderDuringDelete int32 = -2

// updateMetadataTypeTag is the tag of UpdateMetadata's Type field (v8+):
// 2 marks a full snapshot, which replaces a broker's cache instead of being
// merged into it, so topics deleted while a broker missed the pushes do not
// survive a failover.
const (
	updateMetadataTypeTag   = 0
	updateMetadataFull      = 2
	updateMetadataIncrement = 1
)

// tp is a topic partition.
type tp struct {
	topic string
	part  int32
}

// liveBrokers is the LiveBrokers field of an UpdateMetadata for brokers.
func liveBrokers(brokers []*cluster.Broker) []kmsg.UpdateMetadataRequestLiveBroker {
	out := make([]kmsg.UpdateMetadataRequestLiveBroker, 0, len(brokers))
	for _, b := range brokers {
		lb := kmsg.NewUpdateMetadataRequestLiveBroker()
		lb.ID = b.ID
		if ep, ok := b.Addr(); ok {
			lb.Host, lb.Port = ep.Host, ep.Port
		}
		for _, ep := range b.Endpoints {
			e := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
			e.Host, e.Port, e.ListenerName, e.SecurityProtocol = ep.Host, ep.Port, ep.Listener, 0
			lb.Endpoints = append(lb.Endpoints, e)
		}
		if b.Rack != "" {
			rack := b.Rack
			lb.Rack = &rack
		}
		out = append(out, lb)
	}
	return out
}

// umPartition is one partition state of an UpdateMetadata.
func umPartition(p *ctxPartition, deleting bool) kmsg.UpdateMetadataRequestTopicPartition {
	s := kmsg.NewUpdateMetadataRequestTopicPartition()
	s.Partition = p.ID
	s.ControllerEpoch = p.controllerEpoch
	s.Leader, s.LeaderEpoch = p.Leader, p.LeaderEpoch
	if deleting {
		s.Leader = leaderDuringDelete
	}
	s.ISR, s.Replicas, s.ZKVersion = p.ISR, p.Replicas, p.zkVersion
	s.OfflineReplicas = []int32{}
	return s
}

// setUpdateMetadataType sets the v8 Type tag.
func setUpdateMetadataType(r *kmsg.UpdateMetadataRequest, typ byte) {
	r.UnknownTags.Set(updateMetadataTypeTag, []byte{typ})
}

// isFullUpdateMetadata reads the v8 Type tag.
func isFullUpdateMetadata(r *kmsg.UpdateMetadataRequest) bool {
	full := false
	r.UnknownTags.Each(func(key uint32, val []byte) {
		if key == updateMetadataTypeTag && len(val) == 1 && val[0] == updateMetadataFull {
			full = true
		}
	})
	return full
}

// applyUpdateMetadata returns the image a broker serves after req: the live
// brokers are replaced, the listed partitions are upserted (or dropped when
// their leader is leaderDuringDelete), and a full request replaces the topics
// altogether. Offset counts the pushes applied.
func applyUpdateMetadata(old *cluster.Image, req *kmsg.UpdateMetadataRequest) *cluster.Image {
	img := old.Clone()
	if isFullUpdateMetadata(req) {
		img.Topics = make(map[string]*cluster.Topic, len(req.TopicStates))
	} else if len(req.TopicStates) > 0 {
		// ZkMetadataCache.updateMetadata copies every partition state of the
		// cache before it applies a request that carries any (3.9
		// ZkMetadataCache.scala:561-566): O(partitions) per UpdateMetadata.
		for name, t := range img.Topics {
			img.Topics[name] = &cluster.Topic{Name: t.Name, ID: t.ID, Partitions: slices.Clone(t.Partitions), Configs: t.Configs}
		}
	}
	img.Offset = old.Offset + 1
	img.ControllerID = req.ControllerID
	img.Brokers = make(map[int32]*cluster.Broker, len(req.LiveBrokers))
	for _, lb := range req.LiveBrokers {
		b := &cluster.Broker{ID: lb.ID}
		for _, e := range lb.Endpoints {
			b.Endpoints = append(b.Endpoints, cluster.Endpoint{Listener: e.ListenerName, Host: e.Host, Port: e.Port})
		}
		if len(b.Endpoints) == 0 {
			b.Endpoints = []cluster.Endpoint{{Listener: "PLAINTEXT", Host: lb.Host, Port: lb.Port}}
		}
		if lb.Rack != nil {
			b.Rack = *lb.Rack
		}
		img.Brokers[b.ID] = b
	}
	for i := range req.TopicStates {
		applyTopicState(img, &req.TopicStates[i])
	}
	if req.IsKRaftController {
		img.ControllerID = clientControllerID(img)
	}
	return img
}

func applyTopicState(img *cluster.Image, ts *kmsg.UpdateMetadataRequestTopicState) {
	var t *cluster.Topic
	if old, ok := img.Topics[ts.Topic]; ok && old.ID == cluster.TopicID(ts.TopicID) {
		t = &cluster.Topic{Name: old.Name, ID: old.ID, Partitions: slices.Clone(old.Partitions), Configs: old.Configs}
	} else {
		t = &cluster.Topic{Name: ts.Topic, ID: cluster.TopicID(ts.TopicID)}
	}
	deleted := false
	for _, ps := range ts.PartitionStates {
		if ps.Leader == leaderDuringDelete {
			deleted = true
			continue
		}
		for int(ps.Partition) >= len(t.Partitions) {
			t.Partitions = append(t.Partitions, cluster.Partition{ID: int32(len(t.Partitions)), Leader: cluster.NoLeader})
		}
		t.Partitions[ps.Partition] = cluster.Partition{
			ID: ps.Partition, Replicas: slices.Clone(ps.Replicas), ISR: slices.Clone(ps.ISR),
			Leader: ps.Leader, LeaderEpoch: ps.LeaderEpoch,
		}
	}
	if deleted {
		// Kafka deletes a topic's partitions together; a topic with any
		// partition marked for deletion leaves the cache.
		delete(img.Topics, ts.Topic)
		return
	}
	img.Topics[ts.Topic] = t
}

// laiPartition is one partition state of a LeaderAndIsr.
func laiPartition(p *ctxPartition, isNew bool) kmsg.LeaderAndISRRequestTopicPartition {
	s := kmsg.NewLeaderAndISRRequestTopicPartition()
	s.Partition = p.ID
	s.ControllerEpoch = p.controllerEpoch
	s.Leader, s.LeaderEpoch = p.Leader, p.LeaderEpoch
	s.ISR, s.Replicas, s.ZKVersion = p.ISR, p.Replicas, p.zkVersion
	s.AddingReplicas, s.RemovingReplicas = []int32{}, []int32{}
	s.IsNew = isNew
	return s
}
