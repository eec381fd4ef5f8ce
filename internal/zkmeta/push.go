package zkmeta

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// The node-to-node requests a ZooKeeper-mode controller sends, at the
// versions Kafka 3.x uses on the wire.
const (
	LeaderAndIsrVersion   = 6 // topic ids, Type (FULL on failover)
	UpdateMetadataVersion = 8 // the Type tag (FULL on failover), KIP-866
	StopReplicaVersion    = 3 // per-partition delete flag
)

// LeaderDuringDelete is the leader Kafka's controller puts in UpdateMetadata
// for a partition whose topic is being deleted (LeaderAndIsr.LeaderDuringDelete):
// brokers drop such partitions from their metadata cache.
const LeaderDuringDelete int32 = -2

// updateMetadataTypeTag is the tag of UpdateMetadata's Type field (v8+):
// 2 marks a full snapshot, which replaces a broker's cache instead of being
// merged into it, so topics deleted while a broker missed the pushes do not
// survive a failover.
const (
	updateMetadataTypeTag   = 0
	UpdateMetadataFull      = 2
	UpdateMetadataIncrement = 1
)

// LiveBrokers is the LiveBrokers field of an UpdateMetadata for brokers.
func LiveBrokers(brokers []*cluster.Broker) []kmsg.UpdateMetadataRequestLiveBroker {
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

// UpdateMetadataPartition is one partition state of an UpdateMetadata: p as
// written in its state znode by controller epoch controllerEpoch, at znode
// version zkVersion.
func UpdateMetadataPartition(p cluster.Partition, controllerEpoch, zkVersion int32, deleting bool) kmsg.UpdateMetadataRequestTopicPartition {
	s := kmsg.NewUpdateMetadataRequestTopicPartition()
	s.Partition = p.ID
	s.ControllerEpoch = controllerEpoch
	s.Leader, s.LeaderEpoch = p.Leader, p.LeaderEpoch
	if deleting {
		s.Leader = LeaderDuringDelete
	}
	s.ISR, s.Replicas, s.ZKVersion = p.ISR, p.Replicas, zkVersion
	s.OfflineReplicas = []int32{}
	return s
}

// SetUpdateMetadataType sets the v8 Type tag.
func SetUpdateMetadataType(r *kmsg.UpdateMetadataRequest, typ byte) {
	r.UnknownTags.Set(updateMetadataTypeTag, []byte{typ})
}

// IsFullUpdateMetadata reads the v8 Type tag.
func IsFullUpdateMetadata(r *kmsg.UpdateMetadataRequest) bool {
	full := false
	r.UnknownTags.Each(func(key uint32, val []byte) {
		if key == updateMetadataTypeTag && len(val) == 1 && val[0] == UpdateMetadataFull {
			full = true
		}
	})
	return full
}

// LeaderAndIsrPartition is one partition state of a LeaderAndIsr, with the
// same arguments as UpdateMetadataPartition.
func LeaderAndIsrPartition(p cluster.Partition, controllerEpoch, zkVersion int32, isNew bool) kmsg.LeaderAndISRRequestTopicPartition {
	s := kmsg.NewLeaderAndISRRequestTopicPartition()
	s.Partition = p.ID
	s.ControllerEpoch = controllerEpoch
	s.Leader, s.LeaderEpoch = p.Leader, p.LeaderEpoch
	s.ISR, s.Replicas, s.ZKVersion = p.ISR, p.Replicas, zkVersion
	s.AddingReplicas, s.RemovingReplicas = cluster.IDs(p.Adding), cluster.IDs(p.Removing)
	s.IsNew = isNew
	return s
}
