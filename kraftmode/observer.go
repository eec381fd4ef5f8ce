package kraftmode

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchMaxWait is how long the active controller holds a broker's metadata
// fetch when there is nothing new (Kafka's raft fetch max wait, 500 ms).
const fetchMaxWait = 500 * time.Millisecond

// fetchLoop is the broker as a metadata-log observer: it long-polls the
// active controller from the offset after everything it has fetched, keeps
// what is above the high watermark aside, publishes (one image copy per
// answer) only up to the high watermark each answer carries, and loads a
// snapshot when it is behind the log start.
//
// Kafka's observers do the same: they fetch the leader's uncommitted tail
// too, and their listeners see records only up to the high watermark
// (Kafka 3.9, KafkaRaftClient.handleFetchResponse and
// updateFollowerHighWatermark, the broker's MetadataLoader reading
// handleCommit). So whether a fetch answer brings the news that a record
// committed depends on when the leader completes parked fetches (park,
// purgatory.go), which is where Kafka 3.9 and 4.1 differ.
func (b *broker) fetchLoop(ctx context.Context) {
	defer b.wg.Done()
	o := &observerLog{st: newMetaState(b.clusterID), epoch: -1, hwm: -1}
	for ctx.Err() == nil {
		next := o.next()
		p, err := b.fetch(ctx, next, o.hwm)
		if err != nil {
			if ctx.Err() == nil {
				b.log.Debug("metadata fetch failed", "err", err)
				sleep(ctx, 50*time.Millisecond)
			}
			continue
		}
		if p.SnapshotID.EndOffset >= 0 {
			snap, err := b.loadSnapshot(ctx, p.SnapshotID.EndOffset, p.SnapshotID.Epoch)
			if err != nil {
				b.log.Info("metadata snapshot load failed", "err", err)
				sleep(ctx, 50*time.Millisecond)
				continue
			}
			o.reset(snap, p.CurrentLeader.LeaderEpoch)
			b.snapshotLoads.Add(1)
			b.publish(o.st)
			continue
		}
		if !o.sameLeader(p.CurrentLeader.LeaderEpoch, next) {
			continue // fetch again from the published offset
		}
		if err := o.take(p.RecordBatches); err != nil {
			b.log.Error("metadata fetch answer not applied", "err", err)
			sleep(ctx, 50*time.Millisecond)
			continue
		}
		b.fetched.Store(o.fetched)
		if o.publish(p.HighWatermark, b.log) {
			b.publish(o.st)
		}
	}
}

// observerLog is a broker's copy of the metadata log: the published state,
// and the entries fetched above it that the high watermark does not cover
// yet.
type observerLog struct {
	st      *metaState     // published: every entry up to st.img.Offset
	pending []segmentEntry // fetched, above st.img.Offset, not known committed
	fetched int64          // the last offset fetched (published or pending)
	epoch   int32          // the leader epoch pending came from
	hwm     int64          // the high watermark last received; -1 unknown
}

func (o *observerLog) next() int64 { return max(o.st.img.Offset, o.fetched) + 1 }

// reset replaces everything with a snapshot's state.
func (o *observerLog) reset(st *metaState, epoch int32) {
	o.st, o.pending, o.fetched, o.epoch = st, nil, st.img.Offset, epoch
}

// sameLeader checks an answer's leader epoch. Entries above the high
// watermark can be truncated by a new leader, so on a new epoch the
// pending ones are dropped; an answer to a fetch from beyond the published
// offset is then dropped too, and the caller fetches again from the
// published offset. (Kafka's observers truncate to the diverging epoch
// instead; dropping what is not committed is the simpler safe rule.)
func (o *observerLog) sameLeader(epoch int32, next int64) bool {
	if epoch == o.epoch {
		return true
	}
	o.epoch, o.pending, o.fetched, o.hwm = epoch, nil, o.st.img.Offset, -1
	return next == o.st.img.Offset+1
}

// take keeps the entries of a fetch answer (a segment written by readLog).
func (o *observerLog) take(seg []byte) error {
	if len(seg) == 0 {
		return nil
	}
	last, entries, err := decodeSegment(seg)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.offset > o.fetched {
			o.pending = append(o.pending, e)
		}
	}
	o.fetched = max(o.fetched, last)
	return nil
}

// publish applies the pending entries below the high watermark hwm (the
// offset after the last committed entry) to the state, copy-on-write, and
// reports whether the state moved.
func (o *observerLog) publish(hwm int64, log *slog.Logger) bool {
	o.hwm = hwm
	upTo := min(hwm-1, o.fetched)
	if upTo <= o.st.img.Offset {
		return false
	}
	a := newApplier(o.st, true)
	n := 0
	for ; n < len(o.pending) && o.pending[n].offset <= upTo; n++ {
		if err := a.apply(o.pending[n].offset, o.pending[n].recs); err != nil {
			log.Error("metadata record not applied", "err", err)
		}
	}
	o.pending = o.pending[n:]
	a.setOffset(upTo)
	return true
}

