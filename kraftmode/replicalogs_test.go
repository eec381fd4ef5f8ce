package kraftmode

import (
	"context"
	"fmt"
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
