package zkmode

import (
	"context"
	"fmt"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The sequence tests record the ZooKeeper requests a controller's session
// sends (zkRecorder, observing the session's client) and compare them with
// the sequences Kafka 3.9's code issues, derived by hand from its source
// and written out in each test with file:line citations. A sequence is a
// set of chains that run concurrently (the admin path on the request
// thread, the controller's event thread); a chain is a list of waves: a
// wave is the Seq of requests one ZooKeeperClient.handleRequests call sends
// (3.9 ZooKeeperClient.scala:144-168), pipelined, in any order among
// themselves, and the next wave starts only once every answer of the
// previous one came (handleRequests waits on its CountDownLatch). The check
// fails on a missing or extra request, on a request outside its wave, on a
// wave that starts before the previous one ended, and on more than
// zookeeper.max.in.flight.requests (10) requests outstanding.

// chain is one thread's waves; its first wave starts after every request of
// wave afterWave of chain afterChain was sent (-1: no such constraint): the
// write whose watch starts it.
type chain struct {
	name       string
	waves      [][]string
	afterChain int
	afterWave  int
}

// key names a recorded request as the expectations do: "getData /path",
// "multi check:/controller_epoch create:/path".
func (q recordedRequest) key() string {
	if q.Kind != "multi" {
		return q.Kind + " " + q.Path
	}
	parts := []string{"multi"}
	for _, o := range q.Ops {
		parts = append(parts, o.Kind+":"+o.Path)
	}
	return strings.Join(parts, " ")
}

// cw is an epoch-checked controller write: Kafka's
// wrapRequestWithControllerEpochCheck (KafkaZkClient.scala:2324-2335).
func cw(kind, path string) string {
	return "multi check:" + zkmeta.ControllerEpochPath + " " + kind + ":" + path
}

// assign places each recorded request, in the order they were sent, in the
// earliest chain whose current wave expects it and whose ordering it
// respects; it returns, per chain and wave, the requests placed there.
func assign(reqs []recordedRequest, chains []chain) ([][][]recordedRequest, []recordedRequest) {
	placed := make([][][]recordedRequest, len(chains))
	left := make([][]map[string]int, len(chains))
	for i, ch := range chains {
		placed[i] = make([][]recordedRequest, len(ch.waves))
		left[i] = make([]map[string]int, len(ch.waves))
		for w, wave := range ch.waves {
			left[i][w] = map[string]int{}
			for _, k := range wave {
				left[i][w][k]++
			}
		}
	}
	cur := make([]int, len(chains))
	var extra []recordedRequest
	for _, q := range reqs {
		k := q.key()
		done := false
		for i := range chains {
			w := cur[i]
			for w < len(left[i]) && len(left[i][w]) == 0 {
				w++
			}
			if w >= len(left[i]) || left[i][w][k] == 0 {
				continue
			}
			placed[i][w] = append(placed[i][w], q)
			if left[i][w][k]--; left[i][w][k] == 0 {
				delete(left[i][w], k)
			}
			cur[i], done = w, true
			break
		}
		if !done {
			extra = append(extra, q)
		}
	}
	return placed, extra
}

// checkSequence compares what was recorded with the chains.
func checkSequence(t *testing.T, reqs []recordedRequest, chains []chain) {
	t.Helper()
	slices.SortStableFunc(reqs, func(a, b recordedRequest) int { return a.Start.Compare(b.Start) })
	placed, extra := assign(reqs, chains)
	var errs []string
	for _, q := range extra {
		errs = append(errs, "unexpected request: "+q.key())
	}
	waveEnd := func(i, w int) time.Time {
		var end time.Time
		for _, q := range placed[i][w] {
			if q.End.After(end) {
				end = q.End
			}
		}
		return end
	}
	waveStart := func(i, w int) time.Time {
		var start time.Time
		for _, q := range placed[i][w] {
			if q.Start.After(start) {
				start = q.Start
			}
		}
		return start
	}
	for i, ch := range chains {
		for w, wave := range ch.waves {
			got := make([]string, len(placed[i][w]))
			for j, q := range placed[i][w] {
				got[j] = q.key()
			}
			want := slices.Clone(wave)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				errs = append(errs, fmt.Sprintf("%s wave %d: got %q, want %q", ch.name, w, got, want))
			}
			var after time.Time
			switch {
			case w > 0:
				after = waveEnd(i, w-1)
			case ch.afterChain >= 0:
				// A watch can fire before the write's own answer reaches
				// the writer: the chain starts after that write was sent.
				after = waveStart(ch.afterChain, ch.afterWave)
			}
			for _, q := range placed[i][w] {
				if q.Start.Before(after) {
					errs = append(errs, fmt.Sprintf("%s wave %d: %s sent before the previous wave ended", ch.name, w, q.key()))
				}
			}
		}
	}
	for _, q := range reqs {
		if q.InFlight > DefaultMaxInFlightRequests {
			errs = append(errs, fmt.Sprintf("%s sent with %d requests in flight (zookeeper.max.in.flight.requests = %d)",
				q.key(), q.InFlight, DefaultMaxInFlightRequests))
		}
	}
	if len(errs) > 0 {
		var b strings.Builder
		for _, q := range reqs {
			fmt.Fprintf(&b, "  %s +%v (in flight %d)\n", q.key(), q.Start.Sub(reqs[0].Start).Round(time.Microsecond), q.InFlight)
		}
		t.Fatalf("ZooKeeper requests differ from Kafka 3.9's:\n%s\nrecorded:\n%s", strings.Join(errs, "\n"), b.String())
	}
}

