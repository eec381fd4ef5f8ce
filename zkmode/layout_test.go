package zkmode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

func getJSON(t *testing.T, z *zkmeta.Client, path string) map[string]any {
	t.Helper()
	b, _, err := z.Get(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s is not JSON: %q", path, b)
	}
	return m
}

// TestZnodeLayoutIsKafkas checks that a cluster reads in zkCli.sh as a Kafka
// cluster does: the same paths and the same JSON shapes.
func TestZnodeLayoutIsKafkas(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "orders", NumPartitions: 3, ReplicationFactor: 3,
		Configs: map[string]string{"retention.ms": "1000"}})
	z := c.zk()

	cz := getJSON(t, z, zkmeta.ControllerPath)
	if cz["version"] != 1.0 || cz["brokerid"] != float64(ctrl.cfg.NodeID) || cz["timestamp"] == nil {
		t.Errorf("/controller = %v", cz)
	}
	if b, _, err := z.Get(zkmeta.ControllerEpochPath); err != nil || string(b) != "1" {
		t.Errorf("/controller_epoch = %q, %v; want \"1\"", b, err)
	}
	bz := getJSON(t, z, zkmeta.BrokerPath(2))
	ep := "PLAINTEXT://127.0.0.1:" + strconv.Itoa(int(c.node(2).cfg.Endpoint.Port))
	if bz["version"] != 5.0 || bz["jmx_port"] != -1.0 || bz["host"] != "127.0.0.1" ||
		!slices.Equal(toStrings(bz["endpoints"]), []string{ep}) || bz["listener_security_protocol_map"] == nil {
		t.Errorf("/brokers/ids/2 = %v", bz)
	}
	if _, st, _ := z.Get(zkmeta.BrokerPath(2)); st == nil || st.EphemeralOwner == 0 {
		t.Errorf("/brokers/ids/2 is not ephemeral")
	}
	tz := getJSON(t, z, zkmeta.TopicPath("orders"))
	parts, _ := tz["partitions"].(map[string]any)
	if tz["version"] != 3.0 || len(parts) != 3 || tz["topic_id"] == nil || tz["adding_replicas"] == nil {
		t.Errorf("/brokers/topics/orders = %v", tz)
	}
	for p := int32(0); p < 3; p++ {
		sz := getJSON(t, z, zkmeta.StatePath("orders", p))
		reps := toInts(parts[strconv.Itoa(int(p))])
		if sz["version"] != 1.0 || sz["controller_epoch"] != 1.0 || sz["leader_epoch"] != 0.0 ||
			sz["leader"] != float64(reps[0]) || !slices.Equal(toInts(sz["isr"]), reps) {
			t.Errorf("partition %d state = %v, replicas %v", p, sz, reps)
		}
	}
	conf := getJSON(t, z, zkmeta.TopicConfigPath("orders"))
	if conf["version"] != 1.0 || conf["config"].(map[string]any)["retention.ms"] != "1000" {
		t.Errorf("/config/topics/orders = %v", conf)
	}
	if b, _, err := z.Get(zkmeta.ClusterIDPath); err != nil || !json.Valid(b) {
		t.Errorf("/cluster/id = %q, %v", b, err)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func toInts(v any) []int32 {
	var out []int32
	for _, x := range v.([]any) {
		out = append(out, int32(x.(float64)))
	}
	return out
}

// TestCreateTopicsAnswersWhenBrokersKnow checks the DelayedCreatePartitions
// contract: once CreateTopics returns, every broker's cache has a leader for
// every partition, and the replicas got their LeaderAndIsr. Non-controllers
// answer NOT_CONTROLLER; a second create is TOPIC_ALREADY_EXISTS.
func TestCreateTopicsAnswersWhenBrokersKnow(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	for _, id := range c.ids() {
		n := c.node(id)
		if n == ctrl {
			continue
		}
		_, err := n.CreateTopics(context.Background(), []cluster.TopicSpec{{Name: "x", NumPartitions: 1, ReplicationFactor: 1}})
		if !errors.Is(err, kerr.NotController) {
			t.Errorf("broker %d: CreateTopics error %v, want NOT_CONTROLLER", id, err)
		}
		// The front asks CheckWrite before a ValidateOnly CreateTopics.
		if err := n.CheckWrite(); !errors.Is(err, kerr.NotController) {
			t.Errorf("broker %d: CheckWrite %v, want NOT_CONTROLLER", id, err)
		}
	}
	if err := ctrl.CheckWrite(); err != nil {
		t.Errorf("controller: CheckWrite %v, want nil", err)
	}
	res := mustCreate(t, ctrl, cluster.TopicSpec{Name: "events", NumPartitions: 6, ReplicationFactor: 3})
	// The answer waits, as Kafka's DelayedCreatePartitions does, until the
	// controller's own broker has the topic with its leaders; the others
	// follow as their UpdateMetadata and LeaderAndIsr arrive.
	served := func(id int32) error {
		img := c.node(id).Image()
		top, ok := img.Topics["events"]
		if !ok || top.ID != res[0].ID || len(top.Partitions) != 6 || !allLed(img) {
			return fmt.Errorf("broker %d has %+v", id, top)
		}
		if img.ControllerID != ctrl.cfg.NodeID {
			return fmt.Errorf("broker %d image names controller %d, want %d", id, img.ControllerID, ctrl.cfg.NodeID)
		}
		hosted := c.node(id).broker.hosted()
		for _, p := range top.Partitions {
			if r, ok := hosted[tp{"events", p.ID}]; !ok || r.leader != p.Leader {
				return fmt.Errorf("broker %d: LeaderAndIsr for events-%d = %+v, %v; want leader %d", id, p.ID, r, ok, p.Leader)
			}
		}
		return nil
	}
	if err := served(ctrl.cfg.NodeID); err != nil {
		t.Fatalf("right after CreateTopics returned, the controller's broker: %v", err)
	}
	for _, id := range c.ids() {
		deadline := time.Now().Add(10 * time.Second)
		for err := served(id); err != nil; err = served(id) {
			if time.Now().After(deadline) {
				t.Fatalf("10 s after CreateTopics returned: %v", err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	again, err := ctrl.CreateTopics(context.Background(), []cluster.TopicSpec{{Name: "events", NumPartitions: 1, ReplicationFactor: 1}})
	if err != nil || again[0].Code != kerr.TopicAlreadyExists.Code {
		t.Fatalf("second create: %+v, %v; want TOPIC_ALREADY_EXISTS", again, err)
	}
	bad, err := ctrl.CreateTopics(context.Background(), []cluster.TopicSpec{{Name: "rf4", NumPartitions: 1, ReplicationFactor: 4}})
	if err != nil || bad[0].Code != kerr.InvalidReplicationFactor.Code {
		t.Fatalf("RF 4 on 3 brokers: %+v, %v; want INVALID_REPLICATION_FACTOR", bad, err)
	}
}

// TestDeleteTopicsGoesThroughAdminDeleteTopics deletes a topic: the marker is
// written, the answer comes once the controller's own broker has dropped the
// topic (Kafka's DelayedDeleteTopics, 3.9 DelayedDeleteTopics.scala:80-82),
// and then every znode of the topic disappears and no broker serves or
// hosts it.
func TestDeleteTopicsGoesThroughAdminDeleteTopics(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "doomed", NumPartitions: 4, ReplicationFactor: 2},
		cluster.TopicSpec{Name: "kept", NumPartitions: 1, ReplicationFactor: 3})
	res, err := ctrl.DeleteTopics(context.Background(), []string{"doomed", "missing"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Code != 0 || res[1].Code != kerr.UnknownTopicOrPartition.Code {
		t.Fatalf("DeleteTopics = %+v", res)
	}
	if _, ok := ctrl.Image().Topics["doomed"]; ok {
		t.Fatal("DeleteTopics answered while the controller's broker still serves the topic")
	}
	z := c.zk()
	for _, p := range []string{zkmeta.TopicPath("doomed"), zkmeta.TopicConfigPath("doomed"), zkmeta.DeleteTopicPath("doomed")} {
		waitFor(t, 10*time.Second, p+" deleted", func() bool {
			_, _, err := z.Get(p)
			return errors.Is(err, zk.ErrNoNode)
		})
	}
	for _, id := range c.ids() {
		n := c.node(id)
		waitFor(t, 10*time.Second, fmt.Sprintf("broker %d to drop doomed", id), func() bool {
			_, served := n.Image().Topics["doomed"]
			_, hosted := n.broker.hosted()[tp{"doomed", 0}]
			return !served && !hosted
		})
		if _, ok := n.Image().Topics["kept"]; !ok {
			t.Errorf("broker %d lost the other topic", id)
		}
	}
	// The name is free again.
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "doomed", NumPartitions: 1, ReplicationFactor: 1})
}

// TestReplicaLogsFollowLeaderAndIsr checks that every replica's log exists,
// as Kafka lays it out, once CreateTopics answers (the controller's broker
// answered LeaderAndIsr first, and the others' LeaderAndIsr went before
// their UpdateMetadata), and is gone from every broker's log.dirs after the
// deletion (renamed to -delete by StopReplica, removed later).
func TestReplicaLogsFollowLeaderAndIsr(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "logs", NumPartitions: 2, ReplicationFactor: 2})
	c.waitConverged(10 * time.Second)
	for _, p := range ctrl.Image().Topics["logs"].Partitions {
		for _, r := range p.Replicas {
			dir := filepath.Join(c.node(r).cfg.LogDir, fmt.Sprintf("logs-%d", p.ID))
			st, err := os.Stat(filepath.Join(dir, "00000000000000000000.index"))
			if err != nil || st.Size() != 10485760 {
				t.Errorf("broker %d partition %d: index %v (%v)", r, p.ID, st, err)
			}
		}
	}
	if _, err := ctrl.DeleteTopics(context.Background(), []string{"logs"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range c.ids() {
		root := c.node(id).cfg.LogDir
		waitFor(t, 10*time.Second, fmt.Sprintf("broker %d's logs to go", id), func() bool {
			for p := 0; p < 2; p++ {
				if _, err := os.Stat(filepath.Join(root, fmt.Sprintf("logs-%d", p))); err == nil {
					return false
				}
			}
			return true
		})
	}
}
