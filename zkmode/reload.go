package zkmode

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// loadContext is Kafka's initializeControllerContext (3.9
// KafkaController.scala:951-983): with child watches armed on /brokers/ids
// and /brokers/topics, read every broker registration, every topic
// assignment and every partition state, then the children of
// /admin/delete_topics. The reads are pipelined with at most
// zookeeper.max.in.flight.requests in flight, as Kafka's ZooKeeperClient
// sends them; the cost is one read per partition.
func (c *controller) loadContext() (*controllerContext, error) {
	cc := newControllerContext()
	ids, err := c.children(zkmeta.BrokerIDsPath, c.onBrokerChange)
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
	names, err := c.children(zkmeta.TopicsPath, c.onTopicChange)
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
	if err := c.watchBrokerModifications(cc.liveIDs()); err != nil {
		return nil, err
	}
	if err := c.readStates(cc); err != nil {
		return nil, err
	}
	// fetchTopicDeletionsInProgress (KafkaController.scala:1019-1030) comes
	// after the context load.
	dels, err := c.children(zkmeta.DeleteTopicsPath, c.onTopicDeletion)
	if err != nil {
		return nil, fmt.Errorf("load topic deletions: %w", err)
	}
	for _, d := range dels {
		if t, ok := cc.topics[d]; ok {
			t.deleting = true
		}
	}
	return cc, nil
}

// watchBrokerModifications is registerBrokerModificationsHandler (3.9
// KafkaController.scala:613-620): an exists on each broker's registration,
// one at a time, where Kafka's BrokerModifications handler watches for a
// changed registration. kraftbench brokers never rewrite theirs, so the
// watch is not kept.
func (c *controller) watchBrokerModifications(ids []int32) error {
	for _, id := range ids {
		if _, err := c.n.z.Exists(zkmeta.BrokerPath(id)); err != nil {
			return fmt.Errorf("load brokers: %w", err)
		}
	}
	return nil
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
		nums[i], paths[i] = int32(id), zkmeta.BrokerPath(int32(id))
	}
	var out []*cluster.Broker
	for i, r := range c.n.z.GetMany(paths, c.n.cfg.MaxInFlightRequests) {
		if errors.Is(r.Err, zk.ErrNoNode) {
			continue
		}
		if r.Err != nil {
			return nil, fmt.Errorf("load brokers: %w", r.Err)
		}
		b, err := zkmeta.DecodeBroker(nums[i], r.Data, r.Stat.Czxid)
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
		paths[i] = zkmeta.TopicPath(n)
	}
	var out []*ctxTopic
	// A topic watched already (this node led before, on this session) is
	// read without a second watch.
	armed := make([]bool, len(paths))
	for i, p := range paths {
		_, armed[i] = c.armed[p]
	}
	unarmed := func(i int) bool { return !armed[i] }
	for i, r := range c.n.z.GetManyW(paths, c.n.cfg.MaxInFlightRequests, unarmed) {
		if r.Watch != nil {
			name := names[i]
			c.watchPath(paths[i], r.Watch, func(zk.Event) error { return c.onPartitionModification(name) })
		}
		if errors.Is(r.Err, zk.ErrNoNode) {
			continue
		}
		if r.Err != nil {
			return nil, fmt.Errorf("load topics: %w", r.Err)
		}
		id, parts, err := zkmeta.DecodeTopicPartitions(names[i], r.Data)
		if err != nil {
			return nil, err
		}
		t := &ctxTopic{name: names[i], id: id, parts: make([]ctxPartition, len(parts))}
		for p := range parts {
			t.parts[p] = ctxPartition{Partition: parts[p]}
		}
		out = append(out, t)
	}
	return out, nil
}

