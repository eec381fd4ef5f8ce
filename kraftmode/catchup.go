package kraftmode

import (
	"context"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// A new replica catching up. In Kafka the broker of a replica a
// reassignment adds makes its log when it applies the record (ReplicaManager
// .applyDelta), starts a fetcher, and the leader, seeing the follower's
// fetch reach its log end, adds it to the ISR with an AlterPartition to the
// controller (Partition.maybeExpandIsr, AlterPartitionManager; 3.9
// core/src/main/scala/kafka/cluster/Partition.scala). kraftbench has no data
// plane, so the new replica is caught up once its log exists, and its own
// broker sends the AlterPartition, for every partition it is being added to
// and not yet in the ISR of, after each image it has applied and made the
// logs of: one RPC per image, as the leader's AlterPartitionManager batches
// its own. What is skipped (the fetcher's first fetch and the leader's turn)
// is in docs/fidelity.md.

// catchUp tracks the AlterPartitions in flight so each partition is asked
// for once per leader epoch.
type catchUp struct {
	mu   sync.Mutex
	sent map[tpKey]int32 // partition -> leader epoch asked at
	kick chan struct{}
	// last is the image scanned last: only the topics an image changed
	// (a new *cluster.Topic) are scanned, and those in retry, whose
	// AlterPartition failed.
	last  *cluster.Image
	retry map[string]bool
}

type tpKey struct {
	topic cluster.TopicID
	part  int32
}

func newCatchUp() *catchUp {
	return &catchUp{sent: map[tpKey]int32{}, kick: make(chan struct{}, 1), retry: map[string]bool{}}
}

// notify wakes the loop after an image was applied (and its logs made);
// a broker built without one (a unit test's) has nothing to wake.
func (c *catchUp) notify() {
	if c == nil {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// catchUpLoop sends the AlterPartitions img asks for, on each notify, until
// ctx ends. For a combined node, whose image is the local controller's, it
// also wakes on each of its commits.
func (b *broker) catchUpLoop(ctx context.Context, commits func() <-chan struct{}) {
	defer b.wg.Done()
	for {
		var commit <-chan struct{}
		if commits != nil {
			commit = commits()
		}
		select {
		case <-ctx.Done():
			return
		case <-b.catch.kick:
		case <-commit:
		}
		b.sendCatchUp(ctx, b.caughtUpImage())
	}
}

// caughtUpImage is the image whose logs exist: the last one synced, or the
// image itself when the broker keeps no logs.
func (b *broker) caughtUpImage() *cluster.Image {
	if b.logs != nil {
		return b.syncedImg.Load()
	}
	return b.Image()
}

// sendCatchUp sends one AlterPartition for every partition img adds this
// broker to and has it outside the ISR, with a live leader.
func (b *broker) sendCatchUp(ctx context.Context, img *cluster.Image) {
	if img == nil || b.fenced.Load() {
		return
	}
	id := b.cfg.NodeID
	req := kmsg.NewPtrAlterPartitionRequest()
	req.Version = 2
	req.BrokerID, req.BrokerEpoch = id, b.epoch.Load()
	b.catch.mu.Lock()
	last := b.catch.last
	b.catch.last = img
	for name, t := range img.Topics {
		if last != nil && last.Topics[name] == t && !b.catch.retry[name] {
			continue
		}
		delete(b.catch.retry, name)
		var parts []kmsg.AlterPartitionRequestTopicPartition
		for _, p := range t.Partitions {
			k := tpKey{t.ID, p.ID}
			if !slices.Contains(p.Adding, id) || slices.Contains(p.ISR, id) || p.Leader < 0 {
				delete(b.catch.sent, k)
				continue
			}
			if e, ok := b.catch.sent[k]; ok && e == p.LeaderEpoch {
				continue
			}
			b.catch.sent[k] = p.LeaderEpoch
			rp := kmsg.NewAlterPartitionRequestTopicPartition()
			rp.Partition, rp.LeaderEpoch = p.ID, p.LeaderEpoch
			rp.NewISR = append(slices.Clone(p.ISR), id)
			parts = append(parts, rp)
		}
		if len(parts) > 0 {
			rt := kmsg.NewAlterPartitionRequestTopic()
			rt.TopicID, rt.Partitions = t.ID, parts
			req.Topics = append(req.Topics, rt)
		}
	}
	b.catch.mu.Unlock()
	if len(req.Topics) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
	defer cancel()
	resp, err := b.apCli.do(rctx, req, func(r kmsg.Response) verdict {
		return verdict{retry: r.(*kmsg.AlterPartitionResponse).ErrorCode != 0, leader: -1}
	})
	failed := err != nil
	if !failed {
		for _, rt := range resp.(*kmsg.AlterPartitionResponse).Topics {
			for _, rp := range rt.Partitions {
				if rp.ErrorCode != 0 {
					failed = true
				}
			}
		}
	}
	if failed {
		// Ask again on the next image.
		b.log.Debug("AlterPartition for new replicas failed; retrying on the next image", "err", err)
		b.catch.mu.Lock()
		for _, rt := range req.Topics {
			for _, rp := range rt.Partitions {
				delete(b.catch.sent, tpKey{rt.TopicID, rp.Partition})
			}
			for name, t := range img.Topics {
				if t.ID == rt.TopicID {
					b.catch.retry[name] = true
				}
			}
		}
		b.catch.mu.Unlock()
	}
}
