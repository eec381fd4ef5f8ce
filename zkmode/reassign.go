package zkmode

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// Partition reassignment as Kafka 3.9's ZooKeeper-mode controller runs it
// (core/src/main/scala/kafka/controller/KafkaController.scala). Only the
// active controller takes AlterPartitionReassignments (KafkaApis answers
// NOT_CONTROLLER elsewhere); the request is an ApiPartitionReassignment
// event (processApiPartitionReassignment, :1854-1883): each target is
// checked (validateReplicas: empty, duplicated or negative ids, or adding
// replicas on brokers that are not alive, are INVALID_REPLICA_ASSIGNMENT),
// a cancellation without a reassignment is NO_REASSIGNMENT_IN_PROGRESS, the
// /admin/reassign_partitions znode is read (maybeRemoveFromZkReassignment),
// and each partition goes through onPartitionReassignment (:779-826); a
// topic queued for deletion, or a partition the controller does not know, is
// UNKNOWN_TOPIC_OR_PARTITION. The answer comes once every partition's first
// phase is written and its requests queued: accepted, not done.
//
// onPartitionReassignment, per partition (the phases of its comment):
//
//   - U1-U2: the topic znode is rewritten with RS = target + origin, AR and
//     RR (updateReplicaAssignmentForPartition, one epoch-checked setData of
//     the whole topic), then the context; U3 stops replicas a replaced
//     reassignment was adding.
//   - isReassignmentComplete reads the state znode: the ISR must hold every
//     target replica.
//   - A1-A2 while it does not: the leader epoch is bumped (a re-read and an
//     epoch-checked write of the state znode) and LeaderAndIsr goes to the
//     origin replicas and, as new, to the adding ones (their brokers create
//     the logs); then the adding replicas go NewReplica (another LeaderAndIsr
//     to each).
//   - B1-B8 once it does: RS = target in memory; the leader moves if it is
//     not in the target or not alive (ReassignPartitionLeaderElectionStrategy:
//     the first target replica alive and in the ISR), else the epoch is
//     bumped, LeaderAndIsr to the target replicas; the removed replicas go
//     OfflineReplica (a re-read and an ISR write each, StopReplica without
//     delete) and NonExistentReplica (StopReplica with delete: their brokers
//     delete the logs); the topic znode is written with RS = target;
//     /admin/reassign_partitions is read again; UpdateMetadata to every live
//     broker; a deletion the reassignment held back resumes.
//
// While a reassignment is in progress its topic's deletion waits
// (markTopicIneligibleForDeletion). A new controller resumes the
// reassignments the topic znodes record (initializePartitionReassignments).
//
// Catching up: kraftbench has no data plane, so a new replica is caught up
// once its broker has made the log, that is once the controller has every
// answer to the A-phase requests; the controller then adds the live adding
// replicas to the ISR as the leader's AlterPartition would make it
// (processAlterPartition: a state write with the leader epoch unchanged,
// UpdateMetadata), and completes the reassignment (maybeCompleteReassignment).
// docs/fidelity.md gives what this skips.

var _ cluster.Reassigner = (*Node)(nil)