// recordedRequest is one request of a controller's session, as its
// ZooKeeper client reports it (zkmeta.Client.Observe).
type recordedRequest zkmeta.Request

// zkRecorder collects the requests of one session while attached.
type zkRecorder struct {
	mu   sync.Mutex
	reqs []recordedRequest
}

func (r *zkRecorder) add(q zkmeta.Request) {
	r.mu.Lock()
	r.reqs = append(r.reqs, recordedRequest(q))
	r.mu.Unlock()
}

// requests returns what was recorded, in the order the answers came.
func (r *zkRecorder) requests() []recordedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recordedRequest(nil), r.reqs...)
}

// record attaches a recorder to n's session until the returned stop.
func record(n *Node) (stop func() []recordedRequest) {
	r := &zkRecorder{}
	n.z.Observe(r.add)
	return func() []recordedRequest {
		n.z.Observe(nil)
		return r.requests()
	}
}

// TestCreateSequenceIsKafkas creates a 2-partition topic (RF 3) at the
// controller of 3 brokers.
func TestCreateSequenceIsKafkas(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	stop := record(ctrl)
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "seq", NumPartitions: 2, ReplicationFactor: 3})
	reqs := stop()
	admin := chain{name: "admin", afterChain: -1, waves: [][]string{
		// ZkAdminManager.createTopics -> AdminZkClient.validateTopicCreate
		// (ZkAdminManager.scala:204; AdminZkClient.scala:133-137):
		{"exists " + zkmeta.DeleteTopicPath("seq")}, // isTopicMarkedForDeletion
		{"exists " + zkmeta.TopicPath("seq")},       // topicExists
		// createTopicWithAssignment -> setOrCreateEntityConfigs
		// (AdminZkClient.scala:114; KafkaZkClient.scala:484-540):
		{"getData " + zkmeta.ControllerPath},                                                   // getControllerRegistration
		{"multi check:" + zkmeta.ControllerPath + " setData:" + zkmeta.TopicConfigPath("seq")}, // set(), NONODE
		{"create " + zkmeta.TopicConfigPath("seq")},                                            // createOrSet -> createRecursive
		// writeTopicPartitionAssignment -> createTopicAssignment
		// (AdminZkClient.scala:172; KafkaZkClient.scala:710-713):
		{"create " + zkmeta.TopicPath("seq")},
		// populateIds -> getTopicIdsForTopics (ZkAdminManager.scala:148-152,
		// KafkaZkClient.scala:777-779):
		{"getData " + zkmeta.TopicPath("seq")},
	}}
	ctrlChain := chain{name: "controller", afterChain: 0, afterWave: 5, waves: [][]string{
		// TopicChange (KafkaController.scala:1683-1691):
		{"getChildren " + zkmeta.TopicsPath},   // getAllTopicsInCluster(true)
		{"getData " + zkmeta.TopicPath("seq")}, // getReplicaAssignmentAndTopicIdForTopics
		// onNewPartitionCreation -> initializeLeaderAndIsrForPartitions ->
		// createTopicPartitionStatesRaw (PartitionStateMachine.scala:277;
		// KafkaZkClient.scala:314-323, 1937-1951): three waves.
		{cw("create", zkmeta.PartitionsPath("seq"))},
		{cw("create", zkmeta.PartitionPath("seq", 0)), cw("create", zkmeta.PartitionPath("seq", 1))},
		{cw("create", zkmeta.StatePath("seq", 0)), cw("create", zkmeta.StatePath("seq", 1))},
	}}
	checkSequence(t, reqs, []chain{admin, ctrlChain})
}