// onPartitionModification is Kafka's PartitionModifications event (3.9
// KafkaController.scala processPartitionModifications, :1711-1745): the
// topic znode changed, so it is read again (re-arming the watch, as
// Kafka's ZooKeeperClient does with the same getData), and the partitions
// it lists that the context does not know are created as a new topic's
// are (onNewPartitionCreation: the three waves of initPartitions, then
// LeaderAndIsr and UpdateMetadata); the CreatePartitions waiting for the
// topic complete once the controller's own broker serves them. A topic
// queued for deletion gets no new partitions (Kafka also writes the old
// assignment back, restorePartitionReplicaAssignment; kraftbench does not,
// so its znode keeps the added partitions until the deletion removes it).
func (c *controller) onPartitionModification(name string) error {
	if !c.active || c.cc == nil {
		return nil // resigned since the watch was armed: no context to check
	}
	t, ok := c.cc.topics[name]
	if !ok {
		return nil
	}
	if _, armed := c.armed[zkmeta.TopicPath(name)]; armed {
		return nil
	}
	b, _, ch, err := c.n.z.GetW(zkmeta.TopicPath(name))
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	c.watchPath(zkmeta.TopicPath(name), ch, func(zk.Event) error { return c.onPartitionModification(name) })
	_, assignment, err := zkmeta.DecodeTopic(name, b)
	if err != nil || len(assignment) <= len(t.parts) {
		return err
	}
	if t.deleting {
		c.log.Warn("partitions added to a topic queued for deletion are not created", "topic", name,
			"znode", len(assignment), "controller", len(t.parts))
		return nil
	}
	var parts []tp
	for p := len(t.parts); p < len(assignment); p++ {
		t.parts = append(t.parts, ctxPartition{Partition: cluster.Partition{ID: int32(p), Replicas: assignment[p], Leader: cluster.NoLeader}})
		parts = append(parts, tp{name, int32(p)})
	}
	batch := c.newBatch()
	online, err := c.initPartitions(parts, batch)
	if err != nil {
		return err
	}
	c.sendCompleting(batch, c.onlineTopics(online))
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
			paths = append(paths, zkmeta.StatePath(t.name, int32(p)))
		}
	}
	for i, r := range c.n.z.GetMany(paths, c.n.cfg.MaxInFlightRequests) {
		if errors.Is(r.Err, zk.ErrNoNode) {
			continue
		}
		if r.Err != nil {
			return fmt.Errorf("load partition states: %w", r.Err)
		}
		s, err := zkmeta.DecodeState(paths[i], r.Data)
		if err != nil {
			return err
		}
		cp := cc.partition(keys[i])
		cp.Leader, cp.LeaderEpoch, cp.ISR, cp.controllerEpoch = s.Leader, s.LeaderEpoch, s.ISR, s.ControllerEpoch
		cp.zkVersion, cp.hasState = r.Stat.Version, true
	}
	return nil
}

// onControllerFailover is what a newly elected controller does, in the
// order of Kafka's KafkaController.onControllerFailover (3.9
// KafkaController.scala:285-333): the notification and admin znodes it
// checks, the context load (initializeControllerContext), the topic
// deletions in progress, an UpdateMetadata with the live brokers to every
// live broker, the replica state machine's start-up (LeaderAndIsr to every
// online replica, which carries a second UpdateMetadata with every
// partition, then the OfflineReplica pass over the replicas on dead
// brokers), the partition state machine's start-up (New partitions created,
// Offline ones elected), and the resumed deletions.
func (c *controller) onControllerFailover() error {
	start := time.Now()
	if err := c.failoverChecks(); err != nil {
		return c.failoverFailed(err)
	}
	cc, err := c.loadContext()
	if err != nil {
		return c.failoverFailed(err)
	}
	stats := FailoverStats{Epoch: c.epoch, Brokers: len(cc.brokers), Topics: len(cc.topics),
		Partitions: cc.partitionCount(), Reload: time.Since(start), At: start}
	c.cc = cc
	c.cm = newChannelManager(c.id, c.n.cfg.InterBrokerListener, c.n.cfg.ControllerSocketTimeout, c.log)
	for _, b := range cc.liveBrokers() {
		c.cm.addBroker(b)
	}
	c.log.Info("controller context loaded", "brokers", stats.Brokers, "topics", stats.Topics,
		"partitions", stats.Partitions, "reload", stats.Reload)
	brokersOnly := c.newBatch()
	brokersOnly.addUpdateMetadata(cc.liveIDs())
	brokersOnly.send(nil)
	full := c.onlineReplicasBatch()
	pushStart := time.Now()
	rec := &failoverRecord{c: c, s: stats}
	full.send(func(aborted bool) {
		if !aborted {
			rec.pushed(time.Since(pushStart), time.Since(start))
		}
	})
	elected, err := c.failoverStateChanges()
	if err != nil {
		return err
	}
	took := time.Since(pushStart)
	rec.changed(took)
	c.log.Info("controller failover state changes done", "elected", elected, "took", took)
	// initializePartitionReassignments, before the deletions resume.
	if err := c.resumeReassignments(); err != nil {
		return err
	}
	if err := c.resumeDeletions(); err != nil {
		return err
	}
	// KafkaController.scala:327-329, after the scheduler starts.
	c.scheduleAutoLeaderRebalance(autoRebalanceDelay)
	return nil
}

