package zkmode

import (
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

func TestConfigValidateNamesKafkaProperties(t *testing.T) {
	err := (&Config{NodeID: -1, Defaults: cluster.Defaults{}}).Validate()
	if err == nil {
		t.Fatal("empty config validated")
	}
	for _, prop := range []string{"broker.id", "zookeeper.connect", "advertised.listeners", "num.partitions",
		"default.replication.factor", "Rand"} {
		if !strings.Contains(err.Error(), prop) {
			t.Errorf("error does not name %s: %v", prop, err)
		}
	}
	ok := Config{NodeID: 1, ZKConnect: "127.0.0.1:2181/kafka", Endpoint: cluster.Endpoint{Host: "h", Port: 9092},
		Defaults: cluster.KafkaDefaults(), Rand: rand.New(rand.NewPCG(1, 1))}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if d := ok.withDefaults(); d.SessionTimeout != DefaultSessionTimeout || d.ConnectionTimeout != DefaultSessionTimeout {
		t.Errorf("defaults: session %v connection %v, want Kafka's 18 s", d.SessionTimeout, d.ConnectionTimeout)
	}
}

// wireUpdateMetadata encodes and decodes req as a broker would receive it.
func wireUpdateMetadata(t *testing.T, req *kmsg.UpdateMetadataRequest) *kmsg.UpdateMetadataRequest {
	t.Helper()
	got := kmsg.NewPtrUpdateMetadataRequest()
	got.SetVersion(req.Version)
	if err := got.ReadFrom(req.AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	return got
}

func umFor(topic string, id cluster.TopicID, leaders ...int32) kmsg.UpdateMetadataRequestTopicState {
	ts := kmsg.NewUpdateMetadataRequestTopicState()
	ts.Topic, ts.TopicID = topic, id
	for p, l := range leaders {
		ps := kmsg.NewUpdateMetadataRequestTopicPartition()
		ps.Partition, ps.Leader, ps.Replicas, ps.ISR = int32(p), l, []int32{1, 2}, []int32{1, 2}
		ts.PartitionStates = append(ts.PartitionStates, ps)
	}
	return ts
}

func TestApplyUpdateMetadata(t *testing.T) {
	req := kmsg.NewPtrUpdateMetadataRequest()
	req.SetVersion(zkmeta.UpdateMetadataVersion)
	req.ControllerID = 2
	req.LiveBrokers = zkmeta.LiveBrokers([]*cluster.Broker{{ID: 1, Endpoints: []cluster.Endpoint{{Listener: "PLAINTEXT", Host: "h", Port: 1}}}})
	req.TopicStates = []kmsg.UpdateMetadataRequestTopicState{umFor("a", cluster.TopicID{1}, 1, 2), umFor("b", cluster.TopicID{2}, 1)}
	zkmeta.SetUpdateMetadataType(req, zkmeta.UpdateMetadataIncrement)
	img := applyUpdateMetadata(cluster.NewImage("c"), wireUpdateMetadata(t, req))
	if img.Offset != 1 || img.ControllerID != 2 || len(img.Topics) != 2 || img.Topics["a"].Partitions[1].Leader != 2 {
		t.Fatalf("incremental: %+v", img)
	}
	// An incremental push of one partition keeps the rest; leader -2 drops a topic.
	req.TopicStates = []kmsg.UpdateMetadataRequestTopicState{umFor("a", cluster.TopicID{1}, 2), umFor("b", cluster.TopicID{2}, zkmeta.LeaderDuringDelete)}
	img = applyUpdateMetadata(img, wireUpdateMetadata(t, req))
	if a := img.Topics["a"]; len(a.Partitions) != 2 || a.Partitions[0].Leader != 2 || a.Partitions[1].Leader != 2 {
		t.Fatalf("merge: %+v", a)
	}
	if _, ok := img.Topics["b"]; ok {
		t.Fatal("topic b survived leader -2")
	}
	// A FULL push (the v8 Type tag, read back from the wire) replaces the topics.
	req.TopicStates = []kmsg.UpdateMetadataRequestTopicState{umFor("c", cluster.TopicID{3}, 1)}
	zkmeta.SetUpdateMetadataType(req, zkmeta.UpdateMetadataFull)
	img = applyUpdateMetadata(img, wireUpdateMetadata(t, req))
	if _, ok := img.Topics["a"]; ok || len(img.Topics) != 1 || img.Offset != 3 {
		t.Fatalf("full push kept stale topics: %v", img.TopicNames())
	}
}

// TestElectionAndISRRemovalRules pins the per-partition rules of Kafka's
// offline election (Election.scala leaderForOffline) and OfflineReplica ISR
// removal (ReplicaStateMachine.doRemoveReplicasFromIsr) after broker 1 dies.
func TestElectionAndISRRemovalRules(t *testing.T) {
	cc := newControllerContext()
	for _, id := range []int32{2, 3} {
		cc.brokers[id] = &cluster.Broker{ID: id}
	}
	part := func(leader int32, isr ...int32) *ctxPartition {
		return &ctxPartition{Partition: cluster.Partition{Replicas: []int32{1, 2, 3}, Leader: leader, ISR: isr}, hasState: true}
	}
	c := &controller{cc: cc}
	// Leader lost: the first live ISR replica in assignment order leads and
	// the ISR keeps its live members.
	if l, isr, ok := c.offlineElection(part(1, 1, 3, 2)); !ok || l != 2 || !slices.Equal(isr, []int32{3, 2}) {
		t.Errorf("offline election = %d %v %v, want 2 [3 2] true", l, isr, ok)
	}
	// No live ISR member: the election fails (unclean election is off).
	if _, _, ok := c.offlineElection(part(1, 1)); ok {
		t.Error("offline election with no live ISR member succeeded")
	}
	// A shutting-down broker cannot lead and leaves the ISR.
	cc.shuttingDown[2] = true
	if l, isr, ok := c.offlineElection(part(1, 1, 2, 3)); !ok || l != 3 || !slices.Equal(isr, []int32{3}) {
		t.Errorf("offline election with 2 shutting down = %d %v %v, want 3 [3] true", l, isr, ok)
	}
	delete(cc.shuttingDown, 2)
	cases := []struct {
		p      *ctxPartition
		ok     bool
		leader int32
		isr    []int32
	}{
		{part(2, 1, 2, 3), true, 2, []int32{2, 3}},          // follower leaves the ISR
		{part(1, 1, 2), true, cluster.NoLeader, []int32{2}}, // the leader leaves: NoLeader
		{part(1, 1), true, cluster.NoLeader, []int32{1}},    // an ISR of one is kept
		{part(2, 2, 3), false, 0, nil},                      // not in the ISR: no write
	}
	for i, tc := range cases {
		ch, ok := removeFromISR(tc.p, 1)
		if ok != tc.ok || (ok && (ch.leader != tc.leader || !slices.Equal(ch.isr, tc.isr))) {
			t.Errorf("case %d: removeFromISR = %+v %v, want leader %d isr %v %v", i, ch, ok, tc.leader, tc.isr, tc.ok)
		}
	}
}

// A controlled shutdown whose cached controller is not among the cache's
// live brokers is a failed attempt, retried after the backoff, as Kafka's
// ("Broker registration for controller ... is not available in the metadata
// cache"); a KRaft controller pushing the metadata skips it at once (Kafka
// hands it to the broker lifecycle manager). Kafka sleeps before each retry,
// none after the last attempt.
func TestControlledShutdownAttempts(t *testing.T) {
	const backoff = 40 * time.Millisecond
	node := func(kraft bool) *Node {
		log := slog.New(slog.DiscardHandler)
		b := newBroker(1, "c", log)
		img := cluster.NewImage("c")
		img.ControllerID = 7 // no registration for 7 in the cache
		b.img.Store(img)
		b.registered.Store(true)
		b.kraftController.Store(kraft)
		return &Node{cfg: Config{NodeID: 1, ControlledShutdownMaxRetries: 3, ControlledShutdownRetryBackoff: backoff},
			log: log, broker: b}
	}
	start := time.Now()
	if node(false).controlledShutdown() {
		t.Fatal("a shutdown with no reachable controller succeeded")
	}
	if took := time.Since(start); took < 2*backoff || took >= 3*backoff {
		t.Errorf("took %v: want three attempts with a %v backoff before each retry, [%v, %v)", took, backoff, 2*backoff, 3*backoff)
	}
	start = time.Now()
	if node(true).controlledShutdown() || time.Since(start) >= backoff {
		t.Errorf("with a KRaft controller: took %v, want skipped at once", time.Since(start))
	}
}

// An active controller's status claims the epoch it was elected in, even
// once its broker took a successor's newer epoch from a push that came
// before the controller resigned; once resigned, the newest epoch seen.
func TestStatusClaimsTheEpochItWon(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	n := &Node{cfg: Config{NodeID: 1}, log: log, broker: newBroker(1, "c", log)}
	n.ctrl = newController(n)
	n.ctrl.epochSeen.Store(5)
	n.ctrl.isActive.Store(true)
	if code := n.broker.checkEpochs(6, -1); code != 0 { // the successor's push
		t.Fatalf("push refused: %d", code)
	}
	if st := n.Status(); !st.Active || st.ControllerEpoch != 5 {
		t.Errorf("deposed, not yet resigned: active %v in epoch %d, want active in 5", st.Active, st.ControllerEpoch)
	}
	n.ctrl.isActive.Store(false)
	if st := n.Status(); st.Active || st.ControllerEpoch != 6 {
		t.Errorf("resigned: active %v in epoch %d, want inactive, epoch 6", st.Active, st.ControllerEpoch)
	}
}

// TestLastPerPartitionIsKafkasToMap: a partition named twice in one
// AlterPartitionReassignments is moved once, to its last target.
func TestLastPerPartitionIsKafkasToMap(t *testing.T) {
	got := lastPerPartition([]cluster.ReassignSpec{
		{Topic: "a", Partition: 0, Replicas: []int32{1, 2}},
		{Topic: "b", Partition: 0, Replicas: []int32{2, 3}},
		{Topic: "a", Partition: 0, Replicas: []int32{3, 1}},
		{Topic: "a", Partition: 1},
	})
	want := []cluster.ReassignSpec{
		{Topic: "a", Partition: 0, Replicas: []int32{3, 1}},
		{Topic: "b", Partition: 0, Replicas: []int32{2, 3}},
		{Topic: "a", Partition: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