// states lists the state paths of topic's partitions 0..n-1.
func states(topic string, n int, f func(path string) string) []string {
	out := make([]string, n)
	for p := range out {
		out[p] = f(zkmeta.StatePath(topic, int32(p)))
	}
	return out
}

func getData(path string) string  { return "getData " + path }
func setState(path string) string { return cw("setData", path) }

// TestDeleteSequenceIsKafkas deletes a 2-partition topic (RF 3) at the
// controller of 3 brokers, recording until the deletion completed.
func TestDeleteSequenceIsKafkas(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "del", NumPartitions: 2, ReplicationFactor: 3})
	c.waitConverged(10 * time.Second)
	z := c.zk()
	stop := record(ctrl)
	res, err := ctrl.DeleteTopics(context.Background(), []string{"del"})
	if err != nil || res[0].Code != 0 {
		t.Fatalf("DeleteTopics: %+v %v", res, err)
	}
	waitFor(t, 10*time.Second, "the deletion to complete", func() bool {
		ok, err := z.Exists(zkmeta.DeleteTopicPath("del"))
		return err == nil && !ok
	})
	// The deletions fire the controller's child watches; let their reads end.
	time.Sleep(300 * time.Millisecond)
	reqs := stop()
	admin := chain{name: "admin", afterChain: -1, waves: [][]string{
		// ZkAdminManager.deleteTopics -> AdminZkClient.deleteTopic
		// (ZkAdminManager.scala:272; AdminZkClient.scala:193-205):
		{"exists " + zkmeta.TopicPath("del")},
		{"create " + zkmeta.DeleteTopicPath("del")}, // createDeleteTopicPath
	}}
	// TopicDeletion (KafkaController.scala:1787-1809), then
	// TopicDeletionManager.onTopicDeletion -> onPartitionDeletion
	// (TopicDeletionManager.scala:256-315): OfflineReplica for the live
	// replicas, grouped by replica (ReplicaStateMachine.scala:104-106, here
	// in id order): each re-reads its partitions' states
	// (doRemoveReplicasFromIsr :350) and writes those whose ISR holds it
	// (updateLeaderAndIsr): every one, as an ISR of one is written unchanged.
	waves := [][]string{{"getChildren " + zkmeta.DeleteTopicsPath}}
	for range 3 {
		waves = append(waves, states("del", 2, getData), states("del", 2, setState))
	}
	// After the StopReplica answers, completeDeleteTopic ->
	// ControllerDeletionClient.deleteTopic (TopicDeletionManager.scala:35-39,
	// 238-247): deleteRecursive of the topic znode, one request at a time
	// (KafkaZkClient.scala:1876-1888), then the config and the marker.
	for _, step := range []string{
		"getChildren " + zkmeta.TopicPath("del"),
		"getChildren " + zkmeta.PartitionsPath("del"),
		"getChildren " + zkmeta.PartitionPath("del", 0),
		"getChildren " + zkmeta.StatePath("del", 0),
		cw("delete", zkmeta.StatePath("del", 0)),
		cw("delete", zkmeta.PartitionPath("del", 0)),
		"getChildren " + zkmeta.PartitionPath("del", 1),
		"getChildren " + zkmeta.StatePath("del", 1),
		cw("delete", zkmeta.StatePath("del", 1)),
		cw("delete", zkmeta.PartitionPath("del", 1)),
		cw("delete", zkmeta.PartitionsPath("del")),
		cw("delete", zkmeta.TopicPath("del")),
		cw("delete", zkmeta.TopicConfigPath("del")), // deleteTopicConfigs
		cw("delete", zkmeta.DeleteTopicPath("del")), // deleteTopicDeletions
	} {
		waves = append(waves, []string{step})
	}
	// The deletions fire the TopicChange and TopicDeletion handlers, whose
	// events read the children again (KafkaController.scala:1685, 1789).
	waves = append(waves, []string{"getChildren " + zkmeta.TopicsPath, "getChildren " + zkmeta.DeleteTopicsPath})
	checkSequence(t, reqs, []chain{admin, {name: "controller", afterChain: 0, afterWave: 1, waves: waves}})
}

