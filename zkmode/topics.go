package zkmode

import (
	"errors"
	"slices"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

func (c *controller) onTopicChange(zk.Event) error   { return c.processTopicChange() }
func (c *controller) onBrokerChange(zk.Event) error  { return c.processBrokerChange() }
func (c *controller) onTopicDeletion(zk.Event) error { return c.processTopicDeletion() }

// processTopicChange is Kafka's TopicChange event (3.9
// KafkaController.scala:1683-1708): diff the children of /brokers/topics
// against the context, read the new topics' assignments, and bring their
// partitions online (onNewPartitionCreation, :699-709: the three creation
// waves, then LeaderAndIsr and UpdateMetadata). Waiting CreateTopics calls
// complete when the controller's own broker applied the UpdateMetadata that
// carries their topic.
func (c *controller) processTopicChange() error {
	if !c.active {
		return nil
	}
	names, err := c.children(zkmeta.TopicsPath, c.onTopicChange)
	if err != nil {
		return err
	}
	current := make(map[string]bool, len(names))
	var added []string
	for _, n := range names {
		current[n] = true
		if _, ok := c.cc.topics[n]; !ok {
			added = append(added, n)
		}
	}
	for n := range c.cc.topics {
		if !current[n] {
			delete(c.cc.topics, n)
		}
	}
	topics, err := c.readTopics(added)
	if err != nil {
		return err
	}
	var parts []tp
	for _, t := range topics {
		c.cc.topics[t.name] = t
		for p := range t.parts {
			parts = append(parts, tp{t.name, int32(p)})
		}
	}
	b := c.newBatch()
	online, err := c.initPartitions(parts, b)
	if err != nil {
		return err
	}
	c.sendCompleting(b, c.onlineTopics(online))
	return nil
}

// processBrokerChange is Kafka's BrokerChange event: read every registration
// (O(brokers)), then handle the brokers that left (onBrokerFailure: re-elect
// their partitions' leaders, shrink ISRs) and those that joined or bounced
// with a new broker epoch (onBrokerStartup: full metadata to them, the others
// learn of them, leaderless partitions they can lead get a leader).
func (c *controller) processBrokerChange() error {
	if !c.active {
		return nil
	}
	ids, err := c.children(zkmeta.BrokerIDsPath, c.onBrokerChange)
	if err != nil {
		return err
	}
	brokers, err := c.readBrokers(ids)
	if err != nil {
		return err
	}
	var gone, joined []int32
	seen := map[int32]bool{}
	for _, b := range brokers {
		seen[b.ID] = true
		old, ok := c.cc.brokers[b.ID]
		if ok && old.Epoch != b.Epoch {
			gone = append(gone, b.ID) // bounced: handled as a failure, then a start-up
		}
		if !ok || old.Epoch != b.Epoch {
			joined = append(joined, b.ID)
		}
	}
	for id := range c.cc.brokers {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		if err := c.onBrokerFailure(gone); err != nil {
			return err
		}
	}
	if len(joined) > 0 {
		for _, b := range brokers {
			if slices.Contains(joined, b.ID) {
				c.cc.brokers[b.ID] = b
				delete(c.cc.shuttingDown, b.ID)
				c.cm.addBroker(b)
			}
		}
		return c.onBrokerStartup(joined)
	}
	return nil
}

// onBrokerFailure is Kafka's onBrokerFailure and onReplicasBecomeOffline
// (3.9 KafkaController.scala:635-697): the partitions the dead brokers led
// go Offline; triggerOnlinePartitionStateChange elects them (re-read,
// elect, write); then the dead brokers' replicas go OfflineReplica (re-read,
// leave the ISRs). If nothing changed, an UpdateMetadata with the live
// brokers tells everyone who left.
func (c *controller) onBrokerFailure(gone []int32) error {
	c.log.Info("brokers failed", "brokers", gone)
	for _, id := range gone {
		delete(c.cc.brokers, id)
		delete(c.cc.shuttingDown, id)
		c.cm.removeBroker(id, false)
	}
	elections := c.newBatch()
	online, elected, err := c.triggerOnlinePartitionStateChange(elections)
	if err != nil {
		return err
	}
	c.sendCompleting(elections, c.onlineTopics(online))
	replicas := c.replicasOn(gone, true)
	offline := c.newBatch()
	if err := c.offlineReplicas(replicas, offline); err != nil {
		return err
	}
	if len(replicas) == 0 && elected == 0 {
		offline.addUpdateMetadata(c.cc.liveIDs())
	}
	offline.send(nil)
	return nil
}

// onBrokerStartup is Kafka's onBrokerStartup (KafkaController.scala:572-606):
// UpdateMetadata with the brokers to the others, the full metadata to the
// new ones, LeaderAndIsr to their replicas (OnlineReplica, which also sends
// those partitions to every broker), then triggerOnlinePartitionStateChange
// (they may lead Offline partitions, or be the first live replica of New
// ones). The ISR expansion kraftbench models follows (isr.go).
func (c *controller) onBrokerStartup(joined []int32) error {
	c.log.Info("brokers started", "brokers", joined)
	others := c.newBatch()
	others.addUpdateMetadata(slices.DeleteFunc(c.cc.liveIDs(), func(id int32) bool { return slices.Contains(joined, id) }))
	others.send(nil)
	full := c.newBatch()
	full.umAll = true
	full.addUpdateMetadata(joined)
	full.send(nil)
	replicas := c.newBatch()
	live := c.cc.liveIDs()
	for id, parts := range c.replicasOn(joined, true) {
		for _, p := range parts {
			if cp := c.cc.partition(p); cp.hasState {
				replicas.addLeaderAndIsr([]int32{id}, p, false)
				replicas.addUpdateMetadata(live, p)
			}
		}
	}
	replicas.send(nil)
	b := c.newBatch()
	online, _, err := c.triggerOnlinePartitionStateChange(b)
	if err != nil {
		return err
	}
	if err := c.expandISRs(b); err != nil { // isr.go
		return err
	}
	c.sendCompleting(b, c.onlineTopics(online))
	// onBrokerStartup resumes the reassignments whose target includes a
	// returning broker (KafkaController.scala:588-591, maybeResumeReassignments).
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		for i := range t.parts {
			cp := &t.parts[i]
			if cp.IsReassigning() && slices.ContainsFunc(cp.Target(), func(r int32) bool { return slices.Contains(joined, r) }) {
				if err := c.onPartitionReassignment(tp{name, int32(i)}, cp.Target()); err != nil {
					return err
				}
			}
		}
	}
	return c.watchBrokerModifications(joined)
}

