package kraftmode

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/testbin"
)

// crashAll kills every node and starts them again on their directories.
func (c *tcluster) crashAndRestartAll() {
	for _, id := range c.allIDs() {
		c.stop(id, true)
	}
	c.startAll()
}

// waitSnapshot waits until every controller holds a snapshot.
func (c *tcluster) waitSnapshot(timeout time.Duration) {
	c.t.Helper()
	eventually(c.t, timeout, "a snapshot on every controller", func() bool {
		for _, id := range c.ctrlIDs {
			if metas, err := c.nodes[id].q.snaps.List(); err != nil || len(metas) == 0 {
				return false
			}
		}
		return true
	})
}

// Restart of the whole cluster recovers all metadata from disk: the
// controllers from their snapshot plus the log tail, the brokers from the
// active controller (a snapshot, as the log before it was truncated).
func TestWholeClusterRestartRecoversFromDisk(t *testing.T) {
	c := newTCluster(t, false, func(cfg *Config) {
		cfg.SnapshotBytes = 4 << 10 // snapshot every few KiB of log
		cfg.TrailingLogs = 8        // and truncate the log behind it
	})
	active := c.active(10 * time.Second)
	c.waitUnfenced(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < 60; i++ {
		if _, err := createOne(ctx, active, fmt.Sprintf("r%d", i), 3); err != nil {
			t.Fatal(err)
		}
	}
	c.waitSnapshot(10 * time.Second)
	for i := 60; i < 65; i++ { // a log tail after the snapshot
		if _, err := createOne(ctx, active, fmt.Sprintf("r%d", i), 3); err != nil {
			t.Fatal(err)
		}
	}
	c.converged(10 * time.Second)
	want := assignments(c.nodes[4].Image())
	if n := len(c.nodes[4].Image().Topics); n != 65 {
		t.Fatalf("broker 4 has %d topics before the restart, want 65", n)
	}

	start := time.Now()
	c.crashAndRestartAll()
	c.active(15 * time.Second)
	c.converged(15 * time.Second)
	for _, id := range c.allIDs() {
		if got := assignments(c.nodes[id].Image()); got != want {
			t.Fatalf("node %d after restart:\n%s\nbefore:\n%s", id, got, want)
		}
	}
	t.Logf("whole cluster restarted and converged in %v", time.Since(start).Round(time.Millisecond))
	for _, id := range c.ctrlIDs {
		if c.nodes[id].fsm.restores.Load() == 0 {
			t.Errorf("controller %d did not start from its snapshot", id)
		}
	}
	for _, id := range c.brokerIDs {
		if c.nodes[id].brk.snapshotLoads.Load() == 0 {
			t.Errorf("broker %d did not load a snapshot though the log start is past its offset", id)
		}
	}
	c.waitUnfenced(10 * time.Second)
}

// bigState builds an image of topics x partitions (RF 3 over 3 brokers).
func bigState(topics, partitions int) *metaState {
	st := newMetaState("big")
	a := newApplier(st, false)
	rng := rand.New(rand.NewPCG(3, 4))
	var recs []Record
	for id := int32(1); id <= 3; id++ {
		recs = append(recs, &RegisterBrokerRecord{BrokerID: id, BrokerEpoch: int64(id),
			Endpoints: []BrokerEndpoint{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 9000 + id}}})
	}
	a.apply(1, recs)
	for i := 0; i < topics; i++ {
		plan := cluster.PlanCreate(st.img, []cluster.TopicSpec{{Name: fmt.Sprintf("big-%04d", i),
			NumPartitions: int32(partitions), ReplicationFactor: 3}}, cluster.KafkaDefaults(), rng)
		a.apply(int64(2+i), topicRecords(plan[0].Topic))
	}
	return st
}

// A 100,000-partition image survives a snapshot round trip.
func TestSnapshotRoundTrip100kPartitions(t *testing.T) {
	st := bigState(100, 1000)
	var buf bytes.Buffer
	start := time.Now()
	if err := writeSnapshot(&buf, st); err != nil {
		t.Fatal(err)
	}
	wrote := time.Since(start)
	size := buf.Len()
	got, n, err := readSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("100,000 partitions: snapshot of %d bytes (%d records) written in %v, read in %v",
		size, n, wrote.Round(time.Millisecond), (time.Since(start) - wrote).Round(time.Millisecond))
	if got.img.PartitionCount() != 100_000 || !sameImage(st.img, got.img) || got.img.Offset != st.img.Offset {
		t.Fatalf("restored image differs: %d partitions, offset %d (want %d)", got.img.PartitionCount(), got.img.Offset, st.img.Offset)
	}
	if len(got.ids) != 100 {
		t.Fatalf("restored topic id index has %d entries", len(got.ids))
	}
}

// A 100,000-partition cluster survives snapshot and restore: every node
// restarts from disk and serves all 100,000 partitions.
func TestHundredThousandPartitionsSurviveRestart(t *testing.T) {
	testbin.NeedIntegration(t, "a Raft quorum with 100,000 partitions")
	c := newTCluster(t, false, nil)
	active := c.active(10 * time.Second)
	c.waitUnfenced(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	for i := 0; i < 100; i++ {
		if _, err := createOne(ctx, active, fmt.Sprintf("big-%03d", i), 1000); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("100 topics x 1,000 partitions created in %v", time.Since(start).Round(time.Millisecond))
	c.converged(30 * time.Second)
	want := assignments(active.Image())
	for _, id := range c.ctrlIDs {
		if err := c.nodes[id].q.raft.Snapshot().Error(); err != nil {
			t.Fatalf("snapshot on controller %d: %v", id, err)
		}
	}
	start = time.Now()
	c.crashAndRestartAll()
	c.active(30 * time.Second)
	c.converged(60 * time.Second)
	t.Logf("restart with 100,000 partitions converged in %v", time.Since(start).Round(time.Millisecond))
	for _, id := range c.allIDs() {
		img := c.nodes[id].Image()
		if n := img.PartitionCount(); n != 100_000 || assignments(img) != want {
			t.Fatalf("node %d serves %d partitions after restart, or other assignments", id, n)
		}
	}
	for _, id := range c.ctrlIDs {
		if c.nodes[id].fsm.restores.Load() == 0 {
			t.Errorf("controller %d did not restore its snapshot", id)
		}
	}
}
