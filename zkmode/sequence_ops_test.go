package zkmode

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// TestConfigChangeSequenceIsKafkas changes a topic config at a broker that
// is not the controller and records that broker's session: the admin path
// and, started by the notification, the broker's own config listener.
func TestConfigChangeSequenceIsKafkas(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "cfg", NumPartitions: 1, ReplicationFactor: 3})
	c.waitConverged(10 * time.Second)
	var b *Node
	for _, id := range c.ids() {
		if n := c.node(id); n != ctrl {
			b = n
			break
		}
	}
	stop := record(b)
	v := "60000"
	rs, err := b.AlterTopicConfigs(context.Background(), []cluster.TopicConfigAlter{{Topic: "cfg",
		Changes: []cluster.ConfigChange{{Name: "retention.ms", Op: cluster.ConfigSet, Value: &v}}}}, false)
	if err != nil || rs[0].Code != 0 {
		t.Fatalf("AlterTopicConfigs: %+v %v", rs, err)
	}
	for _, id := range c.ids() {
		n := c.node(id)
		waitFor(t, 10*time.Second, "every broker to apply the change", func() bool {
			cfg, _, _ := n.AppliedTopicConfigs("cfg")
			return maps.Equal(cfg, map[string]string{"retention.ms": v})
		})
	}
	time.Sleep(200 * time.Millisecond) // the purge pass follows the apply
	reqs := stop()
	kids, err := c.zk().Children(zkmeta.ConfigChangesPath)
	if err != nil || len(kids) != 1 {
		t.Fatalf("notifications %v, %v; want exactly one", kids, err)
	}
	note := zkmeta.ConfigChangesPath + "/" + kids[0]
	admin := chain{name: "admin", afterChain: -1, waves: [][]string{
		// ZkAdminManager.incrementalAlterConfigs (ZkAdminManager.scala:503-515):
		{getData(zkmeta.TopicConfigPath("cfg"))}, // fetchEntityConfig
		// alterTopicConfigs -> validateTopicConfig (AdminZkClient.scala:478-486):
		{"exists " + zkmeta.TopicPath("cfg")},
		// changeTopicConfig -> validateTopicConfig again, then
		// changeEntityConfig (AdminZkClient.scala:496-552):
		{"exists " + zkmeta.TopicPath("cfg")},
		{getData(zkmeta.ControllerPath)},                                                       // setOrCreateEntityConfigs
		{"multi check:" + zkmeta.ControllerPath + " setData:" + zkmeta.TopicConfigPath("cfg")}, // set() finds it
		// createConfigChangeNotification (KafkaZkClient.scala:559-565):
		{"create " + zkmeta.ConfigChangesPath}, // makeSurePersistentPathExists
		{"create " + zkmeta.ConfigChangeSeqPath()},
	}}
	listener := chain{name: "config listener", afterChain: 0, afterWave: 6, waves: [][]string{
		// ZkNodeChangeNotificationListener.processNotifications (:80-99):
		{"getChildren " + zkmeta.ConfigChangesPath},
		{getData(note)},                          // processNotification
		{getData(zkmeta.TopicConfigPath("cfg"))}, // TopicConfigHandler via fetchEntityConfig
		{getData(note)},                          // purgeObsoleteNotifications
	}}
	checkSequence(t, reqs, []chain{admin, listener})
}

// TestCreatePartitionsSequenceIsKafkas grows a 1-partition topic (RF 3) to
// 2 at the controller of 3 brokers.
func TestCreatePartitionsSequenceIsKafkas(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "grow", NumPartitions: 1, ReplicationFactor: 3})
	c.waitConverged(10 * time.Second)
	stop := record(ctrl)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rs, err := ctrl.CreatePartitions(ctx, []cluster.PartitionsSpec{{Topic: "grow", Count: 2}}, false)
	if err != nil || rs[0].Code != 0 {
		t.Fatalf("CreatePartitions: %+v %v", rs, err)
	}
	reqs := stop()
	var brokers []string
	for _, id := range c.ids() {
		brokers = append(brokers, getData(zkmeta.BrokerPath(id)))
	}
	admin := chain{name: "admin", afterChain: -1, waves: [][]string{
		// ZkAdminManager.createPartitions -> getBrokerMetadatas
		// (ZkAdminManager.scala:312-313; KafkaZkClient getAllBrokersInCluster):
		{"getChildren " + zkmeta.BrokerIDsPath},
		brokers,
		{getData(zkmeta.TopicPath("grow"))}, // getFullReplicaAssignmentForTopics
		// createPartitionsWithAssignment -> writeTopicPartitionAssignment
		// with isUpdate (AdminZkClient.scala:296-308): setData, any version.
		{"setData " + zkmeta.TopicPath("grow")},
	}}
	ctrlChain := chain{name: "controller", afterChain: 0, afterWave: 3, waves: [][]string{
		// PartitionModifications (KafkaController.scala:1711-1745):
		{getData(zkmeta.TopicPath("grow"))},
		// onNewPartitionCreation -> createTopicPartitionStatesRaw: the three
		// waves, /partitions failing NODEEXISTS.
		{cw("create", zkmeta.PartitionsPath("grow"))},
		{cw("create", zkmeta.PartitionPath("grow", 1))},
		{cw("create", zkmeta.StatePath("grow", 1))},
	}}
	checkSequence(t, reqs, []chain{admin, ctrlChain})
}

