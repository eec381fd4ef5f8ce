package external

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// metadataTopic is the KRaft metadata log, the one partition DescribeQuorum
// describes.
const metadataTopic = "__cluster_metadata"

// detectMode tells the cluster's mode from a broker's answers, and says how:
//
//   - KRaft: the broker answers DescribeQuorum with a leader. Kafka lists
//     DescribeQuorum on the broker and controller listeners only (its
//     ApiVersions JSON: "listeners": ["broker", "controller"]), and a KRaft
//     broker forwards it to the active controller.
//   - ZooKeeper: the broker lists LeaderAndIsr in ApiVersions, an API of the
//     zkBroker listener only (gone from KRaft brokers and from Kafka 4.0).
//
// Neither: the mode must be set in the cluster file.
func detectMode(ctx context.Context, b *kgo.Broker) (cluster.Mode, string, error) {
	resp, err := b.Request(ctx, kmsg.NewPtrApiVersionsRequest())
	if err != nil {
		return "", "", fmt.Errorf("detect mode: ApiVersions: %w", err)
	}
	av := resp.(*kmsg.ApiVersionsResponse)
	keys := make([]int16, 0, len(av.ApiKeys))
	for _, k := range av.ApiKeys {
		keys = append(keys, k.ApiKey)
	}
	if slices.Contains(keys, kmsg.DescribeQuorum.Int16()) {
		q, err := describeQuorum(ctx, b)
		if err == nil && q.LeaderID >= 0 {
			return cluster.ModeKRaft, fmt.Sprintf("KRaft: DescribeQuorum names leader %d in epoch %d", q.LeaderID, q.LeaderEpoch), nil
		}
	}
	if slices.Contains(keys, kmsg.LeaderAndISR.Int16()) {
		return cluster.ModeZK, "ZooKeeper: ApiVersions lists LeaderAndIsr, which only ZooKeeper-mode brokers serve", nil
	}
	return "", "", errors.New("detect mode: the broker neither answers DescribeQuorum with a leader nor lists LeaderAndIsr; set mode (zk or kraft) in the cluster file")
}

// quorum is what DescribeQuorum says of the metadata quorum.
type quorum struct {
	LeaderID      int32
	LeaderEpoch   int32
	HighWatermark int64
	// Offsets are the log end offsets the leader reports for its voters
	// and observers, by node id.
	Offsets map[int32]int64
	voters  []int32
	// NotLeader is set when the node asked is a controller that does not
	// lead (NOT_LEADER_OR_FOLLOWER); LeaderID is then whatever it named.
	NotLeader bool
}

// describeQuorum asks b for the metadata quorum. A broker forwards it to the
// active controller; a controller answers itself, a standby with
// NOT_LEADER_OR_FOLLOWER (KafkaRaftClient.handleDescribeQuorumRequest).
func describeQuorum(ctx context.Context, b *kgo.Broker) (quorum, error) {
	req := kmsg.NewPtrDescribeQuorumRequest()
	t := kmsg.NewDescribeQuorumRequestTopic()
	t.Topic = metadataTopic
	t.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{kmsg.NewDescribeQuorumRequestTopicPartition()}
	req.Topics = []kmsg.DescribeQuorumRequestTopic{t}
	resp, err := b.Request(ctx, req)
	if err != nil {
		return quorum{}, fmt.Errorf("DescribeQuorum: %w", err)
	}
	r := resp.(*kmsg.DescribeQuorumResponse)
	if r.ErrorCode != 0 {
		return quorum{}, fmt.Errorf("DescribeQuorum: %s", cluster.ErrorName(r.ErrorCode))
	}
	if len(r.Topics) != 1 || len(r.Topics[0].Partitions) != 1 {
		return quorum{}, errors.New("DescribeQuorum: the answer does not describe one partition")
	}
	p := r.Topics[0].Partitions[0]
	q := quorum{LeaderID: p.LeaderID, LeaderEpoch: p.LeaderEpoch, HighWatermark: p.HighWatermark, Offsets: map[int32]int64{}}
	switch p.ErrorCode {
	case 0:
	case kerr.NotLeaderForPartition.Code:
		q.NotLeader = true
		return q, nil
	default:
		return quorum{}, fmt.Errorf("DescribeQuorum: %s", cluster.ErrorName(p.ErrorCode))
	}
	for _, s := range slices.Concat(p.CurrentVoters, p.Observers) {
		q.Offsets[s.ReplicaID] = s.LogEndOffset
	}
	for _, s := range p.CurrentVoters {
		q.voters = append(q.voters, s.ReplicaID)
	}
	return q, nil
}

// Detect connects to the file's bootstrap servers and returns the cluster's
// mode with how it was known: the file's, or detectMode's.
func Detect(ctx context.Context, f *File) (cluster.Mode, string, error) {
	if f.Mode != "" {
		return cluster.Mode(f.Mode), "as the cluster file says", nil
	}
	cl, err := newClient(f.Bootstrap, "kraftbench-external")
	if err != nil {
		return "", "", err
	}
	defer cl.Close()
	return detectMode(ctx, cl.SeedBrokers()[0])
}
