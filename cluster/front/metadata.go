package front

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// Metadata versions served: v0 through v12 covers librdkafka (kcat) and
// franz-go. v13 only adds a top-level error code.
const metadataMinVersion, metadataMaxVersion = 0, 12

// internalTopics are the topics Kafka flags IsInternal in Metadata answers.
var internalTopics = map[string]bool{"__consumer_offsets": true, "__transaction_state": true}

// metadataResponse answers a Metadata request from img, as a Kafka broker
// answers it from its metadata cache.
//
// Auto topic creation is disabled in kraftbench (auto.create.topics.enable is
// false and AllowAutoTopicCreation is ignored): a topic that does not exist is
// answered with UNKNOWN_TOPIC_OR_PARTITION, one with an illegal name with
// INVALID_TOPIC_EXCEPTION. Topics asked for by id (v10+, name null) that are
// unknown get UNKNOWN_TOPIC_ID.
//
// A null topic list (v1+) asks for every topic, an empty one for none; in v0,
// which has no null, an empty list asks for every topic. Brokers are the
// image's unfenced brokers with their endpoint on the listener the request
// came in on (the first endpoint when the broker has none of that name); the controller id is the
// image's, which the mode sets to what Kafka tells clients.
func metadataResponse(img *cluster.Image, req *kmsg.MetadataRequest, listener string) *kmsg.MetadataResponse {
	resp := kmsg.NewPtrMetadataResponse()
	resp.Version = req.Version
	resp.ControllerID = img.ControllerID
	if img.ClusterID != "" {
		id := img.ClusterID
		resp.ClusterID = &id
	}
	live := img.LiveBrokerIDs()
	isLive := make(map[int32]bool, len(live))
	for _, id := range live {
		isLive[id] = true
		resp.Brokers = append(resp.Brokers, metadataBroker(img.Brokers[id], listener))
	}
	all := req.Topics == nil || (req.Version == 0 && len(req.Topics) == 0)
	if all {
		for _, n := range img.TopicNames() {
			resp.Topics = append(resp.Topics, metadataTopic(img.Topics[n], isLive))
		}
		return resp
	}
	seen := map[string]bool{}
	for _, rt := range req.Topics {
		t := requestedTopic(img, rt, isLive)
		if t.Topic != nil {
			if seen[*t.Topic] {
				continue
			}
			seen[*t.Topic] = true
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

func metadataBroker(b *cluster.Broker, listener string) kmsg.MetadataResponseBroker {
	mb := kmsg.NewMetadataResponseBroker()
	mb.NodeID = b.ID
	ep, _ := b.EndpointFor(listener)
	mb.Host, mb.Port = ep.Host, ep.Port
	if b.Rack != "" {
		rack := b.Rack
		mb.Rack = &rack
	}
	return mb
}

// requestedTopic answers one entry of a Metadata request naming a topic by
// name or (v10+) by id.
func requestedTopic(img *cluster.Image, rt kmsg.MetadataRequestTopic, isLive map[int32]bool) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	mt.TopicID = rt.TopicID
	if rt.Topic == nil {
		t, ok := img.TopicByID(cluster.TopicID(rt.TopicID))
		switch {
		case rt.TopicID == [16]byte{}:
			mt.ErrorCode = kerr.InvalidRequest.Code
		case !ok:
			mt.ErrorCode = kerr.UnknownTopicID.Code
		default:
			return metadataTopic(t, isLive)
		}
		return mt
	}
	name := *rt.Topic
	mt.Topic = &name
	if t, ok := img.Topics[name]; ok {
		return metadataTopic(t, isLive)
	}
	mt.ErrorCode = kerr.UnknownTopicOrPartition.Code
	if cluster.ValidateTopicName(name) != nil {
		mt.ErrorCode = kerr.InvalidTopicException.Code
	}
	return mt
}

func metadataTopic(t *cluster.Topic, isLive map[int32]bool) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	name := t.Name
	mt.Topic = &name
	mt.TopicID = t.ID
	mt.IsInternal = internalTopics[t.Name]
	mt.Partitions = make([]kmsg.MetadataResponseTopicPartition, 0, len(t.Partitions))
	for _, p := range t.Partitions {
		mp := kmsg.NewMetadataResponseTopicPartition()
		mp.Partition = p.ID
		mp.Leader = p.Leader
		mp.LeaderEpoch = p.LeaderEpoch
		mp.Replicas = slices.Clone(p.Replicas)
		mp.ISR = slices.Clone(p.ISR)
		mp.OfflineReplicas = []int32{}
		for _, r := range p.Replicas {
			if !isLive[r] {
				mp.OfflineReplicas = append(mp.OfflineReplicas, r)
			}
		}
		// Kafka's metadata cache: a leader that is not a live broker is
		// reported as no leader, with LEADER_NOT_AVAILABLE.
		if !isLive[p.Leader] {
			mp.Leader = cluster.NoLeader
			mp.ErrorCode = kerr.LeaderNotAvailable.Code
		}
		mt.Partitions = append(mt.Partitions, mp)
	}
	return mt
}

// ImageFromMetadata builds the image a Metadata answer describes: its
// brokers (all unfenced, with one endpoint named after nothing, since Metadata
// carries no listener name), its topics without configs, the cluster and
// controller ids. Topics answered with a topic-level error are left out.
//
// For an answer of v10 or later (topic ids, leader epochs), the result has the
// same Digest as the image the answer was built from: Digest covers exactly
// the fields a Metadata answer carries.
func ImageFromMetadata(resp *kmsg.MetadataResponse) *cluster.Image {
	clusterID := ""
	if resp.ClusterID != nil {
		clusterID = *resp.ClusterID
	}
	img := cluster.NewImage(clusterID)
	img.ControllerID = resp.ControllerID
	for _, b := range resp.Brokers {
		cb := &cluster.Broker{ID: b.NodeID, Endpoints: []cluster.Endpoint{{Host: b.Host, Port: b.Port}}}
		if b.Rack != nil {
			cb.Rack = *b.Rack
		}
		img.Brokers[b.NodeID] = cb
	}
	for _, mt := range resp.Topics {
		if mt.ErrorCode != 0 || mt.Topic == nil {
			continue
		}
		t := &cluster.Topic{Name: *mt.Topic, ID: cluster.TopicID(mt.TopicID),
			Partitions: make([]cluster.Partition, len(mt.Partitions))}
		for i := range t.Partitions {
			t.Partitions[i] = cluster.Partition{ID: int32(i), Leader: cluster.NoLeader}
		}
		for _, mp := range mt.Partitions {
			if mp.Partition < 0 || int(mp.Partition) >= len(mt.Partitions) {
				continue // not 0..n-1: not something a broker sends
			}
			t.Partitions[mp.Partition] = cluster.Partition{
				ID: mp.Partition, Leader: mp.Leader, LeaderEpoch: mp.LeaderEpoch,
				Replicas: slices.Clone(mp.Replicas), ISR: slices.Clone(mp.ISR),
			}
		}
		img.Topics[t.Name] = t
	}
	return img
}
