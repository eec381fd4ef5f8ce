package kraftmode

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// Partition reassignment as Kafka 3.9's KRaft mode does it. A broker
// forwards AlterPartitionReassignments and ListPartitionReassignments to the
// active controller (ControllerApis); the controller runs
// ReplicationControlManager.alterPartitionReassignments
// (metadata/src/main/java/org/apache/kafka/controller/
// ReplicationControlManager.java:1975-2133) as one write event whose
// records commit atomically, and answers after the commit: the reassignment
// is accepted, not done.
//
// Per partition, changePartitionReassignment checks the target
// (validateManualPartitionAssignment: an empty list, an unregistered broker
// or a broker named twice is INVALID_REPLICA_ASSIGNMENT), splits it into
// adding and removing replicas (PartitionReassignmentReplicas: the replicas
// become the target followed by the ones removed) and builds one
// PartitionChangeRecord with PartitionChangeBuilder (buildChange below). A
// reassignment whose target the ISR already covers (a reorder, a removal)
// completes in that same record. Otherwise the partition stays in
// reassignment until the ISR holds every target replica: each new replica's
// broker makes the log, its fetcher's first fetch lets the leader add it to
// the ISR with AlterPartition, and the AlterPartition that completes the ISR
// completes the reassignment in its own record (completeReassignmentIfNeeded):
// replicas = target, adding and removing cleared, the ISR less the removed
// replicas, a new leader if the old one was removed. The brokers of removed
// replicas then delete their logs as they apply it (replicalog SyncDelta).
//
// kraftbench has no data plane: the broker of a new replica sends that
// AlterPartition itself as soon as it has applied the record and made the
// log (catchup.go), standing in for the leader that would learn of it from
// the fetch (docs/fidelity.md). A cancellation (null replicas) reverts to
// the origin replicas (PartitionReassignmentRevert); one that would need an
// unclean election is refused, as with unclean.leader.election.enable false.

var _ cluster.Reassigner = (*Node)(nil)

// AlterPartitionReassignments implements cluster.Reassigner: on the active
// controller locally, otherwise forwarded.
func (n *Node) AlterPartitionReassignments(ctx context.Context, specs []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
	if n.ctrl != nil && n.ctrl.isActive() {
		res, err := n.ctrl.alterReassignments(ctx, specs)
		if !isNotController(err) {
			return res, err
		}
	}
	return n.cli.forwardAlterReassignments(ctx, specs)
}

// ListPartitionReassignments implements cluster.Reassigner: the active
// controller answers from its committed image.
func (n *Node) ListPartitionReassignments(ctx context.Context, which []cluster.TopicPartitions) ([]cluster.Reassignment, error) {
	if n.ctrl != nil && n.ctrl.isActive() {
		return listReassignments(n.fsm.Image(), which), nil
	}
	return n.cli.forwardListReassignments(ctx, which)
}

