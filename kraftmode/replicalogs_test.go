package kraftmode

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/replicalog"
)

// TestReplicaLogsFollowTheImage checks that a KRaft broker creates each of
// its replicas' logs, as Kafka lays them out under log.dirs, once it has
// published the image that assigns them (BrokerMetadataPublisher publishes,
// then ReplicaManager.applyDelta creates logs), and moves them away when the
// topic is deleted; with kraftbench.replica.logs off it writes none.
func TestReplicaLogsFollowTheImage(t *testing.T) {
	base := t.TempDir()
	logDir := func(id int32) string { return filepath.Join(base, fmt.Sprint("logs-", id)) }
	c := newTCluster(t, false, func(cfg *Config) {
		cfg.LogDir = logDir(cfg.NodeID)
		cfg.ReplicaLogsDisabled = cfg.NodeID == 6 // one broker with logs off
	})
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := active.CreateTopics(ctx, []cluster.TopicSpec{{Name: "logs", NumPartitions: 2, ReplicationFactor: 3}})
	if err != nil || res[0].Code != 0 {
		t.Fatalf("create: %v %+v", err, res)
	}
	segment := func(id int32, p int) string {
		return filepath.Join(logDir(id), fmt.Sprintf("logs-%d", p), replicalog.FirstSegment+".index")
	}
	for _, id := range []int32{4, 5} {
		eventually(t, 10*time.Second, fmt.Sprintf("broker %d's replica logs", id), func() bool {
			for p := 0; p < 2; p++ {
				st, err := os.Stat(segment(id, p))
				if err != nil || st.Size() != replicalog.SegmentIndexBytes {
					return false
				}
			}
			return true
		})
	}
	eventually(t, 10*time.Second, "no broker reporting its logs behind", func() bool {
		for _, id := range c.brokerIDs {
			if c.nodes[id].Status().LogsBehind {
				return false
			}
		}
		return true
	})
	if _, err := os.Stat(filepath.Join(logDir(6), "logs-0")); err == nil {
		t.Error("broker 6 (kraftbench.replica.logs=false) created a replica log")
	}
	if _, err := active.DeleteTopics(ctx, []string{"logs"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int32{4, 5} {
		eventually(t, 10*time.Second, fmt.Sprintf("broker %d's logs to go", id), func() bool {
			for p := 0; p < 2; p++ {
				if _, err := os.Stat(filepath.Dir(segment(id, p))); err == nil {
					return false
				}
			}
			return true
		})
	}
}

// TestLogsBehindUntilSynced: between publishing an image and making its
// replica logs a broker reports LogsBehind (so the scale workload can wait
// for a quiet cluster); a broker with replica logs off never does.
func TestLogsBehindUntilSynced(t *testing.T) {
	d, err := replicalog.Open(t.TempDir(), replicalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	img := cluster.NewImage("c")
	img.Offset = 7
	img.Topics["t"] = &cluster.Topic{Name: "t", Partitions: []cluster.Partition{{ID: 0, Leader: 1, Replicas: []int32{1}, ISR: []int32{1}}}}
	b := &broker{cfg: &Config{NodeID: 1}, log: slog.New(slog.DiscardHandler), logs: d}
	b.image.Store(img)
	if !b.logsBehind() {
		t.Fatal("a published image whose logs are not made yet is not reported behind")
	}
	b.syncLogs(img)
	if b.logsBehind() {
		t.Fatal("still behind after its logs were made")
	}
	if got := d.Logs(); len(got) != 1 || got[0].DirName() != "t-0" {
		t.Fatalf("logs = %v, want t-0", got)
	}
	off := &broker{cfg: &Config{NodeID: 1}, log: slog.New(slog.DiscardHandler)}
	off.image.Store(img)
	if off.logsBehind() {
		t.Fatal("a broker with replica logs off reports logs behind")
	}
}
