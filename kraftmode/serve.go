package kraftmode

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// registerControllerAPIs registers what a controller answers on its
// CONTROLLER listener: broker registration and heartbeats, the metadata log
// fetch (Fetch and FetchSnapshot on __cluster_metadata), forwarded
// CreateTopics, DeleteTopics, ElectLeaders, AlterConfigs,
// IncrementalAlterConfigs and CreatePartitions, and DescribeQuorum.
func (n *Node) registerControllerAPIs(srv *front.Server) {
	srv.Handle(kmsg.BrokerRegistration, 0, 4, n.handleRegistration)
	srv.Handle(kmsg.BrokerHeartbeat, 0, 2, n.handleHeartbeat)
	srv.Handle(kmsg.Fetch, fetchVersion, fetchVersion+1, n.handleFetch)
	srv.Handle(kmsg.FetchSnapshot, 0, 1, n.handleFetchSnapshot)
	srv.Handle(kmsg.CreateTopics, 2, 7, n.handleCreateTopics)
	srv.Handle(kmsg.DeleteTopics, 1, 6, n.handleDeleteTopics)
	srv.Handle(kmsg.DescribeQuorum, 0, 1, n.handleDescribeQuorum)
	srv.Handle(kmsg.ElectLeaders, 0, 2, n.handleElectLeaders)                       // electleaders.go
	srv.Handle(kmsg.IncrementalAlterConfigs, 0, 1, n.handleIncrementalAlterConfigs) // configs.go
	srv.Handle(kmsg.AlterConfigs, 0, 2, n.handleAlterConfigs)
	srv.Handle(kmsg.CreatePartitions, 0, 3, n.handleCreatePartitions)                     // createpartitions.go
	srv.Handle(kmsg.AlterPartitionAssignments, 0, 0, n.handleAlterPartitionReassignments) // reassign.go
	srv.Handle(kmsg.ListPartitionReassignments, 0, 0, n.handleListPartitionReassignments)
	srv.Handle(kmsg.AlterPartition, 2, 2, n.handleAlterPartition)
}

func (n *Node) handleRegistration(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.BrokerRegistrationRequest)
	resp := kmsg.NewPtrBrokerRegistrationResponse()
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	defer cancel()
	resp.BrokerEpoch, resp.ErrorCode = n.ctrl.registerBroker(ctx, req, n.clusterID)
	return resp, nil
}

func (n *Node) handleHeartbeat(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	defer cancel()
	return n.ctrl.heartbeat(ctx, r.(*kmsg.BrokerHeartbeatRequest)), nil
}

func (n *Node) handleCreateTopics(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.CreateTopicsRequest)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout(req.TimeoutMillis, n.cfg.RequestTimeout))
	defer cancel()
	var results []cluster.TopicResult
	var err error
	if req.ValidateOnly {
		results, err = n.ctrl.validateTopics(req)
	} else {
		results, err = n.ctrl.createTopics(ctx, specsFromRequest(req))
	}
	if err != nil {
		return createAllFailed(req, err), nil
	}
	return createResponse(results), nil
}

func (n *Node) handleDeleteTopics(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.DeleteTopicsRequest)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout(req.TimeoutMillis, n.cfg.RequestTimeout))
	defer cancel()
	names := deleteNames(req, n.fsm.Image())
	results, err := n.ctrl.deleteTopics(ctx, names)
	if err != nil {
		results = make([]cluster.TopicResult, len(names))
		for i, name := range names {
			results[i] = cluster.ResultFor(name, err)
		}
	}
	return deleteResponse(results), nil
}

func requestTimeout(ms int32, dflt time.Duration) time.Duration {
	if ms <= 0 {
		return dflt
	}
	return time.Duration(ms) * time.Millisecond
}

// validateTopics answers a validate-only CreateTopics from the pending state
// with cluster.CheckCreate: Kafka's checks, no placement, no allocation per
// partition.
func (c *controller) validateTopics(req *kmsg.CreateTopicsRequest) ([]cluster.TopicResult, error) {
	var results []cluster.TopicResult
	_, err := c.submit(context.Background(), func(st *metaState) ([]Record, error) {
		results = cluster.CheckCreate(st.img, specsFromRequest(req), c.cfg.Defaults)
		return nil, nil
	})
	return results, err
}

// fetchMaxBytes bounds one metadata fetch answer (Kafka's raft fetch uses
// 8 MiB); at least one entry is sent whatever its size.
const fetchMaxBytes = 8 << 20