func (c *controller) alterReassignments(ctx context.Context, specs []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
	out := make([]cluster.PartitionResult, len(specs))
	_, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		var recs []Record
		for i, s := range specs {
			out[i] = cluster.PartitionResult{Topic: s.Topic, Partition: s.Partition}
			r, err := c.reassignLocked(st, s)
			if err != nil {
				code := cluster.ErrorCode(err)
				out[i].Code, out[i].Message = code, err.Error()
				if e, ok := err.(*cluster.Error); ok {
					out[i].Message = e.Message
				}
				continue
			}
			if r != nil {
				recs = append(recs, r)
			}
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reassignLocked is alterPartitionReassignment: the record for one spec (nil
// when nothing changes), or its error.
func (c *controller) reassignLocked(st *metaState, s cluster.ReassignSpec) (*PartitionChangeRecord, error) {
	t := st.img.Topics[s.Topic]
	if t == nil {
		return nil, cluster.Errorf(kerr.UnknownTopicOrPartition, "Unable to find a topic named %s.", s.Topic)
	}
	if s.Partition < 0 || int(s.Partition) >= len(t.Partitions) {
		return nil, cluster.Errorf(kerr.UnknownTopicOrPartition, "Unable to find partition %s:%d.", s.Topic, s.Partition)
	}
	p := t.Partitions[s.Partition]
	active := func(id int32) bool {
		b, ok := st.img.Brokers[id]
		return ok && !b.Fenced && !c.inShutdownLocked(id)
	}
	if s.Replicas == nil {
		// cancelPartitionReassignment and PartitionReassignmentRevert.
		if !p.IsReassigning() {
			return nil, cluster.Errorf(kerr.NoReassignmentInProgress, "No partition reassignment is in progress.")
		}
		replicas := cluster.OriginReplicas(p.Replicas, p.Adding)
		isr := cluster.OriginReplicas(p.ISR, p.Adding)
		if len(isr) == 0 {
			return nil, cluster.Errorf(kerr.InvalidReplicaAssignment,
				"Unable to revert partition assignment for %s:%d because it would require an unclean leader election.", s.Topic, s.Partition)
		}
		return buildChange(t.ID, p, isr, replicas, []int32{}, []int32{}, active), nil
	}
	if err := validateManualAssignment(st, s.Replicas); err != nil {
		return nil, err
	}
	// PartitionReassignmentReplicas against the current replica list.
	var removing, adding []int32
	for _, r := range p.Replicas {
		if !slices.Contains(s.Replicas, r) {
			removing = append(removing, r)
		}
	}
	for _, r := range s.Replicas {
		if !slices.Contains(p.Replicas, r) {
			adding = append(adding, r)
		}
	}
	replicas := append(slices.Clone(s.Replicas), removing...)
	return buildChange(t.ID, p, p.ISR, replicas, cluster.IDs(adding), cluster.IDs(removing), active), nil
}

// validateManualAssignment is validateManualPartitionAssignment without a
// replication factor to match.
func validateManualAssignment(st *metaState, replicas []int32) error {
	if len(replicas) == 0 {
		return cluster.Errorf(kerr.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
	}
	sorted := slices.Sorted(slices.Values(replicas))
	for i, id := range sorted {
		if _, ok := st.img.Brokers[id]; !ok {
			return cluster.Errorf(kerr.InvalidReplicaAssignment,
				"The manual partition assignment includes broker %d, but no such broker is registered.", id)
		}
		if i > 0 && sorted[i-1] == id {
			return cluster.Errorf(kerr.InvalidReplicaAssignment,
				"The manual partition assignment includes the broker %d more than once.", id)
		}
	}
	return nil
}

// buildChange is PartitionChangeBuilder.build (3.9
// metadata/src/main/java/org/apache/kafka/controller/PartitionChangeBuilder.java:446-486)
// for the fields kraftbench keeps, with an ONLINE election: target ISR,
// replicas, adding and removing (nil: unchanged); it completes a
// reassignment the ISR covers, keeps the leader if it stays in the ISR and
// is active, else elects the first target replica that is, bumps the leader
// epoch when replicas are dropped, and returns nil when nothing changes.
func buildChange(topic cluster.TopicID, p cluster.Partition, isr, replicas, adding, removing []int32, active func(int32) bool) *PartitionChangeRecord {
	if adding == nil {
		adding = p.Adding
	}
	if removing == nil {
		removing = p.Removing
	}
	if replicas == nil {
		replicas = p.Replicas
	}
	// completeReassignmentIfNeeded (PartitionReassignmentReplicas
	// .maybeCompleteReassignment).
	if len(adding) > 0 || len(removing) > 0 {
		newISR := cluster.OriginReplicas(isr, removing)
		newReplicas := cluster.OriginReplicas(replicas, removing)
		if len(newISR) > 0 && len(newReplicas) > 0 && cluster.ContainsAll(newISR, newReplicas) {
			isr, replicas, adding, removing = newISR, newReplicas, []int32{}, []int32{}
		}
	}
	rec := &PartitionChangeRecord{PartitionID: p.ID, TopicID: topic, Leader: NoLeaderChange}
	// tryElection with electAnyLeader.
	valid := func(r int32) bool { return slices.Contains(isr, r) && active(r) }
	leader := p.Leader
	if !valid(p.Leader) {
		leader = cluster.NoLeader
		for _, r := range replicas {
			if valid(r) {
				leader = r
				break
			}
		}
	}
	if leader != p.Leader {
		rec.Leader = leader
	}
	// triggerLeaderEpochBumpForReplicaReassignmentIfNeeded.
	if rec.Leader == NoLeaderChange && !cluster.ContainsAll(replicas, p.Replicas) {
		rec.Leader = p.Leader
	}
	if !slices.Equal(isr, p.ISR) && len(isr) > 0 {
		rec.ISR = slices.Clone(isr)
	}
	// setAssignmentChanges.
	if !slices.Equal(replicas, p.Replicas) {
		rec.Replicas = slices.Clone(replicas)
	}
	if !slices.Equal(removing, p.Removing) && !(len(removing) == 0 && len(p.Removing) == 0) {
		rec.Removing = cluster.IDs(removing)
	}
	if !slices.Equal(adding, p.Adding) && !(len(adding) == 0 && len(p.Adding) == 0) {
		rec.Adding = cluster.IDs(adding)
	}
	if rec.Leader == NoLeaderChange && rec.ISR == nil && rec.Replicas == nil && rec.Adding == nil && rec.Removing == nil {
		return nil
	}
	// A record that sets the leader to the same one must carry the
	// assignment for the applier to bump the epoch (apply.go).
	if rec.Leader == p.Leader && rec.Replicas == nil {
		rec.Replicas = slices.Clone(replicas)
	}
	return rec
}

// listReassignments is listPartitionReassignments on img: every
// partition in reassignment (nil which), or those of which that are.
func listReassignments(img *cluster.Image, which []cluster.TopicPartitions) []cluster.Reassignment {
	var out []cluster.Reassignment
	add := func(t *cluster.Topic, p cluster.Partition) {
		if p.IsReassigning() {
			out = append(out, cluster.Reassignment{Topic: t.Name, Partition: p.ID,
				Replicas: slices.Clone(p.Replicas), Adding: cluster.IDs(p.Adding), Removing: cluster.IDs(p.Removing)})
		}
	}
	if which == nil {
		for _, t := range img.Topics {
			for _, p := range t.Partitions {
				add(t, p)
			}
		}
	}
	for _, w := range which {
		t := img.Topics[w.Topic]
		if t == nil {
			continue
		}
		for _, id := range w.Partitions {
			if id >= 0 && int(id) < len(t.Partitions) {
				add(t, t.Partitions[id])
			}
		}
	}
	cluster.SortReassignments(out)
	return out
}

// alterPartition is ReplicationControlManager.alterPartition for the ISR
// additions a new replica's broker sends (catchup.go): per partition, the
// ISR becomes the current one plus the named replicas that are replicas and
// active, through buildChange, which completes a reassignment the ISR now
// covers. A stale leader epoch is FENCED_LEADER_EPOCH, an unknown partition
// UNKNOWN_TOPIC_OR_PARTITION, as Kafka answers.
func (c *controller) alterPartition(ctx context.Context, req *kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse {
	resp := kmsg.NewPtrAlterPartitionResponse()
	resp.Version = req.Version
	_, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		var recs []Record
		active := func(id int32) bool {
			b, ok := st.img.Brokers[id]
			return ok && !b.Fenced && !c.inShutdownLocked(id)
		}
		for _, rt := range req.Topics {
			out := kmsg.NewAlterPartitionResponseTopic()
			out.TopidID = rt.TopicID
			name, ok := st.ids[rt.TopicID]
			for _, rp := range rt.Partitions {
				pr := kmsg.NewAlterPartitionResponseTopicPartition()
				pr.Partition = rp.Partition
				var t *cluster.Topic
				if ok {
					t = st.img.Topics[name]
				}
				switch {
				case t == nil || rp.Partition < 0 || int(rp.Partition) >= len(t.Partitions):
					pr.ErrorCode = kerr.UnknownTopicOrPartition.Code
				case t.Partitions[rp.Partition].LeaderEpoch != rp.LeaderEpoch:
					pr.ErrorCode = kerr.FencedLeaderEpoch.Code
				default:
					p := t.Partitions[rp.Partition]
					isr := slices.Clone(p.ISR)
					for _, r := range rp.NewISR {
						if slices.Contains(p.Replicas, r) && active(r) && !slices.Contains(isr, r) {
							isr = append(isr, r)
						}
					}
					if rec := buildChange(t.ID, p, isr, nil, nil, nil, active); rec != nil {
						recs = append(recs, rec)
					}
					pr.LeaderID, pr.LeaderEpoch, pr.ISR = p.Leader, p.LeaderEpoch, isr
				}
				out.Partitions = append(out.Partitions, pr)
			}
			resp.Topics = append(resp.Topics, out)
		}
		return recs, nil
	})
	if err != nil {
		resp.Topics = nil
		resp.ErrorCode = cluster.ErrorCode(err)
		if isNotController(err) {
			resp.ErrorCode = kerr.NotController.Code
		}
	}
	return resp
}

// handleAlterPartitionReassignments, handleListPartitionReassignments and
// handleAlterPartition serve the controller listener.
func (n *Node) handleAlterPartitionReassignments(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.AlterPartitionAssignmentsRequest)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout(req.TimeoutMillis, n.cfg.RequestTimeout))
	defer cancel()
	return front.RunAlterPartitionReassignments(ctx, req, n.ctrl.alterReassignments), nil
}

func (n *Node) handleListPartitionReassignments(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ListPartitionReassignmentsRequest)
	return front.RunListPartitionReassignments(ctx, req, func(context.Context, []cluster.TopicPartitions) ([]cluster.Reassignment, error) {
		if !n.ctrl.isActive() {
			return nil, cluster.Errorf(kerr.NotController, "This is not the active controller.")
		}
		var which []cluster.TopicPartitions
		if req.Topics != nil {
			which = []cluster.TopicPartitions{}
			for _, t := range req.Topics {
				which = append(which, cluster.TopicPartitions{Topic: t.Topic, Partitions: t.Partitions})
			}
		}
		return listReassignments(n.fsm.Image(), which), nil
	}), nil
}