// failoverRecord publishes FailoverStats once both the full push is
// acknowledged (a channel goroutine learns it) and the state changes are
// written (the loop does).
type failoverRecord struct {
	c      *controller
	mu     sync.Mutex
	s      FailoverStats
	nparts int
}

func (r *failoverRecord) pushed(push, total time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Push, r.s.Total = push, total
	r.publishLocked()
}

func (r *failoverRecord) changed(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.StateChanges = d
	r.publishLocked()
}

func (r *failoverRecord) publishLocked() {
	if r.nparts++; r.nparts == 2 {
		s := r.s
		r.c.failover.Store(&s)
	}
}

// failoverFailed resigns after a failed start: another broker will try.
func (c *controller) failoverFailed(err error) error {
	c.resign("failover failed")
	c.dropController()
	return fmt.Errorf("controller failover: %w", err)
}

// failoverChecks are the reads Kafka's onControllerFailover makes before
// the context load (KafkaController.scala:286-305): /feature
// (maybeSetupFeatureVersioning, :430-431; Kafka creates it once per
// cluster, kraftbench never does), the existence of
// /admin/preferred_replica_election and /admin/reassign_partitions, where
// it registers handlers, and the children of /log_dir_event_notification
// and /isr_change_notification, whose entries it deletes (kraftbench
// brokers write none).
func (c *controller) failoverChecks() error {
	z := c.n.z
	if _, _, err := z.Get(zkmeta.FeaturePath); err != nil && !errors.Is(err, zk.ErrNoNode) {
		return err
	}
	for _, p := range []string{zkmeta.PreferredElectionPath, zkmeta.ReassignPartitionsPath} {
		if _, err := z.Exists(p); err != nil {
			return err
		}
	}
	for _, p := range []string{zkmeta.LogDirEventsPath, zkmeta.IsrChangesPath} {
		if _, err := z.Children(p); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return err
		}
	}
	return nil
}

// onlineReplicasBatch is ReplicaStateMachine.startup's OnlineReplica step
// (ReplicaStateMachine.scala:36-41): LeaderAndIsr to every online replica of
// a partition that has a state, which brings UpdateMetadata with those
// partitions to every live broker. That UpdateMetadata is sent marked FULL
// (KIP-866's Type field) so a broker drops topics it missed the deletion
// of; Kafka 3.9 merges it into the cache.
func (c *controller) onlineReplicasBatch() *requestBatch {
	full := c.newBatch()
	full.umAll, full.laiFull = true, true
	full.addUpdateMetadata(c.cc.liveIDs())
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		for i := range t.parts {
			if p := &t.parts[i]; p.hasState && !t.deleting {
				full.addLeaderAndIsr(c.cc.liveReplicas(p), tp{name, p.ID}, false)
			}
		}
	}
	return full
}

// failoverStateChanges runs the rest of the two state machines' start-up:
// the OfflineReplica pass over the replicas on brokers that are not live,
// then triggerOnlinePartitionStateChange, then the ISR expansion kraftbench
// models (isr.go). Each step sends its own batch, as Kafka's
// handleStateChanges calls do. It returns how many elections succeeded.
func (c *controller) failoverStateChanges() (int, error) {
	offline := c.newBatch()
	if err := c.offlineReplicas(c.replicasOn(c.deadReplicaBrokers(), false), offline); err != nil {
		return 0, err
	}
	offline.send(nil)
	b := c.newBatch()
	online, elected, err := c.triggerOnlinePartitionStateChange(b)
	if err != nil {
		return 0, err
	}
	c.sendCompleting(b, c.onlineTopics(online))
	isr := c.newBatch()
	if err := c.expandISRs(isr); err != nil {
		return elected, err
	}
	isr.send(nil)
	return elected, nil
}

// deadReplicaBrokers lists the brokers assigned a replica that are not live
// (Kafka's onlineAndOfflineReplicas, offline side).
func (c *controller) deadReplicaBrokers() []int32 {
	seen := map[int32]bool{}
	var out []int32
	for _, t := range c.cc.topics {
		for i := range t.parts {
			for _, r := range t.parts[i].Replicas {
				if !seen[r] && !c.cc.isLive(r) {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// dropController deletes /controller if this node holds it, so that the
// brokers elect again (Kafka's triggerControllerMove).
func (c *controller) dropController() {
	b, st, err := c.n.z.Get(zkmeta.ControllerPath)
	if err != nil {
		return
	}
	if id, err := zkmeta.DecodeController(b); err == nil && id == c.id {
		_ = c.n.z.Delete(zkmeta.ControllerPath, st.Version)
	}
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
