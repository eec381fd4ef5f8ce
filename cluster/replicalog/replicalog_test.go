package replicalog

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLayoutIsKafkas creates a log and checks Kafka 3.9's files: the empty
// segment, the two indexes sized to segment.index.bytes rounded to their
// entry sizes, the epoch checkpoint and, soon after, partition.metadata;
// then deletes it: renamed to -delete at once, gone after the delay, and
// the checkpoints no longer list it.
func TestLayoutIsKafkas(t *testing.T) {
	root := t.TempDir()
	d, err := Open(root, Options{DeleteDelay: 50 * time.Millisecond, HighWatermarkEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p := Partition{Topic: "orders", ID: 3}
	id := [16]byte{1, 2, 3}
	if err := d.Create(p, id); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "orders-3")
	for name, size := range map[string]int64{
		"00000000000000000000.log": 0, "00000000000000000000.index": 10485760,
		"00000000000000000000.timeindex": 10485756, "leader-epoch-checkpoint": 0,
	} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Size() != size {
			t.Errorf("%s: %v size %v, want %d", name, err, st, size)
		}
	}
	meta := filepath.Join(dir, PartitionMetadataFile)
	waitFor(t, "partition.metadata", func() bool { _, err := os.Stat(meta); return err == nil })
	b, _ := os.ReadFile(meta)
	if want := "version: 0\ntopic_id: " + base64.RawURLEncoding.EncodeToString(id[:]); string(b) != want {
		t.Errorf("partition.metadata = %q, want %q", b, want)
	}
	waitFor(t, "the replication checkpoint", func() bool {
		b, _ := os.ReadFile(filepath.Join(root, ReplicationCheckpoint))
		return string(b) == "0\n1\norders 3 0\n"
	})
	if err := d.Delete(p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there after Delete", dir)
	}
	renamed := func() []string {
		es, _ := os.ReadDir(root)
		var out []string
		for _, e := range es {
			if strings.HasPrefix(e.Name(), "orders-3.") && strings.HasSuffix(e.Name(), "-delete") {
				out = append(out, e.Name())
			}
		}
		return out
	}
	if len(renamed()) != 1 {
		t.Fatalf("renamed dirs %v, want one orders-3.<uuid>-delete", renamed())
	}
	b, _ = os.ReadFile(filepath.Join(root, RecoveryCheckpoint))
	if string(b) != "0\n0\n" {
		t.Errorf("recovery checkpoint after delete = %q", b)
	}
	waitFor(t, "the deferred removal", func() bool { return len(renamed()) == 0 })
}

// TestSyncImage creates the logs an image assigns to the broker and deletes
// those it no longer assigns.
func TestSyncImage(t *testing.T) {
	root := t.TempDir()
	d, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	img := cluster.NewImage("c")
	img.Topics["a"] = &cluster.Topic{Name: "a", Partitions: []cluster.Partition{
		{ID: 0, Replicas: []int32{1, 2}}, {ID: 1, Replicas: []int32{2, 3}}}}
	if err := d.SyncImage(img, 1); err != nil {
		t.Fatal(err)
	}
	if got := d.Logs(); len(got) != 1 || got[0] != (Partition{"a", 0}) {
		t.Fatalf("logs %v, want [a-0]", got)
	}
	delete(img.Topics, "a")
	if err := d.SyncImage(img, 1); err != nil {
		t.Fatal(err)
	}
	if got := d.Logs(); len(got) != 0 {
		t.Fatalf("logs %v after the topic left the image", got)
	}
	if _, err := os.Stat(filepath.Join(root, "a-0")); !os.IsNotExist(err) {
		t.Fatalf("a-0 still there: %v", err)
	}
}