func (n *Node) handleAlterPartition(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	defer cancel()
	return n.ctrl.alterPartition(ctx, r.(*kmsg.AlterPartitionRequest)), nil
}

// forwardAlterReassignments and forwardListReassignments send the requests
// to the active controller, retrying NOT_CONTROLLER.
func (c *ctrlClient) forwardAlterReassignments(ctx context.Context, specs []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
	resp, err := c.do(ctx, front.AlterPartitionReassignmentsRequestFor(specs, timeoutMillis(ctx, c.timeout)), func(r kmsg.Response) verdict {
		return verdict{retry: r.(*kmsg.AlterPartitionAssignmentsResponse).ErrorCode == kerr.NotController.Code, leader: -1}
	})
	if err != nil {
		return nil, err
	}
	ar := resp.(*kmsg.AlterPartitionAssignmentsResponse)
	if ar.ErrorCode != 0 {
		msg := ""
		if ar.ErrorMessage != nil {
			msg = *ar.ErrorMessage
		}
		return nil, &cluster.Error{Code: ar.ErrorCode, Message: msg}
	}
	return front.ReassignResultsFrom(specs, ar), nil
}

func (c *ctrlClient) forwardListReassignments(ctx context.Context, which []cluster.TopicPartitions) ([]cluster.Reassignment, error) {
	resp, err := c.do(ctx, front.ListPartitionReassignmentsRequestFor(which, timeoutMillis(ctx, c.timeout)), func(r kmsg.Response) verdict {
		return verdict{retry: r.(*kmsg.ListPartitionReassignmentsResponse).ErrorCode == kerr.NotController.Code, leader: -1}
	})
	if err != nil {
		return nil, err
	}
	return front.ReassignmentsFrom(resp.(*kmsg.ListPartitionReassignmentsResponse))
}
