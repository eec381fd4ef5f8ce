package kraftmode

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// ElectLeaders(PREFERRED) as Kafka 3.9's KRaft brokers and controllers
// answer it.
//
// A broker forwards ElectLeaders to the active controller
// (core/src/main/scala/kafka/server/KafkaApis.scala handleElectLeaders:
// requireZkOrThrow(shouldAlwaysForward)); the controller's
// ControllerApis.handleElectLeaders calls QuorumController.electLeaders,
// which answers an empty (not null) TopicPartitions at once and otherwise
// runs ReplicationControlManager.electLeaders as one write event
// (metadata/src/main/java/org/apache/kafka/controller/
// ReplicationControlManager.java:1429-1533). Per partition, electLeader
// answers UNKNOWN_TOPIC_OR_PARTITION for an unknown topic or partition,
// ELECTION_NOT_NEEDED when the preferred replica leads, otherwise builds a
// PREFERRED PartitionChangeBuilder election (rebalance.go
// preferredChangeLocked): its record joins the event's records, or, when the
// leader would not change, PREFERRED_LEADER_NOT_AVAILABLE. A null
// TopicPartitions covers every topic, and leaves the ELECTION_NOT_NEEDED
// partitions out of the answer, though each topic is still listed. The
// answer comes once the records commit. A standby's NotControllerException
// is answered as ElectLeadersRequest.getErrorResponse does (NOT_CONTROLLER
// at the top and on each named partition), which the forwarding broker
// retries on the next active controller.

// electLeadersVersion is the ElectLeaders version a broker forwards.
const electLeadersVersion = 2

var _ cluster.LeaderElector = (*Node)(nil)

// ElectPreferredLeaders implements cluster.LeaderElector: on the active
// controller locally, otherwise forwarded (retrying NOT_CONTROLLER until
// the active controller answers or ctx ends).
func (n *Node) ElectPreferredLeaders(ctx context.Context, parts []cluster.TopicPartitions) ([]cluster.TopicElection, error) {
	if n.ctrl != nil && n.ctrl.isActive() {
		res, err := n.ctrl.electPreferredLeaders(ctx, parts)
		if !isNotController(err) {
			return res, err
		}
	}
	return n.cli.forwardElect(ctx, parts)
}

// electPreferredLeaders is QuorumController.electLeaders with PREFERRED on
// the active controller (see the file comment).
func (c *controller) electPreferredLeaders(ctx context.Context, parts []cluster.TopicPartitions) ([]cluster.TopicElection, error) {
	if parts != nil && len(parts) == 0 {
		return []cluster.TopicElection{}, nil
	}
	var out []cluster.TopicElection
	_, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		out = nil
		var recs []Record
		all := parts == nil
		asked := parts
		if all {
			for _, name := range st.img.TopicNames() {
				tp := cluster.TopicPartitions{Topic: name}
				for _, p := range st.img.Topics[name].Partitions {
					tp.Partitions = append(tp.Partitions, p.ID)
				}
				asked = append(asked, tp)
			}
		}
		for _, t := range asked {
			te := cluster.TopicElection{Topic: t.Topic, Partitions: []cluster.PartitionElection{}}
			for _, id := range t.Partitions {
				r, rec := c.electPreferredLocked(st, t.Topic, id)
				if rec != nil {
					recs = append(recs, rec)
				}
				if !all || r.Code != kerr.ElectionNotNeeded.Code {
					te.Partitions = append(te.Partitions, r)
				}
			}
			out = append(out, te)
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// electPreferredLocked is ReplicationControlManager.electLeader with
// ElectionType.PREFERRED for one partition: its answer and the record to
// commit (nil when none).
func (c *controller) electPreferredLocked(st *metaState, topic string, id int32) (cluster.PartitionElection, Record) {
	r := cluster.PartitionElection{Partition: id}
	t, ok := st.img.Topics[topic]
	if !ok {
		r.Code, r.Message = kerr.UnknownTopicOrPartition.Code, "No such topic as "+topic
		return r, nil
	}
	if id < 0 || int(id) >= len(t.Partitions) {
		r.Code, r.Message = kerr.UnknownTopicOrPartition.Code, fmt.Sprintf("No such partition as %s-%d", topic, id)
		return r, nil
	}
	p := &t.Partitions[id]
	if len(p.Replicas) > 0 && p.Leader == p.Replicas[0] {
		r.Code, r.Message = kerr.ElectionNotNeeded.Code, "Leader election not needed for topic partition."
		return r, nil
	}
	rec := c.preferredChangeLocked(st, t.ID, p)
	if rec == nil {
		r.Code, r.Message = kerr.PreferredLeaderNotAvailable.Code, "The preferred leader was not available."
		return r, nil
	}
	return r, rec
}

// handleElectLeaders serves ElectLeaders on the controller listener: what
// brokers forward and what admin clients bootstrapped on the controllers
// send. Only PREFERRED is served there (the brokers' front answers the
// unclean type itself); another type is INVALID_REQUEST.
func (n *Node) handleElectLeaders(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ElectLeadersRequest)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout(req.TimeoutMillis, n.cfg.RequestTimeout))
	defer cancel()
	parts := front.RequestedPartitions(req)
	var results []cluster.TopicElection
	err := error(cluster.Errorf(kerr.InvalidRequest, "kraftbench serves preferred elections only (election type %d)", req.ElectionType))
	if req.Version == 0 || req.ElectionType == 0 {
		results, err = n.ctrl.electPreferredLeaders(ctx, parts)
	}
	return electResponse(req, results, err), nil
}