// fetch sends one metadata fetch from next. hwm is the high watermark the
// broker knows; Kafka 4.1's replicas send it (KIP-1166), and the leader
// answers at once when its own is ahead.
func (b *broker) fetch(ctx context.Context, next, hwm int64) (*kmsg.FetchResponseTopicPartition, error) {
	req := kmsg.NewPtrFetchRequest()
	req.Version = fetchVersion
	req.ReplicaID = b.cfg.NodeID
	req.MaxWaitMillis = int32(fetchMaxWait / time.Millisecond)
	req.MaxBytes = fetchMaxBytes
	req.ClusterID = kmsg.StringPtr(b.clusterID)
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = metadataTopic
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.FetchOffset, fp.PartitionMaxBytes, fp.CurrentLeaderEpoch = next, fetchMaxBytes, b.hint.epoch.Load()
	if b.cfg.KafkaVersion.FastHighWatermark() {
		fp.HighWatermark = hwm // -1 when not known yet; 3.9 leaves Kafka's default, "not supported"
	}
	rt.Partitions = []kmsg.FetchRequestTopicPartition{fp}
	req.Topics = []kmsg.FetchRequestTopic{rt}
	ctx, cancel := context.WithTimeout(ctx, fetchMaxWait+b.cfg.RequestTimeout)
	defer cancel()
	var part *kmsg.FetchResponseTopicPartition
	_, err := b.fetchCli.do(ctx, req, func(r kmsg.Response) verdict {
		resp := r.(*kmsg.FetchResponse)
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			return verdict{retry: true, leader: -1}
		}
		p := &resp.Topics[0].Partitions[0]
		b.hint.set(p.CurrentLeader.LeaderID, p.CurrentLeader.LeaderEpoch)
		if p.ErrorCode == kerr.NotLeaderForPartition.Code {
			return verdict{retry: true, leader: p.CurrentLeader.LeaderID, epoch: p.CurrentLeader.LeaderEpoch}
		}
		part = p
		return verdict{}
	})
	if err != nil {
		return nil, err
	}
	if part.ErrorCode != 0 {
		return nil, fmt.Errorf("metadata fetch: %w", kerr.ErrorForCode(part.ErrorCode))
	}
	return part, nil
}

func (b *broker) publish(st *metaState) {
	b.image.Store(st.img)
	b.caughtUp(st.img.Offset)
	b.syncLogs(st.img)
}

// syncLogs creates and deletes replica logs for what img changed, after the
// image is published, as Kafka's KRaft broker does: BrokerMetadataPublisher
// sets the metadata cache first (3.9 BrokerMetadataPublisher.scala:116) and
// then applies the topics delta to the ReplicaManager (:134), which creates
// the new partitions' logs. So, unlike ZooKeeper mode, a KRaft broker serves
// a new topic before its logs exist, and CreateTopics waits for no broker.
func (b *broker) syncLogs(img *cluster.Image) {
	defer b.catch.notify()
	if b.logs == nil {
		return
	}
	if err := b.logs.SyncDelta(b.synced, img, b.cfg.NodeID); err != nil {
		b.log.Warn("replica logs not in step with the image", "offset", img.Offset, "err", err)
	}
	b.synced = img
	b.syncedImg.Store(img)
	b.logsOffset.Store(img.Offset)
}

// logsBehind reports whether the broker serves an image whose replica logs
// it has not finished making.
func (b *broker) logsBehind() bool {
	return b.logs != nil && b.logsOffset.Load() < b.Image().Offset
}

// loadSnapshot fetches the snapshot ending at offset in chunks
// (FetchSnapshot, by position) and rebuilds the image from it.
func (b *broker) loadSnapshot(ctx context.Context, offset int64, epoch int32) (*metaState, error) {
	var buf bytes.Buffer
	for size := int64(-1); size < 0 || int64(buf.Len()) < size; {
		req := kmsg.NewPtrFetchSnapshotRequest()
		req.Version = fetchSnapshotVersion
		req.ReplicaID, req.MaxBytes = b.cfg.NodeID, 4<<20
		rt := kmsg.NewFetchSnapshotRequestTopic()
		rt.Topic = metadataTopic
		p := kmsg.NewFetchSnapshotRequestTopicPartition()
		p.SnapshotID.EndOffset, p.SnapshotID.Epoch, p.Position = offset, epoch, int64(buf.Len())
		rt.Partitions = []kmsg.FetchSnapshotRequestTopicPartition{p}
		req.Topics = []kmsg.FetchSnapshotRequestTopic{rt}
		rctx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
		var part *kmsg.FetchSnapshotResponseTopicPartition
		_, err := b.fetchCli.do(rctx, req, func(r kmsg.Response) verdict {
			resp := r.(*kmsg.FetchSnapshotResponse)
			if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
				return verdict{retry: true, leader: -1}
			}
			part = &resp.Topics[0].Partitions[0]
			l := part.CurrentLeader
			return verdict{retry: part.ErrorCode == kerr.NotLeaderForPartition.Code, leader: l.LeaderID, epoch: l.LeaderEpoch}
		})
		cancel()
		if err != nil {
			return nil, err
		}
		if part.ErrorCode != 0 {
			return nil, fmt.Errorf("fetch snapshot %d: %w", offset, kerr.ErrorForCode(part.ErrorCode))
		}
		if len(part.Bytes) == 0 && part.Size > int64(buf.Len()) {
			return nil, fmt.Errorf("fetch snapshot %d: empty chunk at %d of %d", offset, buf.Len(), part.Size)
		}
		buf.Write(part.Bytes)
		size = part.Size
	}
	st, n, err := readSnapshot(&buf)
	if err != nil {
		return nil, err
	}
	st.img.Offset = max(st.img.Offset, offset)
	b.log.Info("metadata image loaded from snapshot", "offset", offset, "records", n, "bytes", buf.Len())
	return st, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
