package zkmode

import (
	"errors"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// maxOpsPerMulti bounds one multi of the benchmarks' populate helper and of
// the migration writer; 100 partitions (p and p/state znodes) keep a request
// far below ZooKeeper's 1 MB jute.maxbuffer. The controller itself writes
// one znode per transaction, as Kafka's does.
const maxOpsPerMulti = 200

// initPartitions moves New partitions (no state znode) to Online (Kafka's
// ZkPartitionStateMachine.initializeLeaderAndIsrForPartitions, 3.9
// PartitionStateMachine.scala:256-304): the leader is the first live
// replica, the ISR the live replicas, the leader epoch 0; partitions
// without a live replica stay New. The znodes are written as
// KafkaZkClient.createTopicPartitionStatesRaw writes them
// (KafkaZkClient.scala:314-323, 1937-1951): three waves, each znode its own
// epoch-checked create, pipelined within a wave: every topic's
// /partitions, then every /partitions/<p>, then every /partitions/<p>/state.
// The first two waves' answers are not checked (a znode left by an earlier
// controller is fine). The LeaderAndIsr (to the ISR, isNew) and
// UpdateMetadata (to every live broker) of the partitions brought online
// are added to b; they are returned.
func (c *controller) initPartitions(parts []tp, b *requestBatch) ([]tp, error) {
	var topicOps, partOps, stateOps []zkmeta.Op
	var states []tp
	topics := map[string]bool{}
	for _, p := range parts {
		cp := c.cc.partition(p)
		if cp == nil || cp.hasState || c.cc.topics[p.topic].deleting {
			continue
		}
		live := c.cc.liveReplicas(cp)
		if len(live) == 0 {
			c.log.Warn("partition has no live replica, stays new", "topic", p.topic, "partition", p.part)
			continue
		}
		cp.Leader, cp.ISR, cp.LeaderEpoch, cp.controllerEpoch = live[0], live, 0, c.epoch
		if !topics[p.topic] {
			topics[p.topic] = true
			topicOps = append(topicOps, zkmeta.Op{Kind: zkmeta.OpCreate, Path: zkmeta.PartitionsPath(p.topic)})
		}
		partOps = append(partOps, zkmeta.Op{Kind: zkmeta.OpCreate, Path: zkmeta.PartitionPath(p.topic, p.part)})
		stateOps = append(stateOps, zkmeta.Op{Kind: zkmeta.OpCreate, Path: zkmeta.StatePath(p.topic, p.part), Data: zkmeta.EncodeState(cp.Leader, 0, cp.ISR, c.epoch)})
		states = append(states, p)
	}
	if len(states) == 0 {
		return nil, nil
	}
	for _, wave := range [][]zkmeta.Op{topicOps, partOps} {
		if _, err := c.cwriteEach(wave); err != nil {
			return nil, err
		}
	}
	res, err := c.cwriteEach(stateOps)
	if err != nil {
		return nil, err
	}
	live := c.cc.liveIDs()
	var done []tp
	for i, p := range states {
		cp := c.cc.partition(p)
		switch {
		case res[i].err == nil:
			cp.hasState, cp.zkVersion = true, 0
		case errors.Is(res[i].err, zk.ErrNodeExists):
			// Another controller wrote it first (Kafka logs a failed state
			// change and leaves the partition New); adopt what it wrote.
			if _, err := c.readPartitionStates([]tp{p}); err != nil {
				return nil, err
			}
		default:
			c.log.Warn("partition state creation failed", "topic", p.topic, "partition", p.part, "err", res[i].err)
			continue
		}
		b.addLeaderAndIsr(cp.ISR, p, true)
		b.addUpdateMetadata(live, p)
		done = append(done, p)
	}
	return done, nil
}
