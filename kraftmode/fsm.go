package kraftmode

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
	"github.com/kraftbench/kraftbench/cluster"
)

// fsm is the controller's replicated state machine: every controller, active
// or standby, replays every committed entry onto its own image (a hot
// standby), so a new active controller starts from an image it already has.
//
// raft calls ApplyBatch, Snapshot and Restore from one goroutine; readers get
// the published image without locks.
type fsm struct {
	log *slog.Logger

	mu    sync.Mutex // guards st and wake against readers taking a consistent copy
	st    *metaState
	wake  chan struct{} // closed and replaced after each publish
	image atomic.Pointer[cluster.Image]

	// Counters that make hot standby observable.
	records  atomic.Int64 // records replayed from the log
	restores atomic.Int64 // images rebuilt from a snapshot (a reload)
	bytes    atomic.Int64 // log bytes applied since the last snapshot
}

// applyResult is what ApplyBatch hands back to the Apply caller.
type applyResult struct {
	offset int64
	err    error
}

func newFSM(clusterID string, log *slog.Logger) *fsm {
	f := &fsm{log: log, st: newMetaState(clusterID), wake: make(chan struct{})}
	f.image.Store(f.st.img)
	return f
}

var _ raft.BatchingFSM = (*fsm)(nil)

// Apply is the single-entry path; raft uses ApplyBatch.
func (f *fsm) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch replays committed entries onto a copy of the image and publishes
// it: at most one image copy per batch, however many entries it holds, and
// none for a batch of NoOpRecords.
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	f.mu.Lock()
	a := newApplier(f.st, true)
	var n, size int64
	for i, l := range logs {
		if l.Type != raft.LogCommand {
			a.setOffset(int64(l.Index))
			continue
		}
		recs, err := decodeBatch(l.Data)
		if err == nil {
			err = a.apply(int64(l.Index), recs)
			n += int64(len(recs))
		}
		if err != nil {
			f.log.Error("metadata log entry not fully applied", "offset", l.Index, "err", err)
			a.setOffset(int64(l.Index))
		}
		size += int64(len(l.Data))
		out[i] = applyResult{offset: int64(l.Index), err: err}
	}
	f.publishLocked()
	f.mu.Unlock()
	f.records.Add(n)
	f.bytes.Add(size)
	return out
}

func (f *fsm) publishLocked() {
	f.image.Store(f.st.img)
	close(f.wake)
	f.wake = make(chan struct{})
}

// Image returns the latest applied image.
func (f *fsm) Image() *cluster.Image { return f.image.Load() }

// waitCh returns a channel closed at the next publish.
func (f *fsm) waitCh() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wake
}

// cloneState returns a private copy of the applied state.
func (f *fsm) cloneState() *metaState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.clone()
}

// committedBroker returns the committed registration of a broker.
func (f *fsm) committedBroker(id int32) (*cluster.Broker, [16]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.st.img.Brokers[id]
	return b, f.st.incarnations[id], ok
}

// Snapshot captures the current image; Persist encodes it off the FSM
// goroutine. The image is immutable, so capturing is O(brokers).
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := &metaState{img: f.st.img, incarnations: make(map[int32][16]byte, len(f.st.incarnations)), migration: f.st.migration}
	for k, v := range f.st.incarnations {
		st.incarnations[k] = v
	}
	f.bytes.Store(0)
	return &fsmSnapshot{st: st}, nil
}

// Restore replaces the state with a snapshot's: at start-up (image =
// snapshot + log tail) or when the leader sends one to a lagging standby.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	st, n, err := readSnapshot(rc)
	if err != nil {
		return fmt.Errorf("restore metadata snapshot: %w", err)
	}
	f.mu.Lock()
	f.st = st
	f.publishLocked()
	f.mu.Unlock()
	f.restores.Add(1)
	f.bytes.Store(0)
	f.log.Info("metadata image restored from snapshot", "offset", st.img.Offset, "records", n,
		"topics", len(st.img.Topics), "partitions", st.img.PartitionCount())
	return nil
}

type fsmSnapshot struct{ st *metaState }

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := writeSnapshot(sink, s.st); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() {}
