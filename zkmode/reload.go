package zkmode

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/cluster"
)

// loadContext is Kafka's initializeControllerContext: with child watches
// armed on /brokers/ids, /brokers/topics and /admin/delete_topics, read every
// broker registration, every topic assignment and every partition state.
// The reads are pipelined (up to ReloadConcurrency in flight on the session),
// as Kafka >= 1.1 does; the cost is still one read per partition.
func (c *controller) loadContext() (*controllerContext, error) {
	cc := newControllerContext()
	ids, err := c.children(brokerIDsPath, c.onBrokerChange)
	if err != nil {
		return nil, fmt.Errorf("load brokers: %w", err)
	}
	brokers, err := c.readBrokers(ids)
	if err != nil {
		return nil, err
	}
	for _, b := range brokers {
		cc.brokers[b.ID] = b
	}
	names, err := c.children(topicsPath, c.onTopicChange)
	if err != nil {
		return nil, fmt.Errorf("load topics: %w", err)
	}
	topics, err := c.readTopics(names)
	if err != nil {
		return nil, err
	}
	for _, t := range topics {
		cc.topics[t.name] = t
	}
	dels, err := c.children(deleteTopicsPath, c.onTopicDeletion)
	if err != nil {
		return nil, fmt.Errorf("load topic deletions: %w", err)
	}
	for _, d := range dels {
		if t, ok := cc.topics[d]; ok {
			t.deleting = true
		}
	}
	if err := c.readStates(cc); err != nil {
		return nil, err
	}
	return cc, nil
}

// readBrokers reads the registrations of ids; a broker gone meanwhile is
// skipped. The broker epoch is the znode's czxid.
func (c *controller) readBrokers(ids []string) ([]*cluster.Broker, error) {
	paths := make([]string, len(ids))
	nums := make([]int32, len(ids))
	for i, s := range ids {
		id, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("load brokers: bad broker id %q", s)
		}
		nums[i], paths[i] = int32(id), brokerPath(int32(id))
	}
	var out []*cluster.Broker
	for i, r := range c.n.z.getMany(paths, c.n.cfg.ReloadConcurrency) {
		if errors.Is(r.err, zk.ErrNoNode) {
			continue
		}
		if r.err != nil {
			return nil, fmt.Errorf("load brokers: %w", r.err)
		}
		b, err := decodeBroker(nums[i], r.data, r.stat.Czxid)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// readTopics reads the assignments of the named topics; a topic gone
// meanwhile is skipped. Partitions start without state (Leader NoLeader).
// Each read leaves a data watch on the topic znode, Kafka's
// PartitionModificationsHandler, which Kafka's ZooKeeperClient also sets
// with the same getData (no extra round trip).
func (c *controller) readTopics(names []string) ([]*ctxTopic, error) {
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = topicPath(n)
	}
	var out []*ctxTopic
	// A topic watched already (this node led before, on this session) is
	// read without a second watch.
	armed := make([]bool, len(paths))
	for i, p := range paths {
		_, armed[i] = c.armed[p]
	}
	unarmed := func(i int) bool { return !armed[i] }
	for i, r := range c.n.z.getManyW(paths, c.n.cfg.ReloadConcurrency, unarmed) {
		if r.watch != nil {
			name := names[i]
			c.watchPath(paths[i], r.watch, func(zk.Event) error { return c.onPartitionModification(name) })
		}
		if errors.Is(r.err, zk.ErrNoNode) {
			continue
		}
		if r.err != nil {
			return nil, fmt.Errorf("load topics: %w", r.err)
		}
		id, assignment, err := decodeTopic(names[i], r.data)
		if err != nil {
			return nil, err
		}
		t := &ctxTopic{name: names[i], id: id, parts: make([]ctxPartition, len(assignment))}
		for p, reps := range assignment {
			t.parts[p] = ctxPartition{Partition: cluster.Partition{ID: int32(p), Replicas: reps, Leader: cluster.NoLeader}}
		}
		out = append(out, t)
	}
	return out, nil
}

// onPartitionModification is Kafka's PartitionModifications event: the
// topic znode changed. Adding partitions (CreatePartitions) is not modelled,
// so a grown assignment is only reported; the watch is re-armed.
func (c *controller) onPartitionModification(name string) error {
	if !c.active || c.cc == nil {
		return nil // resigned since the watch was armed: no context to check
	}
	t, ok := c.cc.topics[name]
	if !ok || t.deleting {
		return nil
	}
	if _, armed := c.armed[topicPath(name)]; armed {
		return nil
	}
	b, _, ch, err := c.n.z.getW(topicPath(name))
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	c.watchPath(topicPath(name), ch, func(zk.Event) error { return c.onPartitionModification(name) })
	if _, assignment, err := decodeTopic(name, b); err == nil && len(assignment) != len(t.parts) {
		c.log.Warn("partition count changed in ZooKeeper; adding partitions is not modelled",
			"topic", name, "znode", len(assignment), "controller", len(t.parts))
	}
	return nil
}

// readStates reads every partition state znode of cc's topics. A missing one
// leaves the partition New.
func (c *controller) readStates(cc *controllerContext) error {
	var paths []string
	var keys []tp
	for _, t := range cc.topics {
		for p := range t.parts {
			keys = append(keys, tp{t.name, int32(p)})
			paths = append(paths, statePath(t.name, int32(p)))
		}
	}
	for i, r := range c.n.z.getMany(paths, c.n.cfg.ReloadConcurrency) {
		if errors.Is(r.err, zk.ErrNoNode) {
			continue
		}
		if r.err != nil {
			return fmt.Errorf("load partition states: %w", r.err)
		}
		s, err := decodeState(paths[i], r.data)
		if err != nil {
			return err
		}
		cp := cc.partition(keys[i])
		cp.Leader, cp.LeaderEpoch, cp.ISR, cp.controllerEpoch = s.Leader, s.LeaderEpoch, s.ISR, s.ControllerEpoch
		cp.zkVersion, cp.hasState = r.stat.Version, true
	}
	return nil
}

