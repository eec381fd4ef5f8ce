package zkmode

import (
	"errors"
	"slices"

	"github.com/go-zookeeper/zk"
)

func (c *controller) onTopicChange(zk.Event) error   { return c.processTopicChange() }
func (c *controller) onBrokerChange(zk.Event) error  { return c.processBrokerChange() }
func (c *controller) onTopicDeletion(zk.Event) error { return c.processTopicDeletion() }

// processTopicChange is Kafka's TopicChange event: diff the children of
// /brokers/topics against the context, read the new topics' assignments, and
// bring their partitions online (onNewPartitionCreation). Waiting
// CreateTopics calls complete when every live broker acknowledged the
// UpdateMetadata that carries their topic.
func (c *controller) processTopicChange() error {
	if !c.active {
		return nil
	}
	names, err := c.children(topicsPath, c.onTopicChange)
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
			delete(c.incomplete, n)
		}
	}
	topics, err := c.readTopics(added)
	if err != nil {
		return err
	}
	for _, t := range topics {
		c.cc.topics[t.name] = t
		c.incomplete[t.name] = true
	}
	parts := c.incompleteParts()
	b, err := c.onlinePartitions(parts, false)
	if err != nil {
		return err
	}
	c.sendCompleting(b, c.onlineTopics(parts))
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
	ids, err := c.children(brokerIDsPath, c.onBrokerChange)
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

func (c *controller) onBrokerFailure(gone []int32) error {
	c.log.Info("brokers failed", "brokers", gone)
	for _, id := range gone {
		delete(c.cc.brokers, id)
		delete(c.cc.shuttingDown, id)
		c.cm.removeBroker(id, false)
	}
	b := c.newBatch()
	if err := c.updateStates(c.leaderChanges(), b); err != nil {
		return err
	}
	b.addUpdateMetadata(c.cc.liveIDs())
	b.send(nil)
	return nil
}

func (c *controller) onBrokerStartup(joined []int32) error {
	c.log.Info("brokers started", "brokers", joined)
	full := c.newBatch()
	full.umAll = true
	full.addUpdateMetadata(joined)
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		for i := range t.parts {
			p := &t.parts[i]
			if !p.hasState || t.deleting {
				continue
			}
			for _, r := range p.Replicas {
				if slices.Contains(joined, r) {
					full.addLeaderAndIsr([]int32{r}, tp{name, p.ID}, false)
				}
			}
		}
	}
	full.send(nil)
	others := c.newBatch()
	others.addUpdateMetadata(slices.DeleteFunc(c.cc.liveIDs(), func(id int32) bool { return slices.Contains(joined, id) }))
	others.send(nil)
	parts := c.incompleteParts()
	b, err := c.onlinePartitions(parts, true)
	if err != nil {
		return err
	}
	if err := c.expandISRs(b); err != nil { // isr.go
		return err
	}
	c.sendCompleting(b, c.onlineTopics(parts))
	return nil
}

// processTopicDeletion is Kafka's TopicDeletion event.
func (c *controller) processTopicDeletion() error {
	if !c.active {
		return nil
	}
	names, err := c.children(deleteTopicsPath, c.onTopicDeletion)
	if err != nil {
		return err
	}
	return c.startDeletion(names)
}

// resumeDeletions restarts the deletions queued before a failover.
func (c *controller) resumeDeletions() error {
	return c.processTopicDeletion()
}

// startDeletion is Kafka's TopicDeletionManager: mark the topics, tell every
// live broker (UpdateMetadata with leader -2) and every live replica
// (StopReplica with delete) and, once they answered, delete the znodes.
func (c *controller) startDeletion(names []string) error {
	var started []string
	b := c.newBatch()
	live := c.cc.liveIDs()
	for _, n := range names {
		t, ok := c.cc.topics[n]
		if !ok || c.n.cfg.TopicDeletionDisabled {
			// Kafka drops markers of unknown topics, and all of them when
			// delete.topic.enable is false.
			if _, err := c.cwrite([]op{{kind: opDelete, path: deleteTopicPath(n), version: -1}}); err != nil && !errors.Is(err, zk.ErrNoNode) {
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
		delete(c.incomplete, n)
		for i := range t.parts {
			p := tp{n, int32(i)}
			b.addUpdateMetadata(live, p)
			for _, r := range c.cc.liveReplicas(&t.parts[i]) {
				b.addStopReplica(r, p)
			}
		}
		started = append(started, n)
	}
	if len(started) == 0 {
		return nil
	}
	term := c.term
	b.send(func(aborted bool) {
		if aborted {
			return
		}
		c.enqueue("TopicDeletionStopReplicaResponseReceived", func() error {
			if !c.active || c.term != term {
				return nil
			}
			return c.completeDeletion(started)
		})
	})
	return nil
}

// completeDeletion deletes the topics' znodes, children first, in multi
// batches conditioned on the controller epoch.
func (c *controller) completeDeletion(names []string) error {
	for _, n := range names {
		t, ok := c.cc.topics[n]
		if !ok {
			continue
		}
		ops := make([]op, 0, 2*len(t.parts)+4)
		for p := range t.parts {
			ops = append(ops, op{kind: opDelete, path: statePath(n, int32(p)), version: -1},
				op{kind: opDelete, path: partitionPath(n, int32(p)), version: -1})
		}
		ops = append(ops, op{kind: opDelete, path: partitionsPath(n), version: -1},
			op{kind: opDelete, path: topicPath(n), version: -1},
			op{kind: opDelete, path: topicConfigPath(n), version: -1},
			op{kind: opDelete, path: deleteTopicPath(n), version: -1})
		if err := c.deleteAll(ops); err != nil {
			return err
		}
		delete(c.cc.topics, n)
		delete(c.deleting, n)
		c.waiters.complete(deleteWait, n, 0)
		c.log.Info("topic deleted", "topic", n)
	}
	return nil
}

// deleteAll runs deletions in order, in batches; if a znode is already gone
// (a deletion cut short by a failover) it continues one by one.
func (c *controller) deleteAll(ops []op) error {
	for start := 0; start < len(ops); start += maxOpsPerMulti {
		chunk := ops[start:min(start+maxOpsPerMulti, len(ops))]
		_, err := c.cwrite(chunk)
		if err == nil {
			continue
		}
		if !errors.Is(err, zk.ErrNoNode) || errors.Is(err, errControllerMoved) {
			return err
		}
		for _, o := range chunk {
			if _, err := c.cwrite([]op{o}); err != nil && !errors.Is(err, zk.ErrNoNode) {
				return err
			}
		}
	}
	return nil
}
