package zkmeta

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/internal/zkensemble"
)

// zkCluster starts a one-server ensemble and lays out what a ZooKeeper-mode
// cluster leaves for a migration under the chroot /kafka: the persistent
// paths, /cluster/id and one broker registration. It returns the
// zookeeper.connect string and an admin session on it.
func zkCluster(t *testing.T) (string, *Client) {
	t.Helper()
	testbin.NeedIntegration(t, "a ZooKeeper server")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ens, err := zkensemble.Start(ctx, zkensemble.Options{Servers: 1, Dir: t.TempDir(), TickTime: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("ZooKeeper is needed for this test (CI installs Debian's zookeeper package): %v", err)
	}
	t.Cleanup(func() { ens.Stop() })
	connect := ens.Connect() + "/kafka"
	z, err := Connect(ctx, connect, 4*time.Second, 10*time.Second, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(z.Close)
	for _, p := range append(slices.Clone(PersistentPaths), "/cluster") {
		if err := z.EnsurePath(p); err != nil {
			t.Fatal(err)
		}
	}
	id, _ := json.Marshal(ClusterIDZNode{Version: "1", ID: "migrating"})
	must(t, z.Create(ClusterIDPath, id, 0))
	must(t, z.Create(BrokerPath(1), EncodeBroker([]cluster.Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9092}}, ""), zk.FlagEphemeral))
	return connect, z
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrationClientRoundTrip follows a migration's ZooKeeper side in
// order: the cluster id and brokers are read, /controller is claimed for a
// KRaft controller, dual writes create, change and delete a topic and Load
// reads back what they wrote, /migration records the position, a moved
// controller epoch fences the writes, and ReleaseController hands the
// cluster back.
func TestMigrationClientRoundTrip(t *testing.T) {
	connect, admin := zkCluster(t)
	ctx := context.Background()
	if id, err := ReadClusterID(ctx, connect); err != nil || id != "migrating" {
		t.Fatalf("ReadClusterID = %q, %v", id, err)
	}
	m, err := DialMigration(ctx, connect, 4*time.Second, nil)
	must(t, err)
	defer m.Close()
	brokers, err := m.Brokers()
	if err != nil || len(brokers) != 1 || brokers[1] == nil || brokers[1].Epoch <= 0 {
		t.Fatalf("Brokers = %v, %v: want broker 1 with its czxid as epoch", brokers, err)
	}

	empty := cluster.NewImage("migrating")
	if _, err := m.WriteDelta(empty, empty); err == nil {
		t.Fatal("dual write before the claim succeeded")
	}
	epoch, err := m.ClaimController(3000, 7)
	if err != nil || epoch != 1 {
		t.Fatalf("ClaimController = %d, %v: want epoch 1", epoch, err)
	}
	b, _, err := admin.Get(ControllerPath)
	must(t, err)
	var ctrl kraftControllerZNode
	if err := json.Unmarshal(b, &ctrl); err != nil || ctrl.Version != 2 || ctrl.BrokerID != 3000 || ctrl.KRaftControllerEpoch != 7 {
		t.Fatalf("/controller = %s: want version 2 naming KRaft controller 3000 at epoch 7", b)
	}

	topic := &cluster.Topic{Name: "orders", ID: cluster.NewTopicID(rand.New(rand.NewPCG(1, 2))),
		Configs: map[string]string{"retention.ms": "1000"},
		Partitions: []cluster.Partition{
			{ID: 0, Replicas: []int32{1, 2}, ISR: []int32{1, 2}, Leader: 1},
			{ID: 1, Replicas: []int32{2, 1}, ISR: []int32{2}, Leader: 2, LeaderEpoch: 3},
		}}
	created := empty.Clone()
	created.Topics = map[string]*cluster.Topic{"orders": topic}
	if _, err := m.WriteDelta(empty, created); err != nil {
		t.Fatal(err)
	}
	loaded, err := m.Load()
	must(t, err)
	got := loaded.Topics["orders"]
	if got == nil || got.ID != topic.ID || got.Configs["retention.ms"] != "1000" || len(got.Partitions) != 2 ||
		got.Partitions[1].Leader != 2 || got.Partitions[1].LeaderEpoch != 3 || !slices.Equal(got.Partitions[1].ISR, []int32{2}) {
		t.Fatalf("Load after create = %+v", got)
	}
	s, err := readState(admin, "orders", 0)
	if err != nil || s.ControllerEpoch != epoch {
		t.Fatalf("state znode %+v, %v: want controller_epoch %d, the claimed epoch", s, err, epoch)
	}

	moved := *topic
	moved.Partitions = slices.Clone(topic.Partitions)
	moved.Partitions[0].Leader, moved.Partitions[0].LeaderEpoch, moved.Partitions[0].ISR = 2, 1, []int32{2}
	changed := created.Clone()
	changed.Topics = map[string]*cluster.Topic{"orders": &moved}
	if n, err := m.WriteDelta(created, changed); err != nil || n != 1 {
		t.Fatalf("WriteDelta of one leader change wrote %d znodes, %v", n, err)
	}
	if s, err := readState(admin, "orders", 0); err != nil || s.Leader != 2 || s.LeaderEpoch != 1 {
		t.Fatalf("state after the change = %+v, %v", s, err)
	}

	if _, err := m.WriteDelta(changed, empty); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := admin.conn.Exists(admin.p(TopicPath("orders"))); err != nil || ok {
		t.Fatalf("topic znode after deletion: exists %v, %v", ok, err)
	}

	must(t, m.SetMigrationZNode(MigrationZNode{KRaftMetadataOffset: 42, KRaftControllerID: 3000, KRaftControllerEpoch: 7}))
	if st, found, err := ReadMigrationZNode(ctx, connect); err != nil || !found || st.KRaftMetadataOffset != 42 {
		t.Fatalf("ReadMigrationZNode = %+v, %v, %v", st, found, err)
	}

	// Another controller bumps /controller_epoch: this client's writes must
	// now fail whole, with NOT_CONTROLLER.
	_, err = admin.Set(ControllerEpochPath, EncodeEpoch(epoch+1), -1)
	must(t, err)
	_, err = m.WriteDelta(empty, created)
	var kerrOut *cluster.Error
	if !errors.As(err, &kerrOut) || kerrOut.Code != kerr.NotController.Code {
		t.Fatalf("write after the epoch moved: %v, want NOT_CONTROLLER", err)
	}
	if ok, _, _ := admin.conn.Exists(admin.p(TopicPath("orders"))); ok {
		t.Fatal("a fenced dual write created a topic")
	}

	must(t, ReleaseController(ctx, connect))
	if _, found, err := ReadMigrationZNode(ctx, connect); err != nil || found {
		t.Fatalf("/migration after ReleaseController: found %v, %v", found, err)
	}
	if _, _, err := admin.Get(ControllerPath); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("/controller after ReleaseController: %v, want no node", err)
	}
}

func readState(z *Client, topic string, p int32) (StateZNode, error) {
	b, _, err := z.Get(StatePath(topic, p))
	if err != nil {
		return StateZNode{}, err
	}
	return DecodeState(StatePath(topic, p), b)
}