// TestSyncDelta applies images one after the other: new topics' logs are
// created, an unchanged topic (the same *Topic) is not looked at, a topic
// re-created under the same name with a new id loses its old logs, and a
// deleted topic's logs go.
func TestSyncDelta(t *testing.T) {
	d, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	topic := func(name string, id byte, replicas ...[]int32) *cluster.Topic {
		tp := &cluster.Topic{Name: name, ID: cluster.TopicID{id}}
		for i, r := range replicas {
			tp.Partitions = append(tp.Partitions, cluster.Partition{ID: int32(i), Replicas: r})
		}
		return tp
	}
	step := func(prev *cluster.Image, topics ...*cluster.Topic) *cluster.Image {
		img := cluster.NewImage("c")
		for _, tp := range topics {
			img.Topics[tp.Name] = tp
		}
		if err := d.SyncDelta(prev, img, 1); err != nil {
			t.Fatal(err)
		}
		return img
	}
	want := func(what string, ps ...Partition) {
		t.Helper()
		if got := d.Logs(); !slices.Equal(got, ps) {
			t.Fatalf("%s: logs %v, want %v", what, got, ps)
		}
	}
	a := topic("a", 1, []int32{1, 2}, []int32{2, 3})
	img := step(nil, a)
	want("first image", Partition{"a", 0})
	b := topic("b", 2, []int32{3, 1})
	img = step(img, a, b)
	want("b added", Partition{"a", 0}, Partition{"b", 0})
	img = step(img, topic("a", 3, []int32{2, 3}, []int32{1, 2}), b)
	want("a re-created elsewhere", Partition{"a", 1}, Partition{"b", 0})
	step(img)
	want("all deleted")
}

// TestOpenLoadsExistingLogs restarts a directory: the logs it holds are
// known at once (LogManager.loadLogs), so creating one of them again
// touches nothing, while the metadata log, stray directories and logs
// renamed for deletion are not taken for replicas.
func TestOpenLoadsExistingLogs(t *testing.T) {
	root := t.TempDir()
	d, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	keep := []Partition{{Topic: "a-b", ID: 0}, {Topic: "a-b", ID: 12}, {Topic: "c", ID: 1}}
	for _, p := range append(keep, Partition{Topic: "gone", ID: 0}) {
		if err := d.Create(p, [16]byte{9}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Delete(Partition{Topic: "gone", ID: 0}); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{"__cluster_metadata-0", "notalog", "x-", "y-1.abc-delete"} {
		if err := os.Mkdir(filepath.Join(root, junk), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	meta := filepath.Join(root, "a-b-12", PartitionMetadataFile)
	index := filepath.Join(root, "a-b-12", FirstSegment+".index")
	for _, f := range []string{meta, index} {
		if err := os.Chtimes(f, past, past); err != nil {
			t.Fatal(err)
		}
	}
	d, err = Open(root, Options{DeleteDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := d.Logs(); !slices.Equal(got, keep) {
		t.Fatalf("logs after restart = %v, want %v", got, keep)
	}
	if err := d.Create(Partition{Topic: "a-b", ID: 12}, [16]byte{9}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the stray -delete directory removed", func() bool {
		_, err := os.Stat(filepath.Join(root, "y-1.abc-delete"))
		return os.IsNotExist(err)
	})
	for _, f := range []string{meta, index} {
		if st, err := os.Stat(f); err != nil || !st.ModTime().Equal(past) {
			t.Errorf("%s rewritten on restart: %v %v", f, st.ModTime(), err)
		}
	}
}

// TestScheduleNeverBlocks: KafkaScheduler's queue is unbounded, so creating
// many logs while every background thread is busy does not hold up the
// caller (the metadata publisher, the LeaderAndIsr handler), and every task
// still runs, on close at the latest.
func TestScheduleNeverBlocks(t *testing.T) {
	d, err := Open(t.TempDir(), Options{BackgroundThreads: 2})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var ran atomic.Int64
	for range 2 {
		d.schedule(func() { <-release })
	}
	queued := make(chan struct{})
	go func() {
		for range 5000 {
			d.schedule(func() { ran.Add(1) })
		}
		close(queued)
	}()
	select {
	case <-queued:
	case <-time.After(10 * time.Second):
		t.Fatal("schedule blocked while the background threads were busy")
	}
	if n := d.tasks.pending(); n < 5000 {
		t.Fatalf("pending = %d, want at least 5000", n)
	}
	close(release)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if n := ran.Load(); n != 5000 {
		t.Fatalf("ran %d of 5000 tasks by close", n)
	}
}
