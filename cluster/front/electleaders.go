package front

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// Election types of ElectLeaders v1+ (Kafka's ElectionType).
const (
	electPreferred int8 = 0
	electUnclean   int8 = 1
)

// electLeadersDefaultTimeout is TimeoutMs's default in Kafka 3.9's
// ElectLeadersRequest.json (60000), used when a request gives none.
const electLeadersDefaultTimeout = 60 * time.Second

// electLeaders answers ElectLeaders v0-2 for a node that implements
// cluster.LeaderElector.
//
// Behavior (Kafka 3.9: clients/.../message/ElectLeadersRequest.json;
// ZooKeeper mode core/.../server/KafkaApis.scala handleElectLeaders and
// core/.../controller/KafkaController.scala processReplicaLeaderElection;
// KRaft mode core/.../server/ControllerApis.scala handleElectLeaders and
// metadata/.../controller/ReplicationControlManager.java electLeaders):
//
//   - PREFERRED (0, and every v0 request, which has no ElectionType) is the
//     node's ElectPreferredLeaders, bounded by TimeoutMillis. Null
//     TopicPartitions means every partition. The per-partition codes and
//     which partitions are listed are the mode's (see each mode's
//     ElectPreferredLeaders).
//   - UNCLEAN (1) is answered from the node's image without writing:
//     UNKNOWN_TOPIC_OR_PARTITION for a partition it does not have, and
//     ELECTION_NOT_NEEDED for one with a live leader, which is what both
//     controllers answer first (processReplicaLeaderElection keeps only
//     partitions whose leader is gone; electLeader checks hasLeader). A
//     leaderless partition gets INVALID_REQUEST: kraftbench does not model
//     unclean elections, whose leader would first recover its log
//     (LeaderRecoveryState), and it has no log data.
//   - any other type is INVALID_REQUEST for the whole request, as
//     ReplicationControlManager.electionType throws ("Unknown election
//     type").
//   - a whole-request failure is answered as ElectLeadersRequest.
//     getErrorResponse does: the top-level code (v1+) and every named
//     partition with it.
//
// Version notes: v1 adds ElectionType and the top-level ErrorCode (KIP-460),
// v2 is flexible.
func (k *kafkaAPIs) electLeaders(ctx context.Context, _ RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.ElectLeadersRequest)
	resp := kmsg.NewPtrElectLeadersResponse()
	resp.Version = req.Version
	parts := RequestedPartitions(req)
	typ := req.ElectionType
	if req.Version == 0 {
		typ = electPreferred
	}
	var results []cluster.TopicElection
	var err error
	switch typ {
	case electPreferred:
		d := time.Duration(req.TimeoutMillis) * time.Millisecond
		if req.TimeoutMillis <= 0 {
			d = electLeadersDefaultTimeout
		}
		wctx, cancel := context.WithTimeout(ctx, d)
		results, err = k.elector.ElectPreferredLeaders(wctx, parts)
		cancel()
	case electUnclean:
		results = uncleanAnswer(k.node.Image(), parts)
	default:
		err = cluster.Errorf(kerr.InvalidRequest, "Unknown election type %d", typ)
	}
	if err != nil {
		code, msg := wholeRequestCode(err)
		resp.ErrorCode = code
		results = failAll(parts, code, msg)
	}
	for _, t := range results {
		rt := kmsg.NewElectLeadersResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewElectLeadersResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, p.Code
			if p.Message != "" {
				rp.ErrorMessage = strPtr(p.Message)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

// RequestedPartitions is an ElectLeaders request's TopicPartitions, nil
// when it is null (every partition); a controller that takes the request
// forwarded reads it the same way.
func RequestedPartitions(req *kmsg.ElectLeadersRequest) []cluster.TopicPartitions {
	if req.Topics == nil {
		return nil
	}
	out := make([]cluster.TopicPartitions, 0, len(req.Topics))
	for _, t := range req.Topics {
		out = append(out, cluster.TopicPartitions{Topic: t.Topic, Partitions: append([]int32{}, t.Partitions...)})
	}
	return out
}

// failAll gives every named partition the whole request's code.
func failAll(parts []cluster.TopicPartitions, code int16, msg string) []cluster.TopicElection {
	out := make([]cluster.TopicElection, 0, len(parts))
	for _, t := range parts {
		te := cluster.TopicElection{Topic: t.Topic}
		for _, p := range t.Partitions {
			te.Partitions = append(te.Partitions, cluster.PartitionElection{Partition: p, Code: code, Message: msg})
		}
		out = append(out, te)
	}
	return out
}

// uncleanAnswer answers an UNCLEAN election from img (see electLeaders).
// With parts nil every partition is considered and those needing no
// election are left out, as both modes do for a null request.
func uncleanAnswer(img *cluster.Image, parts []cluster.TopicPartitions) []cluster.TopicElection {
	all := parts == nil
	if all {
		for _, name := range img.TopicNames() {
			tp := cluster.TopicPartitions{Topic: name}
			for _, p := range img.Topics[name].Partitions {
				tp.Partitions = append(tp.Partitions, p.ID)
			}
			parts = append(parts, tp)
		}
	}
	var out []cluster.TopicElection
	for _, t := range parts {
		te := cluster.TopicElection{Topic: t.Topic}
		for _, id := range t.Partitions {
			r := uncleanOne(img, t.Topic, id)
			if all && r.Code == kerr.ElectionNotNeeded.Code {
				continue
			}
			te.Partitions = append(te.Partitions, r)
		}
		if !all || len(te.Partitions) > 0 {
			out = append(out, te)
		}
	}
	return out
}

func uncleanOne(img *cluster.Image, topic string, id int32) cluster.PartitionElection {
	r := cluster.PartitionElection{Partition: id}
	t, ok := img.Topics[topic]
	if !ok || id < 0 || int(id) >= len(t.Partitions) {
		r.Code, r.Message = kerr.UnknownTopicOrPartition.Code, "The partition does not exist."
		return r
	}
	if b, ok := img.Brokers[t.Partitions[id].Leader]; ok && !b.Fenced {
		r.Code = kerr.ElectionNotNeeded.Code
		return r
	}
	r.Code = kerr.InvalidRequest.Code
	r.Message = fmt.Sprintf("%s-%d has no leader: kraftbench does not model unclean leader election", topic, id)
	return r
}
