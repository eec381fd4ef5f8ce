package kraftmode

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchMaxWait is how long the active controller holds a broker's metadata
// fetch when there is nothing new (Kafka's raft fetch max wait, 500 ms).
const fetchMaxWait = 500 * time.Millisecond

// fetchLoop is the broker as a metadata-log observer: it long-polls the
// active controller from the offset after its image, applies what comes
// back (one image copy per answer), and loads a snapshot when it is behind
// the log start.
func (b *broker) fetchLoop(ctx context.Context) {
	defer b.wg.Done()
	st := newMetaState(b.clusterID)
	for ctx.Err() == nil {
		p, err := b.fetch(ctx, st.img.Offset+1)
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
			st = snap
			b.snapshotLoads.Add(1)
			b.publish(st)
			continue
		}
		if len(p.RecordBatches) == 0 {
			continue
		}
		if err := b.applySegment(st, p.RecordBatches); err != nil {
			b.log.Error("metadata fetch answer not applied", "err", err)
			sleep(ctx, 50*time.Millisecond)
		}
	}
}

func (b *broker) fetch(ctx context.Context, next int64) (*kmsg.FetchResponseTopicPartition, error) {
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

// applySegment applies a fetch answer to st (copy-on-write) and publishes it.
func (b *broker) applySegment(st *metaState, seg []byte) error {
	last, entries, err := decodeSegment(seg)
	if err != nil {
		return err
	}
	if last <= st.img.Offset {
		return nil
	}
	a := newApplier(st, true)
	for _, e := range entries {
		if err := a.apply(e.offset, e.recs); err != nil {
			b.log.Error("metadata record not applied", "err", err)
		}
	}
	a.setOffset(last)
	b.publish(st)
	return nil
}

func (b *broker) publish(st *metaState) {
	b.image.Store(st.img)
	b.caughtUp(st.img.Offset)
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