// onControllerFailover is what a newly elected controller does (Kafka's
// KafkaController.onControllerFailover): load the cluster from ZooKeeper,
// open a channel to every live broker, push the full metadata (UpdateMetadata
// marked FULL, and a full LeaderAndIsr to every replica), bring New and
// Offline partitions online, and resume pending topic deletions.
func (c *controller) onControllerFailover() error {
	start := time.Now()
	cc, err := c.loadContext()
	if err != nil {
		c.resign("failover failed")
		c.dropController()
		return fmt.Errorf("controller failover: %w", err)
	}
	stats := FailoverStats{Epoch: c.epoch, Brokers: len(cc.brokers), Topics: len(cc.topics),
		Partitions: cc.partitionCount(), Reload: time.Since(start), At: start}
	c.cc = cc
	c.cm = newChannelManager(c.id, c.n.cfg.InterBrokerListener, c.n.cfg.ControllerSocketTimeout, c.log)
	for _, b := range cc.liveBrokers() {
		c.cm.addBroker(b)
	}
	full := c.newBatch()
	full.umAll, full.laiFull = true, true
	full.addUpdateMetadata(cc.liveIDs())
	for _, name := range cc.sortedTopicNames() {
		t := cc.topics[name]
		for i := range t.parts {
			if p := &t.parts[i]; p.hasState && !t.deleting {
				full.addLeaderAndIsr(cc.liveReplicas(p), tp{name, p.ID}, false)
			}
		}
	}
	pushStart := time.Now()
	full.send(func(aborted bool) {
		if aborted {
			return
		}
		stats.Push, stats.Total = time.Since(pushStart), time.Since(start)
		c.failover.Store(&stats)
	})
	c.log.Info("controller context loaded", "brokers", stats.Brokers, "topics", stats.Topics,
		"partitions", stats.Partitions, "reload", stats.Reload)
	b, err := c.onlinePartitions(c.newPartitions(), true)
	if err != nil {
		return err
	}
	if err := c.expandISRs(b); err != nil { // isr.go
		return err
	}
	b.send(nil)
	return c.resumeDeletions()
}

// dropController deletes /controller if this node holds it, so that the
// brokers elect again (Kafka's triggerControllerMove).
func (c *controller) dropController() {
	b, st, err := c.n.z.get(controllerPath)
	if err != nil {
		return
	}
	if id, err := decodeController(b); err == nil && id == c.id {
		_ = c.n.z.delete(controllerPath, st.Version)
	}
}

// newPartitions lists the partitions of live topics that have no state yet.
func (c *controller) newPartitions() []tp {
	var out []tp
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		for i := range t.parts {
			if !t.parts[i].hasState && !t.deleting {
				out = append(out, tp{name, int32(i)})
			}
		}
	}
	return out
}

// onlinePartitions brings New partitions (newParts) online and, with elect,
// re-elects the leaders and shrinks the ISRs that non-live brokers require
// (a scan of every partition, so topic creation skips it). It returns the
// batch of pushes for the caller to send.
func (c *controller) onlinePartitions(newParts []tp, elect bool) (*requestBatch, error) {
	b := c.newBatch()
	if _, err := c.initPartitions(newParts, b); err != nil {
		return nil, err
	}
	if elect {
		if err := c.updateStates(c.leaderChanges(), b); err != nil {
			return nil, err
		}
	}
	for _, p := range newParts {
		if t, ok := c.cc.topics[p.topic]; ok && !t.deleting && !t.parts[p.part].hasState {
			c.incomplete[p.topic] = true
		}
	}
	return b, nil
}

// onlineTopics returns the topics among parts whose partitions all have a
// state (and so a leader, as new partitions get one).
func (c *controller) onlineTopics(parts []tp) []string {
	var out []string
	for _, p := range parts {
		if len(out) > 0 && out[len(out)-1] == p.topic {
			continue
		}
		t, ok := c.cc.topics[p.topic]
		if !ok || t.deleting || !slices.ContainsFunc(t.parts, func(cp ctxPartition) bool { return cp.hasState }) {
			continue
		}
		if !slices.ContainsFunc(t.parts, func(cp ctxPartition) bool { return !cp.hasState }) {
			out = append(out, p.topic)
		}
	}
	return out
}

// incompleteParts lists every partition of the topics still waiting for a
// live replica, and forgets them (onlinePartitions notes those still stuck).
func (c *controller) incompleteParts() []tp {
	var parts []tp
	for n := range c.incomplete {
		if t, ok := c.cc.topics[n]; ok {
			for p := range t.parts {
				parts = append(parts, tp{n, int32(p)})
			}
		}
	}
	c.incomplete = map[string]bool{}
	slices.SortFunc(parts, compareTP)
	return parts
}

// sendCompleting sends b and, once the controller's own broker acknowledged
// it, completes the CreateTopics waiting for topics: Kafka's
// DelayedCreatePartitions checks the metadata cache of the broker it runs
// on, the controller, so a dead or slow broker elsewhere does not hold the
// answer (it would until its session expired if every broker had to ack).
func (c *controller) sendCompleting(b *requestBatch, topics []string) {
	b.sendWatching(c.id, func(aborted bool) {
		if aborted {
			return
		}
		for _, t := range topics {
			c.waiters.complete(createWait, t, 0)
		}
	})
}