// processTopicDeletion is Kafka's TopicDeletion event.
func (c *controller) processTopicDeletion() error {
	if !c.active {
		return nil
	}
	names, err := c.children(zkmeta.DeleteTopicsPath, c.onTopicDeletion)
	if err != nil {
		return err
	}
	return c.startDeletion(names)
}

// resumeDeletions restarts the deletions queued before a failover (Kafka's
// tryTopicDeletion, from the context the failover loaded: no new read).
func (c *controller) resumeDeletions() error {
	var names []string
	for _, n := range c.cc.sortedTopicNames() {
		if c.cc.topics[n].deleting {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return c.startDeletion(names)
}

// startDeletion is Kafka's TopicDeletionManager.onTopicDeletion (3.9
// TopicDeletionManager.scala:256-315): UpdateMetadata marking the topics'
// partitions LeaderDuringDelete to every live broker, which the waiting
// DeleteTopics calls complete on once the controller's own broker applied
// it (DelayedDeleteTopics checks that broker's cache, 3.9
// DelayedDeleteTopics.scala:80-82); then the live replicas go OfflineReplica
// (StopReplica without delete, a re-read and an ISR write per replica and
// partition), then ReplicaDeletionStarted (StopReplica with delete). Once
// the replicas answered, the znodes are deleted (completeDeletion).
func (c *controller) startDeletion(names []string) error {
	var started []string
	for _, n := range names {
		t, ok := c.cc.topics[n]
		if !ok || c.n.cfg.TopicDeletionDisabled {
			// Kafka drops markers of unknown topics, and all of them when
			// delete.topic.enable is false (KafkaController.scala:1787-1816).
			if _, err := c.cwriteOne(zkmeta.Op{Kind: zkmeta.OpDelete, Path: zkmeta.DeleteTopicPath(n), Version: -1}); err != nil {
				return err
			}
			c.waiters.complete(deleteWait, n, 0)
			continue
		}
		if c.deleting[n] {
			continue
		}
		c.deleting[n] = true
		t.deleting = true
		started = append(started, n)
	}
	// A topic with a reassignment in progress is ineligible for deletion
	// until it completes (reassign.go): it gets no UpdateMetadata, so
	// brokers keep serving it and its DeleteTopics keeps waiting
	// (resumeDeletions sends onTopicDeletion only for the eligible topics,
	// 3.9 TopicDeletionManager.scala:317-353).
	eligible := started[:0:0]
	for _, n := range started {
		if topicReassigning(c.cc.topics[n]) {
			c.heldDeletions[n] = true
			continue
		}
		eligible = append(eligible, n)
	}
	return c.beginDeletion(eligible)
}

// beginDeletion is onTopicDeletion for topics eligible for deletion: the
// UpdateMetadata that drops them from the brokers' caches (the waiting
// DeleteTopics calls complete once the controller's own broker applied
// it), then their replicas' deletion.
func (c *controller) beginDeletion(names []string) error {
	if len(names) == 0 {
		return nil
	}
	um := c.newBatch()
	live := c.cc.liveIDs()
	for _, n := range names {
		t := c.cc.topics[n]
		for i := range t.parts {
			um.addUpdateMetadata(live, tp{n, int32(i)})
		}
	}
	um.sendWatching(c.id, func(aborted bool) {
		if !aborted {
			for _, n := range names {
				c.waiters.complete(deleteWait, n, 0)
			}
		}
	})
	return c.deleteReplicas(names)
}

// deleteReplicas moves the live replicas of the topics to OfflineReplica,
// then to ReplicaDeletionStarted, and completes the deletion once every
// StopReplica was answered.
func (c *controller) deleteReplicas(names []string) error {
	byReplica := map[int32][]tp{}
	for _, n := range names {
		t := c.cc.topics[n]
		for i := range t.parts {
			for _, r := range c.cc.liveReplicas(&t.parts[i]) {
				byReplica[r] = append(byReplica[r], tp{n, int32(i)})
			}
		}
	}
	offline := c.newBatch()
	if err := c.offlineReplicas(byReplica, offline); err != nil {
		return err
	}
	offline.send(nil)
	stop := c.newBatch()
	for id, parts := range byReplica {
		for _, p := range parts {
			stop.addStopReplica(id, p)
		}
	}
	term := c.term
	stop.send(func(aborted bool) {
		if aborted {
			return
		}
		c.enqueue("TopicDeletionStopReplicaResponseReceived", func() error {
			if !c.active || c.term != term {
				return nil
			}
			return c.completeDeletion(names)
		})
	})
	return nil
}

// completeDeletion is TopicDeletionManager.completeDeleteTopic with
// ControllerDeletionClient.deleteTopic (TopicDeletionManager.scala:35-39,
// 238-247): the topic znode deleted recursively (deleteRecursive, one
// request at a time), then /config/topics/<t>, then
// /admin/delete_topics/<t>, each an epoch-checked delete.
func (c *controller) completeDeletion(names []string) error {
	for _, n := range names {
		if _, ok := c.cc.topics[n]; !ok {
			continue
		}
		if err := c.deleteRecursive(zkmeta.TopicPath(n)); err != nil {
			return err
		}
		for _, path := range []string{zkmeta.TopicConfigPath(n), zkmeta.DeleteTopicPath(n)} {
			if _, err := c.cwriteOne(zkmeta.Op{Kind: zkmeta.OpDelete, Path: path, Version: -1}); err != nil {
				return err
			}
		}
		delete(c.cc.topics, n)
		delete(c.deleting, n)
		c.waiters.complete(deleteWait, n, 0)
		c.log.Info("topic deleted", "topic", n)
	}
	return nil
}

// deleteRecursive is KafkaZkClient.deleteRecursive (KafkaZkClient.scala:
// 1876-1888): the children read (with a watch), each child deleted
// recursively, then the znode itself, one request at a time, each delete
// epoch-checked; a znode already gone is fine.
func (c *controller) deleteRecursive(path string) error {
	kids, _, err := c.n.z.ChildrenW(path)
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	slices.Sort(kids)
	for _, k := range kids {
		if err := c.deleteRecursive(path + "/" + k); err != nil {
			return err
		}
	}
	_, err = c.cwriteOne(zkmeta.Op{Kind: zkmeta.OpDelete, Path: path, Version: -1})
	return err
}