// forwardElect sends ElectLeaders(PREFERRED) to the active controller.
func (c *ctrlClient) forwardElect(ctx context.Context, parts []cluster.TopicPartitions) ([]cluster.TopicElection, error) {
	req := kmsg.NewPtrElectLeadersRequest()
	req.Version, req.ElectionType, req.TimeoutMillis = electLeadersVersion, 0, timeoutMillis(ctx, c.timeout)
	if parts != nil {
		req.Topics = []kmsg.ElectLeadersRequestTopic{}
	}
	for _, t := range parts {
		rt := kmsg.NewElectLeadersRequestTopic()
		rt.Topic, rt.Partitions = t.Topic, t.Partitions
		req.Topics = append(req.Topics, rt)
	}
	resp, err := c.do(ctx, req, func(r kmsg.Response) verdict {
		return verdict{retry: r.(*kmsg.ElectLeadersResponse).ErrorCode == kerr.NotController.Code, leader: -1}
	})
	if err != nil {
		return nil, err
	}
	er := resp.(*kmsg.ElectLeadersResponse)
	if er.ErrorCode != 0 {
		return nil, &cluster.Error{Code: er.ErrorCode, Message: cluster.ErrorName(er.ErrorCode)}
	}
	out := make([]cluster.TopicElection, 0, len(er.Topics))
	for _, t := range er.Topics {
		te := cluster.TopicElection{Topic: t.Topic, Partitions: []cluster.PartitionElection{}}
		for _, p := range t.Partitions {
			pe := cluster.PartitionElection{Partition: p.Partition, Code: p.ErrorCode}
			if p.ErrorMessage != nil {
				pe.Message = *p.ErrorMessage
			}
			te.Partitions = append(te.Partitions, pe)
		}
		out = append(out, te)
	}
	return out, nil
}

// electResponse encodes results, or err as getErrorResponse does.
func electResponse(req *kmsg.ElectLeadersRequest, results []cluster.TopicElection, err error) *kmsg.ElectLeadersResponse {
	resp := kmsg.NewPtrElectLeadersResponse()
	resp.Version = req.Version
	if err != nil {
		resp.ErrorCode = cluster.ErrorCode(err)
		results = nil
		for _, t := range front.RequestedPartitions(req) {
			te := cluster.TopicElection{Topic: t.Topic}
			for _, p := range t.Partitions {
				te.Partitions = append(te.Partitions, cluster.PartitionElection{Partition: p, Code: resp.ErrorCode, Message: err.Error()})
			}
			results = append(results, te)
		}
	}
	for _, t := range results {
		rt := kmsg.NewElectLeadersResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewElectLeadersResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, p.Code
			if p.Message != "" {
				rp.ErrorMessage = kmsg.StringPtr(p.Message)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}
