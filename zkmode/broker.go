package zkmode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/cluster/replicalog"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// broker is the broker half of a node: its registration in /brokers/ids,
// its metadata cache, which only the controller's UpdateMetadata pushes
// change (Kafka's ZkMetadataCache), and the replicas LeaderAndIsr and
// StopReplica assign to it (Kafka's ReplicaManager) with their logs on
// disk, without data.
type broker struct {
	id  int32
	log *slog.Logger

	img        atomic.Pointer[cluster.Image]
	epoch      atomic.Int64 // czxid of /brokers/ids/<id>: the broker epoch
	registered atomic.Bool
	dead       atomic.Bool // killed or closed: pushes are refused
	// kraftController says the last UpdateMetadata came from a KRaft
	// controller (a migration's dual-write phase).
	kraftController atomic.Bool

	mu              sync.Mutex
	controllerEpoch int32 // highest seen in a push
	replicas        map[tp]replicaState
	// logs holds the replica logs under log.dirs; nil when they are off
	// (kraftbench.replica.logs=false).
	logs *replicalog.Dir
}

// replicaState is what LeaderAndIsr told this broker about one of its replicas.
type replicaState struct {
	leader, leaderEpoch int32
}

func newBroker(id int32, clusterID string, log *slog.Logger) *broker {
	b := &broker{id: id, log: log, replicas: map[tp]replicaState{}}
	b.img.Store(cluster.NewImage(clusterID))
	return b
}

// registerHandlers serves the controller's pushes on the broker's Kafka port.
func (b *broker) registerHandlers(srv *front.Server) {
	srv.Handle(kmsg.LeaderAndISR, 5, 7, b.handleLeaderAndIsr)
	srv.Handle(kmsg.UpdateMetadata, 7, 8, b.handleUpdateMetadata)
	srv.Handle(kmsg.StopReplica, 3, 4, b.handleStopReplica)
}

// register creates the ephemeral /brokers/ids/<id> (Kafka's
// KafkaZkClient.registerBroker). A znode left by this broker's previous,
// crashed session makes it wait, up to wait, for ZooKeeper to expire that
// session, where Kafka would fail start-up at once.
func (b *broker) register(ctx context.Context, z *zkmeta.Client, data []byte, wait time.Duration) error {
	path := zkmeta.BrokerPath(b.id)
	deadline := time.Now().Add(wait)
	for {
		err := z.Create(path, data, zk.FlagEphemeral)
		if err == nil {
			break
		}
		if !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("register broker %d: %w", b.id, err)
		}
		_, st, gerr := z.Get(path)
		if gerr == nil && st.EphemeralOwner == z.SessionID() {
			break // ours: an earlier attempt on this session succeeded
		}
		if err := waitGone(ctx, z, path, time.Until(deadline)); err != nil {
			return fmt.Errorf("register broker %d: %s is held by another session: %w", b.id, path, err)
		}
	}
	_, st, err := z.Get(path)
	if err != nil {
		return fmt.Errorf("register broker %d: %w", b.id, err)
	}
	b.epoch.Store(st.Czxid)
	b.registered.Store(true)
	b.log.Info("broker registered", "path", path, "broker_epoch", st.Czxid)
	return nil
}

