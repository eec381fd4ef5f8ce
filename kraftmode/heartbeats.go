package kraftmode

import (
	"math"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka's broker control states and the controlled-shutdown gate, as the
// active controller's BrokerHeartbeatManager keeps them
// (metadata/.../controller/BrokerHeartbeatManager.java at 3.9,
// calculateNextBrokerState :534-611, touch :385-402, lowestActiveOffset
// :405-412) and ReplicationControlManager.processBrokerHeartbeat applies
// them (:1535-1570):
//
//   - FENCED: wantShutDown is granted at once (SHUTDOWN_NOW); otherwise the
//     broker is unfenced once it asks (wantFence false) and its reported
//     offset has reached its RegisterBrokerRecord.
//   - UNFENCED: wantFence fences it (SHUTDOWN_NOW too if it also wants to
//     shut down); wantShutDown alone enters CONTROLLED_SHUTDOWN when it
//     leads a partition (its leaderships and ISR places move to other
//     active brokers), SHUTDOWN_NOW when it leads nothing.
//   - CONTROLLED_SHUTDOWN: SHUTDOWN_NOW (which fences it) only once it
//     leads nothing and the lowest metadata offset reported in the
//     heartbeats of the active brokers (unfenced, not shutting down) has
//     reached its controlled-shutdown offset, the end offset of the batch
//     that started it (QuorumController.processBrokerHeartbeat's
//     processBatchEndOffset, :2233-2238). So the other brokers have applied
//     the leadership moves before the broker goes.
//
// The state is in memory on the active controller, rebuilt empty on each
// activation (every broker then reports afresh), as Kafka's is.
// kraftbench's BrokerRegistrationChangeRecord has no inControlledShutdown
// field, so a controller that takes over mid-shutdown sees an unfenced
// broker asking to shut down, and re-decides from its leaderships.

// brokerControlState is Kafka's BrokerControlState.
type brokerControlState int8

const (
	stateFenced brokerControlState = iota
	stateUnfenced
	stateControlledShutdown
	stateShutdownNow
)

// brokerHeartbeats is the active controller's view of its brokers'
// heartbeats. Guarded by controller.mu.
type brokerHeartbeats struct {
	// reported is each broker's currentMetadataOffset from its last
	// heartbeat to this controller (Kafka's BrokerHeartbeatState.metadataOffset).
	reported map[int32]int64
	// shutdownOffsets holds the brokers in controlled shutdown, with the
	// offset of the records that started it (math.MaxInt64 until they
	// commit).
	shutdownOffsets map[int32]int64
}

func (h *brokerHeartbeats) reset() {
	h.reported, h.shutdownOffsets = map[int32]int64{}, map[int32]int64{}
}

func (c *controller) inShutdownLocked(id int32) bool {
	_, ok := c.hb.shutdownOffsets[id]
	return ok
}

// nextBrokerState is calculateNextBrokerState plus the records of the
// transition. Called under c.mu with the pending state.
func (c *controller) nextBrokerState(st *metaState, req *kmsg.BrokerHeartbeatRequest, epoch int64) (brokerControlState, []Record) {
	id := req.BrokerID
	b := st.img.Brokers[id]
	switch {
	case b.Fenced:
		switch {
		case req.WantShutdown:
			return stateShutdownNow, nil
		case !req.WantFence && req.CurrentMetadataOffset >= epoch:
			return stateUnfenced, unfenceRecords(st, id, epoch)
		}
		return stateFenced, nil
	case c.inShutdownLocked(id):
		if leadsAny(st, id) || c.hb.shutdownOffsets[id] > c.lowestActiveOffsetLocked(st) {
			return stateControlledShutdown, nil
		}
		return stateShutdownNow, c.fenceLocked(st, id, epoch)
	case req.WantFence:
		if req.WantShutdown {
			return stateShutdownNow, c.fenceLocked(st, id, epoch)
		}
		return stateFenced, c.fenceLocked(st, id, epoch)
	case req.WantShutdown:
		if !leadsAny(st, id) {
			return stateShutdownNow, c.fenceLocked(st, id, epoch)
		}
		c.hb.shutdownOffsets[id] = math.MaxInt64
		return stateControlledShutdown, leaveRecords(st, id, c.inShutdownLocked)
	}
	return stateUnfenced, nil
}

// fenceLocked is fenceRecords with brokers in controlled shutdown kept
// out of the new leaders.
func (c *controller) fenceLocked(st *metaState, id int32, epoch int64) []Record {
	recs := []Record{&BrokerRegistrationChangeRecord{BrokerID: id, BrokerEpoch: epoch, Fenced: FenceFenced}}
	return append(recs, leaveRecords(st, id, c.inShutdownLocked)...)
}

// touchLocked records a heartbeat's offset; a fenced broker leaves
// controlled shutdown (BrokerHeartbeatManager.touch).
func (c *controller) touchLocked(id int32, next brokerControlState, offset int64) {
	c.hb.reported[id] = offset
	if next == stateFenced || next == stateShutdownNow {
		delete(c.hb.shutdownOffsets, id)
	}
}

// setShutdownOffset records the committed offset of the records that put
// broker id in controlled shutdown, if it is still in it.
func (c *controller) setShutdownOffset(id int32, offset int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.hb.shutdownOffsets[id]; ok && cur == math.MaxInt64 {
		c.hb.shutdownOffsets[id] = offset
	}
}

// lowestActiveOffsetLocked is the lowest offset reported by an unfenced
// broker not in controlled shutdown; -1 for one that has not heartbeated to
// this controller yet, and MaxInt64 when there is no active broker.
func (c *controller) lowestActiveOffsetLocked(st *metaState) int64 {
	lowest := int64(math.MaxInt64)
	for id, b := range st.img.Brokers {
		if b.Fenced || c.inShutdownLocked(id) {
			continue
		}
		off, ok := c.hb.reported[id]
		if !ok {
			off = -1
		}
		lowest = min(lowest, off)
	}
	return lowest
}

// leadsAny reports whether broker id leads a partition in st.
func leadsAny(st *metaState, id int32) bool {
	for _, t := range st.img.Topics {
		for _, p := range t.Partitions {
			if p.Leader == id {
				return true
			}
		}
	}
	return false
}
