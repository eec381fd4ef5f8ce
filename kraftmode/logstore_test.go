package kraftmode

import (
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// TestLogStoreReopensAfterTailTruncation pins the raft-wal behaviour a
// follower relies on: it clears an uncommitted suffix of its log when a new
// leader's log diverges (raft's "clearing log suffix", Kafka's truncation to
// the diverging epoch), stops, and opens the same directory again. raft-wal
// v0.4.0 sealed the truncated tail without an index block, so the restart
// panicked in raft.NewRaft ("sealed segment has no index block", raft-wal
// issue 31, fixed in v0.4.1); a cold-restart benchmark hit it.
func TestLogStoreReopensAfterTailTruncation(t *testing.T) {
	dir := t.TempDir()
	open := func() (*wal.WAL, *metadb.BoltMetaDB) {
		meta := &metadb.BoltMetaDB{}
		w, err := wal.Open(dir, wal.WithSegmentSize(walSegmentBytes), wal.WithLogger(hclog.NewNullLogger()), wal.WithMetaStore(meta))
		if err != nil {
			t.Fatal(err)
		}
		return w, meta
	}
	w, meta := open()
	var logs []*raft.Log
	for i := uint64(1); i <= 10; i++ {
		logs = append(logs, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: []byte("x")})
	}
	if err := w.StoreLogs(logs); err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteRange(8, 10); err != nil { // the uncommitted suffix
		t.Fatal(err)
	}
	if err := w.StoreLogs([]*raft.Log{{Index: 8, Term: 2, Type: raft.LogCommand, Data: []byte("y")}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	meta.Close()
	w, meta = open()
	defer meta.Close()
	defer w.Close()
	var l raft.Log
	for _, idx := range []uint64{1, 7, 8} {
		if err := w.GetLog(idx, &l); err != nil {
			t.Fatalf("after reopening, entry %d: %v", idx, err)
		}
	}
	if l.Term != 2 {
		t.Fatalf("entry 8 has term %d, want the new leader's 2", l.Term)
	}
	if last, _ := w.LastIndex(); last != 8 {
		t.Fatalf("last index %d after reopening, want 8", last)
	}
}