// waitGone waits until path does not exist, up to d.
func waitGone(ctx context.Context, z *zkmeta.Client, path string, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		ok, ch, err := z.ExistsW(path)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		select {
		case <-ch:
		case <-timer.C:
			return fmt.Errorf("still there after %v", d)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// checkEpochs is Kafka's check of a push: a stale controller epoch or an
// older broker epoch than this broker's registration is refused.
func (b *broker) checkEpochs(controllerEpoch int32, brokerEpoch int64) int16 {
	if controllerEpoch < b.controllerEpoch {
		return kerr.StaleControllerEpoch.Code
	}
	if brokerEpoch != -1 && brokerEpoch < b.epoch.Load() {
		return kerr.StaleBrokerEpoch.Code
	}
	b.controllerEpoch = controllerEpoch
	return 0
}

func (b *broker) handleUpdateMetadata(_ context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	if b.dead.Load() {
		return nil, zkmeta.ErrKilled
	}
	req := r.(*kmsg.UpdateMetadataRequest)
	resp := req.ResponseKind().(*kmsg.UpdateMetadataResponse)
	b.mu.Lock()
	defer b.mu.Unlock()
	if resp.ErrorCode = b.checkEpochs(req.ControllerEpoch, req.BrokerEpoch); resp.ErrorCode != 0 {
		b.log.Warn("refused UpdateMetadata", "controller", req.ControllerID, "controller_epoch", req.ControllerEpoch,
			"error", cluster.ErrorName(resp.ErrorCode))
		return resp, nil
	}
	b.img.Store(applyUpdateMetadata(b.img.Load(), req))
	b.kraftController.Store(req.IsKRaftController)
	return resp, nil
}

func (b *broker) handleLeaderAndIsr(_ context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	if b.dead.Load() {
		return nil, zkmeta.ErrKilled
	}
	req := r.(*kmsg.LeaderAndISRRequest)
	resp := req.ResponseKind().(*kmsg.LeaderAndISRResponse)
	b.mu.Lock()
	defer b.mu.Unlock()
	if resp.ErrorCode = b.checkEpochs(req.ControllerEpoch, req.BrokerEpoch); resp.ErrorCode != 0 {
		return resp, nil
	}
	for _, ts := range req.TopicStates {
		rt := kmsg.NewLeaderAndISRResponseTopic()
		rt.TopicID = ts.TopicID
		for _, ps := range ts.PartitionStates {
			rp := kmsg.NewLeaderAndISRResponseTopicPartition()
			rp.Topic, rp.Partition = ts.Topic, ps.Partition
			key := tp{ts.Topic, ps.Partition}
			// Kafka's ReplicaManager ignores a state older than the one it has.
			if cur, ok := b.replicas[key]; ok && ps.LeaderEpoch < cur.leaderEpoch {
				rp.ErrorCode = kerr.StaleControllerEpoch.Code
			} else if err := b.createLog(key, ts.TopicID); err != nil {
				b.log.Error("create replica log", "topic", key.topic, "partition", key.part, "err", err)
				rp.ErrorCode = kerr.KafkaStorageError.Code
			} else {
				b.replicas[key] = replicaState{leader: ps.Leader, leaderEpoch: ps.LeaderEpoch}
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

func (b *broker) handleStopReplica(_ context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	if b.dead.Load() {
		return nil, zkmeta.ErrKilled
	}
	req := r.(*kmsg.StopReplicaRequest)
	resp := req.ResponseKind().(*kmsg.StopReplicaResponse)
	b.mu.Lock()
	defer b.mu.Unlock()
	if resp.ErrorCode = b.checkEpochs(req.ControllerEpoch, req.BrokerEpoch); resp.ErrorCode != 0 {
		return resp, nil
	}
	for _, t := range req.Topics {
		for _, ps := range t.PartitionStates {
			rp := kmsg.NewStopReplicaResponsePartition()
			rp.Topic, rp.Partition = t.Topic, ps.Partition
			if ps.Delete {
				delete(b.replicas, tp{t.Topic, ps.Partition})
				if err := b.deleteLog(tp{t.Topic, ps.Partition}); err != nil {
					b.log.Error("delete replica log", "topic", t.Topic, "partition", ps.Partition, "err", err)
					rp.ErrorCode = kerr.KafkaStorageError.Code
				}
			}
			resp.Partitions = append(resp.Partitions, rp)
		}
	}
	return resp, nil
}

// createLog is the log a LeaderAndIsr makes for each partition it names,
// before the broker answers (3.9 ReplicaManager.becomeLeaderOrFollower ->
// makeLeaders/makeFollowers -> Partition.createLogIfNotExists ->
// LogManager.getOrCreateLog; see package replicalog).
func (b *broker) createLog(p tp, topicID [16]byte) error {
	if b.logs == nil {
		return nil
	}
	return b.logs.Create(replicalog.Partition{Topic: p.topic, ID: p.part}, topicID)
}

// deleteLog is StopReplica with delete (ReplicaManager.stopPartitions ->
// LogManager.asyncDelete): renamed at once, removed later.
func (b *broker) deleteLog(p tp) error {
	if b.logs == nil {
		return nil
	}
	return b.logs.Delete(replicalog.Partition{Topic: p.topic, ID: p.part})
}

// hosted returns a copy of the replicas LeaderAndIsr assigned to the broker.
func (b *broker) hosted() map[tp]replicaState {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[tp]replicaState, len(b.replicas))
	for k, v := range b.replicas {
		out[k] = v
	}
	return out
}