// TestFailoverSequenceIsKafkas kills the controller of 3 brokers holding a
// 2-partition topic (RF 3) and records the winner's session from the kill to
// the end of its failover.
func TestFailoverSequenceIsKafkas(t *testing.T) {
	c := newTestCluster(t, 3)
	old := c.ready()
	mustCreate(t, old, cluster.TopicSpec{Name: "fo", NumPartitions: 2, ReplicationFactor: 3})
	c.waitConverged(10 * time.Second)
	dead := old.cfg.NodeID
	led := 0 // partitions the dead broker leads
	for _, p := range old.Image().Topics["fo"].Partitions {
		if p.Leader == dead {
			led++
		}
	}
	stops := map[int32]func() []recordedRequest{}
	for _, id := range c.ids() {
		if id != dead {
			stops[id] = record(c.node(id))
		}
	}
	c.kill(dead)
	winner := c.waitActive(20 * time.Second)
	waitFor(t, 20*time.Second, "the new controller's failover", func() bool {
		s, ok := winner.LastFailover()
		return ok && s.Epoch == 2 && s.StateChanges > 0
	})
	time.Sleep(200 * time.Millisecond)
	var reqs []recordedRequest
	for id, stop := range stops {
		if r := stop(); id == winner.cfg.NodeID {
			reqs = r
		}
	}
	var live []string
	for _, id := range c.ids() {
		live = append(live, zkmeta.BrokerPath(id))
	}
	each := func(kind string, paths []string) []string {
		out := make([]string, len(paths))
		for i, p := range paths {
			out[i] = kind + " " + p
		}
		return out
	}
	waves := [][]string{
		// The session of the dead controller expires: /controller goes, its
		// watch fires, Reelect (KafkaController.scala:2579-2582):
		// maybeResign (:1538-1541), then elect (:1547-1561) ->
		// registerControllerAndIncrementControllerEpoch
		// (KafkaZkClient.scala:123-190).
		{"exists " + zkmeta.ControllerPath},
		{getData(zkmeta.ControllerPath)},
		{getData(zkmeta.ControllerPath)},
		{getData(zkmeta.ControllerEpochPath)},
		{"multi create:" + zkmeta.ControllerPath + " setData:" + zkmeta.ControllerEpochPath},
		// onControllerFailover (KafkaController.scala:285-305).
		{getData(zkmeta.FeaturePath)},
		{"exists " + zkmeta.PreferredElectionPath},
		{"exists " + zkmeta.ReassignPartitionsPath},
		{"getChildren " + zkmeta.LogDirEventsPath},
		{"getChildren " + zkmeta.IsrChangesPath},
		// initializeControllerContext (:951-983).
		{"getChildren " + zkmeta.BrokerIDsPath}, // getAllBrokerAndEpochsInCluster
		each("getData", live),
		{"getChildren " + zkmeta.TopicsPath}, // getAllTopicsInCluster(true)
		{getData(zkmeta.TopicPath("fo"))},    // getReplicaAssignmentAndTopicIdForTopics
	}
	for _, p := range live { // registerBrokerModificationsHandler, one by one
		waves = append(waves, []string{"exists " + p})
	}
	waves = append(waves,
		states("fo", 2, getData),                           // updateLeaderAndIsrCache
		[]string{"getChildren " + zkmeta.DeleteTopicsPath}, // fetchTopicDeletionsInProgress
		// replicaStateMachine.startup: OfflineReplica for the dead broker's
		// replicas (ReplicaStateMachine.scala:36-44, 212-248): re-read, then
		// take it out of every ISR (all hold it).
		states("fo", 2, getData),
		states("fo", 2, setState),
	)
	if led > 0 {
		// partitionStateMachine.startup -> triggerOnlinePartitionStateChange:
		// the partitions it led have no leader now; re-read and elect
		// (PartitionStateMachine.scala:371, 437).
		var reads, writes []string
		for _, p := range old.Image().Topics["fo"].Partitions {
			if p.Leader == dead {
				reads = append(reads, getData(zkmeta.StatePath("fo", p.ID)))
				writes = append(writes, setState(zkmeta.StatePath("fo", p.ID)))
			}
		}
		waves = append(waves, reads, writes)
	}
	// The winner's own /controller fires the watch maybeResign left:
	// ControllerChange -> maybeResign (:2575-2577).
	waves = append(waves, []string{"exists " + zkmeta.ControllerPath}, []string{getData(zkmeta.ControllerPath)})
	checkSequence(t, reqs, []chain{{name: "new controller", afterChain: -1, waves: waves}})
}

