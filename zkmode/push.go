package zkmode

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// tp is a topic partition.
type tp struct {
	topic string
	part  int32
}

// applyUpdateMetadata returns the image a broker serves after req: the live
// brokers are replaced, the listed partitions are upserted (or dropped when
// their leader is zkmeta.LeaderDuringDelete), and a full request replaces
// the topics altogether. Offset counts the pushes applied. The requests
// themselves are encoded by zkmeta, which a migrating KRaft controller uses
// too; what a broker makes of them is zkmode's.
func applyUpdateMetadata(old *cluster.Image, req *kmsg.UpdateMetadataRequest) *cluster.Image {
	img := old.Clone()
	if zkmeta.IsFullUpdateMetadata(req) {
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
		if ps.Leader == zkmeta.LeaderDuringDelete {
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