// TestReassignSequenceIsKafkas moves a 1-partition topic from brokers 1,2
// (leader 1) to 2,3 at the controller of 3 brokers, recording until the
// move is done: the ApiPartitionReassignment event, the catch-up that
// stands in for the leader's AlterPartition, and the completion.
func TestReassignSequenceIsKafkas(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "mv", NumPartitions: -1, ReplicationFactor: -1,
		Assignment: map[int32][]int32{0: {1, 2}}})
	c.waitConverged(10 * time.Second)
	stop := record(ctrl)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rs, err := ctrl.AlterPartitionReassignments(ctx, []cluster.ReassignSpec{{Topic: "mv", Partition: 0, Replicas: []int32{2, 3}}})
	if err != nil || len(rs) != 1 || rs[0].Code != 0 {
		t.Fatalf("AlterPartitionReassignments: %+v %v", rs, err)
	}
	waitFor(t, 10*time.Second, "the move to complete", func() bool {
		p := ctrl.Image().Topics["mv"].Partitions[0]
		return !p.IsReassigning() && slices.Equal(p.Replicas, []int32{2, 3})
	})
	time.Sleep(300 * time.Millisecond) // the topic znode's watch reads follow
	reqs := stop()
	st := zkmeta.StatePath("mv", 0)
	ctrlChain := chain{name: "controller", afterChain: -1, waves: [][]string{
		// processApiPartitionReassignment -> maybeRemoveFromZkReassignment
		// (KafkaController.scala:1854-1883, 1098-1100): reassignPartitionsInProgress.
		{"exists " + zkmeta.ReassignPartitionsPath},
		// onPartitionReassignment (:779-826): U1 updateReplicaAssignmentForPartition
		// (:1011-1026, setTopicAssignmentRaw: the whole topic znode).
		{cw("setData", zkmeta.TopicPath("mv"))},
		{getData(st)}, // isReassignmentComplete (:1086-1096)
		// A1 updateLeaderEpochAndSendRequest -> updateLeaderEpoch (:1190-1227):
		// a re-read and the epoch-checked write.
		{getData(st)},
		{setState(st)},
		// A2 NewReplica: requests only. Then the leader's AlterPartition
		// (tryProcessAlterPartition, :2318-2486): the ISR write, then
		// updateLeaderAndIsrCache's read (:1148-1153).
		{setState(st)},
		{getData(st)},
		// processAlterPartition -> maybeCompleteReassignment (:1070-1078)
		// -> isReassignmentComplete, then onPartitionReassignment's own.
		{getData(st)},
		{getData(st)},
		// B3 moveReassignedPartitionLeaderIfRequired (:1028-1050): leader 1
		// is not in the target, so an election
		// (ReassignPartitionLeaderElectionStrategy through
		// ZkPartitionStateMachine.doElectLeaderForPartitions: a read, a write).
		{getData(st)},
		{setState(st)},
		// B4 OfflineReplica for 1 (ZkReplicaStateMachine.doRemoveReplicasFromIsr:
		// a read, the ISR write); B5 requests only.
		{getData(st)},
		{setState(st)},
		// B6 updateReplicaAssignmentForPartition; B7
		// removePartitionFromReassigningPartitions -> maybeRemoveFromZkReassignment.
		{cw("setData", zkmeta.TopicPath("mv"))},
		{"exists " + zkmeta.ReassignPartitionsPath},
	}}
	// Each topic znode write fires the PartitionModifications handler
	// (:1711-1745): getFullReplicaAssignmentForTopics reads it again.
	u1 := chain{name: "modifications after U1", afterChain: 0, afterWave: 1, waves: [][]string{{getData(zkmeta.TopicPath("mv"))}}}
	b6 := chain{name: "modifications after B6", afterChain: 0, afterWave: 13, waves: [][]string{{getData(zkmeta.TopicPath("mv"))}}}
	checkSequence(t, reqs, []chain{ctrlChain, u1, b6})
}