// AlterPartitionReassignments implements cluster.Reassigner (see above).
func (n *Node) AlterPartitionReassignments(ctx context.Context, specs []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
	if n.forwardTo() != nil {
		return nil, cluster.Errorf(kerr.NotController, "a KRaft controller is active: kraftbench does not forward AlterPartitionReassignments during a migration")
	}
	if !n.ctrl.isActive.Load() {
		return nil, errNotController()
	}
	specs = lastPerPartition(specs)
	type answer struct {
		res []cluster.PartitionResult
		err error
	}
	reply := make(chan answer, 1)
	n.ctrl.enqueue("ApiPartitionReassignment", func() error {
		res, err := n.ctrl.processApiPartitionReassignment(specs)
		var moved *controllerMovedError
		if errors.As(err, &moved) {
			reply <- answer{err: errNotController()}
			return err
		}
		reply <- answer{res, err}
		return err
	})
	select {
	case a := <-reply:
		return a.res, a.err
	case <-n.ctrl.done:
		return nil, errNotController()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// lastPerPartition keeps one spec per partition, the last one given, in the
// order partitions first appear: KafkaApis builds the request's
// reassignments with toMap (3.9 handleAlterPartitionReassignmentsRequest),
// so a partition named twice is moved once, to its last target, and
// answered once.
func lastPerPartition(specs []cluster.ReassignSpec) []cluster.ReassignSpec {
	at := make(map[tp]int, len(specs))
	out := make([]cluster.ReassignSpec, 0, len(specs))
	for _, s := range specs {
		p := tp{s.Topic, s.Partition}
		if i, ok := at[p]; ok {
			out[i] = s
			continue
		}
		at[p] = len(out)
		out = append(out, s)
	}
	return out
}

// ListPartitionReassignments implements cluster.Reassigner: the
// controller's ListPartitionReassignments event
// (processListPartitionReassignments, :1939-1958) answers from its context.
func (n *Node) ListPartitionReassignments(ctx context.Context, which []cluster.TopicPartitions) ([]cluster.Reassignment, error) {
	if n.forwardTo() != nil || !n.ctrl.isActive.Load() {
		return nil, errNotController()
	}
	reply := make(chan []cluster.Reassignment, 1)
	fail := make(chan error, 1)
	n.ctrl.enqueue("ListPartitionReassignments", func() error {
		if !n.ctrl.active || n.ctrl.cc == nil {
			fail <- errNotController()
			return nil
		}
		reply <- n.ctrl.listReassignments(which)
		return nil
	})
	select {
	case r := <-reply:
		return r, nil
	case err := <-fail:
		return nil, err
	case <-n.ctrl.done:
		return nil, errNotController()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *controller) listReassignments(which []cluster.TopicPartitions) []cluster.Reassignment {
	var out []cluster.Reassignment
	add := func(name string, cp *ctxPartition) {
		if cp != nil && cp.IsReassigning() {
			out = append(out, cluster.Reassignment{Topic: name, Partition: cp.ID, Replicas: slices.Clone(cp.Replicas),
				Adding: cluster.IDs(cp.Adding), Removing: cluster.IDs(cp.Removing)})
		}
	}
	if which == nil {
		for _, name := range c.cc.sortedTopicNames() {
			t := c.cc.topics[name]
			for i := range t.parts {
				add(name, &t.parts[i])
			}
		}
	}
	for _, w := range which {
		for _, p := range w.Partitions {
			add(w.Topic, c.cc.partition(tp{w.Topic, p}))
		}
	}
	cluster.SortReassignments(out)
	return out
}

// processApiPartitionReassignment is the event (see the file comment).
func (c *controller) processApiPartitionReassignment(specs []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
	if !c.active || c.cc == nil {
		return nil, errNotController()
	}
	out := make([]cluster.PartitionResult, len(specs))
	var todo []int
	targets := map[int][]int32{}
	for i, s := range specs {
		out[i] = cluster.PartitionResult{Topic: s.Topic, Partition: s.Partition}
		p := tp{s.Topic, s.Partition}
		cp := c.cc.partition(p)
		if s.Replicas != nil {
			if err := c.validateReassignment(cp, s.Replicas); err != nil {
				out[i].Code, out[i].Message = err.Code, err.Message
				continue
			}
		}
		// maybeBuildReassignment.
		switch {
		case cp != nil && cp.IsReassigning() && s.Replicas == nil:
			targets[i] = cluster.OriginReplicas(cp.Replicas, cp.Adding)
		case s.Replicas == nil:
			out[i].Code, out[i].Message = kerr.NoReassignmentInProgress.Code, "No partition reassignment is in progress."
			continue
		default:
			targets[i] = slices.Clone(s.Replicas)
		}
		todo = append(todo, i)
	}
	// maybeRemoveFromZkReassignment: whether the old tool's znode exists
	// (reassignPartitionsInProgress, an exists); an API reassignment
	// supersedes what it lists.
	if _, err := c.n.z.Exists(zkmeta.ReassignPartitionsPath); err != nil {
		return nil, err
	}
	// maybeTriggerPartitionReassignment.
	for _, i := range todo {
		p := tp{specs[i].Topic, specs[i].Partition}
		t := c.cc.topics[p.topic]
		cp := c.cc.partition(p)
		if t == nil || t.deleting || cp == nil {
			out[i].Code, out[i].Message = kerr.UnknownTopicOrPartition.Code, "The partition does not exist."
			continue
		}
		if err := c.onPartitionReassignment(p, targets[i]); err != nil {
			var moved *controllerMovedError
			if errors.As(err, &moved) {
				return nil, err
			}
			c.log.Error("reassignment failed", "topic", p.topic, "partition", p.part, "err", err)
			out[i].Code, out[i].Message = kerr.UnknownServerError.Code, "The server experienced an unexpected error when processing the request."

		}
	}
	return out, nil
}

// validateReassignment is validateReplicas.
func (c *controller) validateReassignment(cp *ctxPartition, replicas []int32) *cluster.Error {
	list := fmt.Sprint(replicas)
	switch {
	case len(replicas) == 0:
		return cluster.Errorf(kerr.InvalidReplicaAssignment, "Empty replica list specified in partition reassignment.")
	case len(slices.Compact(slices.Sorted(slices.Values(replicas)))) != len(replicas):
		return cluster.Errorf(kerr.InvalidReplicaAssignment, "Duplicate replica ids in partition reassignment replica list: %s", list)
	case slices.ContainsFunc(replicas, func(r int32) bool { return r < 0 }):
		return cluster.Errorf(kerr.InvalidReplicaAssignment, "Invalid broker id in replica list: %s", list)
	}
	var current, adding []int32
	if cp != nil {
		current, adding = cp.Replicas, cp.Adding
	}
	_, add, _ := cluster.ReassignTo(current, adding, replicas)
	for _, r := range add {
		if !c.cc.isLive(r) {
			return cluster.Errorf(kerr.InvalidReplicaAssignment,
				"Replica assignment has brokers that are not alive. Replica list: %v, live broker list: %v", add, c.cc.liveIDs())
		}
	}
	return nil
}

// onPartitionReassignment runs the phases (file comment) for p towards
// target.
func (c *controller) onPartitionReassignment(p tp, target []int32) error {
	cp := c.cc.partition(p)
	full, adding, removing := cluster.ReassignTo(cp.Replicas, cp.Adding, target)
	// updateCurrentReassignment (U1-U3).
	if !slices.Equal(full, cp.Replicas) || !slices.Equal(adding, cp.Adding) || !slices.Equal(removing, cp.Removing) {
		unneeded := cluster.OriginReplicas(cp.Replicas, full)
		if err := c.writeTopicAssignment(p, full, adding, removing); err != nil {
			return err
		}
		if len(unneeded) > 0 {
			if err := c.stopRemovedReplicas(p, unneeded); err != nil {
				return err
			}
		}
	}
	complete, err := c.reassignmentComplete(p)
	if err != nil {
		return err
	}
	if !complete {
		return c.startReassignment(p)
	}
	return c.completeReassignment(p)
}

// writeTopicAssignment is updateReplicaAssignmentForPartition: the whole
// topic znode, this partition's replicas, adding and removing as given, in
// one epoch-checked setData; then the context.
func (c *controller) writeTopicAssignment(p tp, replicas, adding, removing []int32) error {
	t := c.cc.topics[p.topic]
	topic := &cluster.Topic{Name: t.name, ID: t.id, Partitions: make([]cluster.Partition, len(t.parts))}
	for i := range t.parts {
		topic.Partitions[i] = t.parts[i].Partition
	}
	topic.Partitions[p.part].Replicas, topic.Partitions[p.part].Adding, topic.Partitions[p.part].Removing = replicas, adding, removing
	res, err := c.cwriteOne(zkmeta.Op{Kind: zkmeta.OpSet, Path: zkmeta.TopicPath(p.topic), Data: zkmeta.EncodeTopic(topic), Version: -1})
	if err == nil {
		err = res.err
	}
	if err != nil {
		return fmt.Errorf("write the assignment of %s-%d: %w", p.topic, p.part, err)
	}
	cp := c.cc.partition(p)
	cp.Replicas, cp.Adding, cp.Removing = slices.Clone(replicas), emptyNil(adding), emptyNil(removing)
	return nil
}

func emptyNil(ids []int32) []int32 {
	if len(ids) == 0 {
		return nil
	}
	return slices.Clone(ids)
}

// reassignmentComplete is isReassignmentComplete: not reassigning, or the
// state znode (read) has every target replica in its ISR.
func (c *controller) reassignmentComplete(p tp) (bool, error) {
	cp := c.cc.partition(p)
	if !cp.IsReassigning() {
		return true, nil
	}
	have, err := c.readPartitionStates([]tp{p})
	if err != nil || len(have) == 0 {
		return false, err
	}
	return cluster.ContainsAll(cp.ISR, cp.Target()), nil
}

// startReassignment is A1-A2: the leader epoch bumped (updateLeaderEpoch: a
// re-read, then the write) with LeaderAndIsr to the origin replicas and, as
// new, to the adding ones; then each adding replica's NewReplica
// LeaderAndIsr. Once every broker answered, the adding replicas count as
// caught up (file comment).
func (c *controller) startReassignment(p tp) error {
	b := c.newBatch()
	if err := c.bumpLeaderEpoch(p, b, func(cp *ctxPartition) {
		origin := cluster.OriginReplicas(cp.Replicas, cp.Adding)
		b.addLeaderAndIsr(liveOf(c.cc, origin), p, false)
		b.addLeaderAndIsr(liveOf(c.cc, cp.Adding), p, true)
	}); err != nil {
		return err
	}
	newReplicas := c.newBatch()
	newReplicas.addLeaderAndIsr(liveOf(c.cc, c.cc.partition(p).Adding), p, true)
	epoch := c.term
	sendAll([]*requestBatch{b, newReplicas}, func(aborted bool) {
		if aborted {
			return
		}
		c.enqueue("ReassignedReplicasCaughtUp", func() error {
			if !c.active || c.term != epoch {
				return nil
			}
			return c.replicasCaughtUp(p)
		})
	})
	return nil
}

// bumpLeaderEpoch reads p's state and writes it back with the leader epoch
// bumped, retrying a lost race; push adds the requests for the written
// state.
func (c *controller) bumpLeaderEpoch(p tp, b *requestBatch, push func(cp *ctxPartition)) error {
	for {
		have, err := c.readPartitionStates([]tp{p})
		if err != nil || len(have) == 0 {
			return err
		}
		cp := c.cc.partition(p)
		retry, err := c.writeStates([]leaderChange{{p: p, leader: cp.Leader, isr: cp.ISR}}, b, func(tp) []int32 { return nil })
		if err != nil {
			return err
		}
		if len(retry) == 0 {
			push(cp)
			b.addUpdateMetadata(c.cc.liveIDs(), p)
			return nil
		}
	}
}

func liveOf(cc *controllerContext, ids []int32) []int32 {
	var out []int32
	for _, id := range ids {
		if cc.isLive(id) {
			out = append(out, id)
		}
	}
	return out
}

// replicasCaughtUp adds p's live adding replicas to its ISR, as the
// leader's AlterPartition (processAlterPartition: the state written from
// the context, the leader epoch kept, read back, UpdateMetadata to every
// live broker),
// then maybeCompleteReassignment.
func (c *controller) replicasCaughtUp(p tp) error {
	cp := c.cc.partition(p)
	if cp == nil || !cp.IsReassigning() || !cp.hasState || !c.cc.isLive(cp.Leader) {
		return nil
	}
	isr := slices.Clone(cp.ISR)
	for _, r := range cp.Adding {
		if c.cc.isLive(r) && !slices.Contains(isr, r) {
			isr = append(isr, r)
		}
	}
	b := c.newBatch()
	if len(isr) > len(cp.ISR) {
		retry, err := c.writeStates([]leaderChange{{p: p, leader: cp.Leader, isr: isr, isrOnly: true}}, b, func(tp) []int32 { return nil })
		if err != nil {
			return err
		}
		if len(retry) > 0 {
			// Lost to another writer: read and try once more later.
			c.enqueue("ReassignedReplicasCaughtUp", func() error {
				if _, err := c.readPartitionStates([]tp{p}); err != nil {
					return err
				}
				return c.replicasCaughtUp(p)
			})
			return nil
		}
		// updateLeaderAndIsrCache reads the written state back
		// (KafkaController.scala:1148-1153).
		if _, err := c.readPartitionStates([]tp{p}); err != nil {
			return err
		}
		b.addUpdateMetadata(c.cc.liveIDs(), p)
		b.send(nil)
	}
	// processPartitionReassignmentIsrChange -> maybeCompleteReassignment.
	complete, err := c.reassignmentComplete(p)
	if err != nil || !complete {
		return err
	}
	return c.onPartitionReassignment(p, cp.Target())
}

// completeReassignment is B1-B8 (file comment).
func (c *controller) completeReassignment(p tp) error {
	cp := c.cc.partition(p)
	target, removing := cp.Target(), slices.Clone(cp.Removing)
	// B2.
	cp.Replicas, cp.Adding, cp.Removing = slices.Clone(target), nil, nil
	// B3: moveReassignedPartitionLeaderIfRequired.
	b := c.newBatch()
	if !slices.Contains(target, cp.Leader) || !c.cc.isLive(cp.Leader) {
		if _, err := c.electLeaders([]tp{p}, c.reassignElection, b); err != nil {
			return err
		}
	} else if err := c.bumpLeaderEpoch(p, b, func(cp *ctxPartition) {
		b.addLeaderAndIsr(liveOf(c.cc, target), p, false)
	}); err != nil {
		return err
	}
	b.send(nil)
	// B4-B5.
	if err := c.stopRemovedReplicas(p, removing); err != nil {
		return err
	}
	// B6.
	if err := c.writeTopicAssignment(p, target, nil, nil); err != nil {
		return err
	}
	// B7: removePartitionFromReassigningPartitions checks the old tool's
	// znode (an exists).
	if _, err := c.n.z.Exists(zkmeta.ReassignPartitionsPath); err != nil {
		return err
	}
	// B8.
	um := c.newBatch()
	um.addUpdateMetadata(c.cc.liveIDs(), p)
	um.send(nil)
	// resumeDeletionForTopics.
	if t := c.cc.topics[p.topic]; t.deleting && c.heldDeletions[p.topic] && !topicReassigning(t) {
		delete(c.heldDeletions, p.topic)
		return c.beginDeletion([]string{p.topic})
	}
	return nil
}

// reassignElection is ReassignPartitionLeaderElectionStrategy: the first
// target replica that is alive, not shutting down, and in the ISR.
func (c *controller) reassignElection(cp *ctxPartition) (int32, []int32, bool) {
	for _, r := range cp.Replicas {
		if c.cc.canLead(r) && slices.Contains(cp.ISR, r) {
			return r, cp.ISR, true
		}
	}
	return 0, nil, false
}

// stopRemovedReplicas is stopRemovedReplicasOfReassignedPartition: the
// replicas go OfflineReplica (out of the ISR, StopReplica without delete),
// then NonExistentReplica (StopReplica with delete).
func (c *controller) stopRemovedReplicas(p tp, removed []int32) error {
	byReplica := map[int32][]tp{}
	for _, r := range liveOf(c.cc, removed) {
		byReplica[r] = []tp{p}
	}
	if len(byReplica) == 0 {
		return nil
	}
	offline := c.newBatch()
	if err := c.offlineReplicas(byReplica, offline); err != nil {
		return err
	}
	offline.send(nil)
	del := c.newBatch()
	for r := range byReplica {
		del.addStopReplica(r, p)
	}
	del.send(nil)
	return nil
}

func topicReassigning(t *ctxTopic) bool {
	for i := range t.parts {
		if t.parts[i].IsReassigning() {
			return true
		}
	}
	return false
}

// resumeReassignments is initializePartitionReassignments on a new
// controller: every partition the topic znodes record as being reassigned
// goes through onPartitionReassignment again.
func (c *controller) resumeReassignments() error {
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		for i := range t.parts {
			if cp := &t.parts[i]; cp.IsReassigning() {
				if err := c.onPartitionReassignment(tp{name, int32(i)}, cp.Target()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
