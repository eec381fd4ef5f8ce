package front

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// Values of DescribeCluster's EndpointType (KIP-919).
const (
	endpointTypeBroker     int8 = 1
	endpointTypeController int8 = 2
)

// describeCluster answers DescribeCluster v0-1 from a broker: the unfenced
// brokers, the controller id and the cluster id. A v1 request for controller
// endpoints sent to a broker is MISMATCHED_ENDPOINT_TYPE, as in Kafka.
func (k *kafkaAPIs) describeCluster(_ context.Context, hdr RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.DescribeClusterRequest)
	resp := kmsg.NewPtrDescribeClusterResponse()
	resp.Version = req.Version
	resp.EndpointType = endpointTypeBroker
	if req.Version >= 1 && req.EndpointType != endpointTypeBroker {
		resp.ErrorCode = kerr.MismatchedEndpointType.Code
		resp.ErrorMessage = strPtr("The request was sent to a broker but was not for broker endpoints.")
		return resp, nil
	}
	img := k.node.Image()
	resp.ClusterID = img.ClusterID
	resp.ControllerID = img.ControllerID
	for _, id := range img.LiveBrokerIDs() {
		b := img.Brokers[id]
		db := kmsg.NewDescribeClusterResponseBroker()
		db.NodeID = id
		ep, _ := b.EndpointFor(hdr.Listener)
		db.Host, db.Port = ep.Host, ep.Port
		if b.Rack != "" {
			db.Rack = strPtr(b.Rack)
		}
		resp.Brokers = append(resp.Brokers, db)
	}
	return resp, nil
}

// metadataTopicName is the KRaft metadata log's topic: the only partition
// DescribeQuorum describes.
const metadataTopicName = "__cluster_metadata"

// describeQuorum answers DescribeQuorum v0-1 from q for __cluster_metadata
// partition 0. Any other topic or partition is UNKNOWN_TOPIC_OR_PARTITION at
// partition level, as KafkaRaftClient answers; an error from q (a node that
// is not the leader, say) is answered as its code on the partition.
func describeQuorum(ctx context.Context, q cluster.QuorumDescriber, req *kmsg.DescribeQuorumRequest) *kmsg.DescribeQuorumResponse {
	resp := kmsg.NewPtrDescribeQuorumResponse()
	resp.Version = req.Version
	for _, rt := range req.Topics {
		t := kmsg.NewDescribeQuorumResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewDescribeQuorumResponseTopicPartition()
			p.Partition = rp.Partition
			if rt.Topic != metadataTopicName || rp.Partition != 0 {
				p.ErrorCode = kerr.UnknownTopicOrPartition.Code
			} else {
				quorumPartition(ctx, q, &p)
			}
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

func quorumPartition(ctx context.Context, q cluster.QuorumDescriber, p *kmsg.DescribeQuorumResponseTopicPartition) {
	info, err := q.DescribeQuorum(ctx)
	if err != nil {
		p.ErrorCode = cluster.ErrorCode(err)
		p.LeaderID, p.LeaderEpoch, p.HighWatermark = -1, -1, -1
		return
	}
	p.LeaderID, p.LeaderEpoch, p.HighWatermark = info.LeaderID, info.LeaderEpoch, info.HighWatermark
	p.CurrentVoters = replicaStates(info.Voters)
	p.Observers = replicaStates(info.Observers)
}

func replicaStates(rs []cluster.ReplicaState) []kmsg.DescribeQuorumResponseTopicPartitionReplicaState {
	out := make([]kmsg.DescribeQuorumResponseTopicPartitionReplicaState, 0, len(rs))
	for _, r := range rs {
		s := kmsg.NewDescribeQuorumResponseTopicPartitionReplicaState()
		s.ReplicaID, s.LogEndOffset = r.ID, r.LogEndOffset
		s.LastFetchTimestamp, s.LastCaughtUpTimestamp = millisOrUnknown(r.LastFetch), millisOrUnknown(r.LastCaughtUp)
		out = append(out, s)
	}
	return out
}

// millisOrUnknown is a timestamp in Unix milliseconds, -1 when unknown.
func millisOrUnknown(t time.Time) int64 {
	if t.IsZero() {
		return -1
	}
	return t.UnixMilli()
}