func (n *Node) handleFetch(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.FetchRequest)
	resp := req.ResponseKind().(*kmsg.FetchResponse)
	var fp *kmsg.FetchRequestTopicPartition
	for i := range req.Topics {
		for j := range req.Topics[i].Partitions {
			if req.Topics[i].Topic == metadataTopic && req.Topics[i].Partitions[j].Partition == 0 {
				fp = &req.Topics[i].Partitions[j]
			}
		}
	}
	if fp == nil {
		resp.ErrorCode = kerr.InvalidRequest.Code
		return resp, nil
	}
	rp := kmsg.NewFetchResponseTopicPartition()
	n.ctrl.serveFetch(ctx, req.ReplicaID, fp, time.Duration(req.MaxWaitMillis)*time.Millisecond, &rp)
	rt := kmsg.NewFetchResponseTopic()
	rt.Topic = metadataTopic
	rt.Partitions = []kmsg.FetchResponseTopicPartition{rp}
	resp.Topics = []kmsg.FetchResponseTopic{rt}
	return resp, nil
}

// serveFetch answers a broker's metadata fetch from fp.FetchOffset (the
// first offset it lacks), as Kafka's leader answers an observer
// (KafkaRaftClient.handleFetchRequest, Kafka 3.9): at once when the log
// holds entries from that offset (committed or not: observers fetch the
// uncommitted tail too), an error, or a snapshot id (the offset is behind
// the log start); otherwise the fetch is parked (park) for up to maxWait.
// Every answer carries the high watermark; brokers publish nothing above it
// (observer.go), so they never serve an uncommitted record.
//
// Kafka 4.1 also answers at once when the replica's known high watermark,
// sent in the request (FetchRequest HighWatermark, KIP-1166, KAFKA-14145),
// is behind the leader's. Kafka sends that field from FetchRequest v18;
// kraftbench nodes speak v12, and kmsg carries the tagged field at any
// flexible version.
func (c *controller) serveFetch(ctx context.Context, replica int32, fp *kmsg.FetchRequestTopicPartition, maxWait time.Duration, rp *kmsg.FetchResponseTopicPartition) {
	next := fp.FetchOffset
	defer func() {
		if rp.ErrorCode == 0 {
			c.observe(replica, next, rp.HighWatermark-1)
		}
	}()
	if c.tryFetch(next, rp) || maxWait <= 0 {
		return
	}
	if c.cfg.KafkaVersion.FastHighWatermark() && fp.HighWatermark < rp.HighWatermark {
		return
	}
	if c.park(ctx, next, rp.HighWatermark, maxWait) {
		*rp = kmsg.NewFetchResponseTopicPartition()
		c.tryFetch(next, rp)
	}
}

// tryFetch fills rp from the log at next and reports whether the answer is
// complete (entries, an error or a snapshot id); an empty answer may be
// parked. It is Kafka's tryCompleteFetchRequest.
func (c *controller) tryFetch(next int64, rp *kmsg.FetchResponseTopicPartition) bool {
	leader, term := c.q.leader()
	rp.CurrentLeader.LeaderID, rp.CurrentLeader.LeaderEpoch = leader, int32(term)
	if !c.isActive() {
		rp.ErrorCode = kerr.NotLeaderForPartition.Code
		return true
	}
	hwm := c.highWatermark() // before reading: what is sent is committed
	first, _ := c.q.logs.FirstIndex()
	last, _ := c.q.logs.LastIndex()
	rp.HighWatermark, rp.LogStartOffset, rp.LastStableOffset = hwm, int64(first), hwm
	if next > int64(last) {
		return false
	}
	if first == 0 || next < int64(first) {
		c.setSnapshotID(rp) // compacted away: the broker loads a snapshot
		return true
	}
	seg, err := c.readLog(next, int64(last))
	switch {
	case errors.Is(err, raft.ErrLogNotFound):
		c.setSnapshotID(rp)
		return true
	case err != nil:
		rp.ErrorCode = kerr.UnknownServerError.Code
		return true
	}
	// The uncommitted tail read above belongs to the leader of term: if
	// leadership moved while reading, it may already be overwritten.
	if c.q.raft.CurrentTerm() != term || !c.isActive() {
		rp.ErrorCode = kerr.NotLeaderForPartition.Code
		return true
	}
	rp.RecordBatches = seg
	return true
}

// readLog encodes the committed entries from next to committed as a fetch
// segment: a version byte, the last offset covered, then each command entry
// as offset, length, record batch.
func (c *controller) readLog(next, committed int64) ([]byte, error) {
	seg := []byte{batchVersion, 0, 0, 0, 0, 0, 0, 0, 0}
	last := next - 1
	var l raft.Log
	for idx := next; idx <= committed && len(seg) < fetchMaxBytes; idx++ {
		if err := c.q.logs.GetLog(uint64(idx), &l); err != nil {
			return nil, err
		}
		last = idx
		if l.Type != raft.LogCommand {
			continue
		}
		seg = binary.BigEndian.AppendUint64(seg, uint64(idx))
		seg = binary.BigEndian.AppendUint32(seg, uint32(len(l.Data)))
		seg = append(seg, l.Data...)
	}
	binary.BigEndian.PutUint64(seg[1:], uint64(last))
	return seg, nil
}