// TestControlledShutdownSequenceIsKafkas stops a broker that is not the
// controller, of 3 holding a 3-partition topic (RF 3), and records the
// controller's session until it handled the broker's departure.
func TestControlledShutdownSequenceIsKafkas(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "cs", NumPartitions: 3, ReplicationFactor: 3})
	c.waitConverged(10 * time.Second)
	var gone int32 = -1
	for _, id := range c.ids() {
		if id != ctrl.cfg.NodeID {
			gone = id
			break
		}
	}
	var ledReads, ledWrites, followReads, followWrites []string
	for _, p := range ctrl.Image().Topics["cs"].Partitions {
		path := zkmeta.StatePath("cs", p.ID)
		if p.Leader == gone {
			ledReads, ledWrites = append(ledReads, getData(path)), append(ledWrites, setState(path))
		} else {
			followReads, followWrites = append(followReads, getData(path)), append(followWrites, setState(path))
		}
	}
	stop := record(ctrl)
	c.stop(gone)
	waitFor(t, 10*time.Second, "the controller to see the broker leave", func() bool {
		_, ok := ctrl.Image().Brokers[gone]
		return !ok
	})
	time.Sleep(200 * time.Millisecond)
	reqs := stop()
	var waves [][]string
	// doControlledShutdown (KafkaController.scala:1360-1409): the partitions
	// it leads are elected with ControlledShutdownPartitionLeaderElection
	// (re-read, write: PartitionStateMachine.scala:371, 437), then the ones
	// it follows go OfflineReplica (re-read, ISR write:
	// ReplicaStateMachine.scala:350, 364).
	if len(ledReads) > 0 {
		waves = append(waves, ledReads, ledWrites)
	}
	waves = append(waves, followReads, followWrites)
	// The broker closes its session: BrokerChange -> processBrokerChange
	// (KafkaController.scala:1591-1600, getAllBrokerAndEpochsInCluster,
	// KafkaZkClient.scala:590-605), onBrokerFailure -> OfflineReplica of its
	// replicas: a re-read of every state, no write (no ISR holds it).
	var rest []string
	for _, id := range c.ids() {
		rest = append(rest, getData(zkmeta.BrokerPath(id)))
	}
	waves = append(waves, []string{"getChildren " + zkmeta.BrokerIDsPath}, rest,
		[]string{getData(zkmeta.StatePath("cs", 0)), getData(zkmeta.StatePath("cs", 1)), getData(zkmeta.StatePath("cs", 2))})
	checkSequence(t, reqs, []chain{{name: "controller", afterChain: -1, waves: waves}})
}
