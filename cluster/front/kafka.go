package front

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// KafkaOption configures RegisterKafkaAPIs.
type KafkaOption func(*kafkaAPIs)

// WithDefaults sets the num.partitions and default.replication.factor that
// fill in the -1s of a ValidateOnly CreateTopics (the node applies its own
// when it writes). Kafka's shipped defaults when not given.
func WithDefaults(d cluster.Defaults) KafkaOption {
	return func(k *kafkaAPIs) { k.defaults = d }
}

// WithDefaultTimeout bounds a CreateTopics or DeleteTopics whose
// TimeoutMillis is zero or negative. Kafka starts such a write and answers
// without waiting; the Controller seam has no "start only" call, so the
// front waits up to this bound instead. 30 s (request.timeout.ms) when not
// given.
func WithDefaultTimeout(d time.Duration) KafkaOption {
	return func(k *kafkaAPIs) { k.defaultTimeout = d }
}

// kafkaAPIs holds what the client-facing handlers share.
type kafkaAPIs struct {
	node           cluster.Controller
	elector        cluster.LeaderElector   // nil when node has none
	configs        cluster.TopicConfigurer // nil when node has none
	partitions     cluster.PartitionCreator
	reassigner     cluster.Reassigner
	defaults       cluster.Defaults
	defaultTimeout time.Duration
}

// RegisterKafkaAPIs registers on s the Kafka APIs a node answers from its
// state, with Kafka's semantics and error codes.
//
// Which APIs depend on the node's roles (node.Status().Roles), as in Kafka,
// where each API lists the listeners that expose it:
//   - a node with the broker role (every ZooKeeper-mode node, a KRaft broker
//     or combined node) serves Metadata v0-12, CreateTopics v0-7,
//     DeleteTopics v0-6 and DescribeCluster v0-1;
//   - a KRaft controller-only node serves what Kafka's controller listener
//     exposes to admin clients: CreateTopics and DeleteTopics (a standby
//     answers NOT_CONTROLLER) but not Metadata, so a client that mistakes it
//     for a broker has its connection closed as Kafka would close it.
//     DescribeCluster is left out there too: on a controller it lists the
//     controllers' endpoints (KIP-919), which the image does not hold;
//   - DescribeQuorum v0-1 is served when node implements
//     cluster.QuorumDescriber;
//   - ElectLeaders v0-2 is served when node implements
//     cluster.LeaderElector (Kafka lists it on the zkBroker, broker and
//     controller listeners).
//   - DescribeConfigs v0-4, AlterConfigs v0-2 and IncrementalAlterConfigs
//     v0-1 are served by a broker that implements cluster.TopicConfigurer
//     (describeconfigs.go, alterconfigs.go). A KRaft controller-only node
//     takes the alterations its brokers forward on its own handlers.
//   - CreatePartitions v0-3 is served when node implements
//     cluster.PartitionCreator (createpartitions.go).
//   - AlterPartitionReassignments v0 and ListPartitionReassignments v0 (the
//     versions Kafka 3.9 has) are served when node implements
//     cluster.Reassigner (reassign.go).
//
// The roles are read once, at registration.
func RegisterKafkaAPIs(s *Server, node cluster.Controller, opts ...KafkaOption) {
	k := &kafkaAPIs{node: node, defaults: cluster.KafkaDefaults(), defaultTimeout: 30 * time.Second}
	for _, o := range opts {
		o(k)
	}
	broker := node.Status().HasRole(cluster.RoleBroker)
	if broker {
		s.Handle(kmsg.Metadata, metadataMinVersion, metadataMaxVersion, k.metadata)
		s.Handle(kmsg.DescribeCluster, 0, 1, k.describeCluster)
	}
	s.Handle(kmsg.CreateTopics, 0, 7, k.createTopics)
	s.Handle(kmsg.DeleteTopics, 0, 6, k.deleteTopics)
	if q, ok := node.(cluster.QuorumDescriber); ok {
		s.Handle(kmsg.DescribeQuorum, 0, 1, func(ctx context.Context, _ RequestHeader, req kmsg.Request) (kmsg.Response, error) {
			return describeQuorum(ctx, q, req.(*kmsg.DescribeQuorumRequest)), nil
		})
	}
	if e, ok := node.(cluster.LeaderElector); ok {
		k.elector = e
		s.Handle(kmsg.ElectLeaders, 0, 2, k.electLeaders)
	}
	if p, ok := node.(cluster.PartitionCreator); ok {
		k.partitions = p
		s.Handle(kmsg.CreatePartitions, 0, 3, k.createPartitions)
	}
	if r, ok := node.(cluster.Reassigner); ok {
		k.reassigner = r
		s.Handle(kmsg.AlterPartitionAssignments, 0, 0, k.alterPartitionReassignments)
		s.Handle(kmsg.ListPartitionReassignments, 0, 0, k.listPartitionReassignments)
	}
	if c, ok := node.(cluster.TopicConfigurer); ok && broker {
		k.configs = c
		s.Handle(kmsg.DescribeConfigs, 0, 4, k.describeConfigs)
		s.Handle(kmsg.AlterConfigs, 0, 2, k.alterConfigs)
		s.Handle(kmsg.IncrementalAlterConfigs, 0, 1, k.incrementalAlterConfigs)
	}
}

func (k *kafkaAPIs) metadata(_ context.Context, hdr RequestHeader, req kmsg.Request) (kmsg.Response, error) {
	return metadataResponse(k.node.Image(), req.(*kmsg.MetadataRequest), hdr.Listener), nil
}

// writeContext bounds a write by the request's timeout, or by the default
// timeout when the request gives none.
func (k *kafkaAPIs) writeContext(ctx context.Context, timeoutMillis int32) (context.Context, context.CancelFunc) {
	d := time.Duration(timeoutMillis) * time.Millisecond
	if timeoutMillis <= 0 {
		d = k.defaultTimeout
	}
	return context.WithTimeout(ctx, d)
}

// wholeRequestCode is the code a whole-request failure is answered with on
// every topic: the Kafka code it carries, REQUEST_TIMED_OUT when the
// request's timeout passed (as Kafka answers), UNKNOWN_SERVER_ERROR else.
func wholeRequestCode(err error) (int16, string) {
	if errors.Is(err, context.DeadlineExceeded) {
		return kerr.RequestTimedOut.Code, "The request timed out before the controller committed it."
	}
	var e *cluster.Error
	if errors.As(err, &e) {
		return e.Code, e.Message
	}
	return cluster.ErrorCode(err), err.Error()
}

func strPtr(s string) *string { return &s }