// segmentEntry is one log entry of a fetch segment.
type segmentEntry struct {
	offset int64
	recs   []Record
}

// decodeSegment reads a segment written by readLog.
func decodeSegment(seg []byte) (last int64, entries []segmentEntry, err error) {
	if len(seg) < 9 || seg[0] != batchVersion {
		return 0, nil, fmt.Errorf("%w: bad fetch segment header", errCorrupt)
	}
	last = int64(binary.BigEndian.Uint64(seg[1:]))
	for b := seg[9:]; len(b) > 0; {
		if len(b) < 12 {
			return 0, nil, fmt.Errorf("%w: truncated fetch segment", errCorrupt)
		}
		off, size := int64(binary.BigEndian.Uint64(b)), int(binary.BigEndian.Uint32(b[8:]))
		if len(b) < 12+size {
			return 0, nil, fmt.Errorf("%w: truncated entry at offset %d", errCorrupt, off)
		}
		recs, err := decodeBatch(b[12 : 12+size])
		if err != nil {
			return 0, nil, fmt.Errorf("entry at offset %d: %w", off, err)
		}
		entries = append(entries, segmentEntry{offset: off, recs: recs})
		b = b[12+size:]
	}
	return last, entries, nil
}

func (c *controller) setSnapshotID(rp *kmsg.FetchResponseTopicPartition) {
	metas, err := c.q.snaps.List()
	if err != nil || len(metas) == 0 {
		rp.ErrorCode = kerr.UnknownServerError.Code
		return
	}
	rp.SnapshotID.EndOffset, rp.SnapshotID.Epoch = int64(metas[0].Index), int32(metas[0].Term)
}

func (c *controller) observe(replica int32, next, committed int64) {
	if _, voter := c.cfg.Voters[replica]; voter || replica < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.observers[replica]
	o.offset, o.lastFetch = next, time.Now()
	if next > committed {
		o.caughtUp = o.lastFetch
	}
	c.observers[replica] = o
}

// snapshotCache keeps the bytes of the latest snapshot sent to a broker, so
// a chunked FetchSnapshot reads the file once.
type snapshotCache struct {
	mu   sync.Mutex
	id   string
	data []byte
}

func (n *Node) handleFetchSnapshot(_ context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.FetchSnapshotRequest)
	resp := req.ResponseKind().(*kmsg.FetchSnapshotResponse)
	if len(req.Topics) != 1 || req.Topics[0].Topic != metadataTopic || len(req.Topics[0].Partitions) != 1 {
		resp.ErrorCode = kerr.InvalidRequest.Code
		return resp, nil
	}
	in := req.Topics[0].Partitions[0]
	rp := kmsg.NewFetchSnapshotResponseTopicPartition()
	rp.SnapshotID.EndOffset, rp.SnapshotID.Epoch = in.SnapshotID.EndOffset, in.SnapshotID.Epoch
	leader, term := n.q.leader()
	rp.CurrentLeader.LeaderID, rp.CurrentLeader.LeaderEpoch = leader, int32(term)
	if !n.ctrl.isActive() {
		rp.ErrorCode = kerr.NotLeaderForPartition.Code
	} else if data, err := n.snapshotBytes(in.SnapshotID.EndOffset, in.SnapshotID.Epoch); err != nil {
		rp.ErrorCode = kerr.SnapshotNotFound.Code
	} else if in.Position < 0 || in.Position > int64(len(data)) {
		rp.ErrorCode = kerr.PositionOutOfRange.Code
	} else {
		end := min(int64(len(data)), in.Position+int64(max(req.MaxBytes, 1<<20)))
		rp.Size, rp.Position, rp.Bytes = int64(len(data)), in.Position, data[in.Position:end]
	}
	rt := kmsg.NewFetchSnapshotResponseTopic()
	rt.Topic, rt.Partitions = metadataTopic, []kmsg.FetchSnapshotResponseTopicPartition{rp}
	resp.Topics = []kmsg.FetchSnapshotResponseTopic{rt}
	return resp, nil
}

// snapshotBytes returns the content of the snapshot ending at offset/term.
func (n *Node) snapshotBytes(offset int64, term int32) ([]byte, error) {
	metas, err := n.q.snaps.List()
	if err != nil {
		return nil, err
	}
	for _, m := range metas {
		if int64(m.Index) != offset || int32(m.Term) != term {
			continue
		}
		n.snapCache.mu.Lock()
		defer n.snapCache.mu.Unlock()
		if n.snapCache.id == m.ID {
			return n.snapCache.data, nil
		}
		_, rc, err := n.q.snaps.Open(m.ID)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return nil, fmt.Errorf("read snapshot %s: %w", m.ID, err)
		}
		n.snapCache.id, n.snapCache.data = m.ID, data
		return data, nil
	}
	return nil, fmt.Errorf("snapshot %d/%d: %w", offset, term, raft.ErrLogNotFound)
}
