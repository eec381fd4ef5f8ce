package kraftmode

import (
	"context"
	"slices"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// registerBroker handles BrokerRegistration on the active controller. A new
// registration commits a fenced RegisterBrokerRecord; the broker epoch is the
// offset it commits at. A different incarnation of a broker whose session is
// still alive is refused (DUPLICATE_BROKER_REGISTRATION), as in Kafka; a
// re-registration of a live broker fences it first, so it leads nothing
// until it is unfenced again.
func (c *controller) registerBroker(ctx context.Context, req *kmsg.BrokerRegistrationRequest, clusterID string) (int64, int16) {
	if req.ClusterID != clusterID {
		return -1, kerr.InconsistentClusterID.Code
	}
	code := int16(0)
	off, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		old, registered := st.img.Brokers[req.BrokerID]
		if registered && st.incarnations[req.BrokerID] != req.IncarnationID && !old.Fenced &&
			time.Since(c.sessions[req.BrokerID]) < c.cfg.SessionTimeout {
			code = kerr.DuplicateBrokerRegistration.Code
			return nil, nil
		}
		rec := &RegisterBrokerRecord{BrokerID: req.BrokerID, IncarnationID: req.IncarnationID,
			BrokerEpoch: -1, Fenced: true}
		if req.Rack != nil {
			rec.Rack = *req.Rack
		}
		for _, l := range req.Listeners {
			rec.Endpoints = append(rec.Endpoints, BrokerEndpoint{Name: l.Name, Host: l.Host, Port: int32(l.Port)})
		}
		var recs []Record
		if registered && !old.Fenced {
			recs = c.fenceLocked(st, req.BrokerID, old.Epoch)
		}
		c.sessions[req.BrokerID] = time.Now()
		return append(recs, rec), nil
	})
	if err != nil {
		return -1, cluster.ErrorCode(err)
	}
	if code != 0 {
		return -1, code
	}
	return off, 0
}

// heartbeat handles BrokerHeartbeat on the active controller: it renews the
// broker's session, records the metadata offset the broker reports, and
// moves it between Kafka's broker control states (see nextBrokerState). The
// answer waits for the records of a change to commit.
func (c *controller) heartbeat(ctx context.Context, req *kmsg.BrokerHeartbeatRequest) *kmsg.BrokerHeartbeatResponse {
	resp := kmsg.NewPtrBrokerHeartbeatResponse()
	resp.IsFenced = true
	if !c.isActive() {
		// A standby's image may lag the registration the active controller
		// just committed: it must not judge the broker epoch.
		resp.ErrorCode = kerr.NotController.Code
		return resp
	}
	committed, _, ok := c.fsm.committedBroker(req.BrokerID)
	switch {
	case !ok:
		resp.ErrorCode = kerr.BrokerIDNotRegistered.Code
		return resp
	case committed.Epoch != req.BrokerEpoch:
		resp.ErrorCode = kerr.StaleBrokerEpoch.Code
		return resp
	}
	var next brokerControlState
	off, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		if _, ok := st.img.Brokers[req.BrokerID]; !ok {
			return nil, cluster.Errorf(kerr.BrokerIDNotRegistered, "broker %d", req.BrokerID)
		}
		c.sessions[req.BrokerID] = time.Now()
		var recs []Record
		next, recs = c.nextBrokerState(st, req, committed.Epoch)
		c.touchLocked(req.BrokerID, next, req.CurrentMetadataOffset)
		return recs, nil
	})
	if err != nil {
		c.mu.Lock()
		delete(c.hb.shutdownOffsets, req.BrokerID) // the records that would have started it did not commit
		c.mu.Unlock()
		resp.ErrorCode = cluster.ErrorCode(err)
		return resp
	}
	if next == stateControlledShutdown {
		c.setShutdownOffset(req.BrokerID, off)
	}
	resp.IsCaughtUp = req.CurrentMetadataOffset >= committed.Epoch
	resp.IsFenced = next == stateFenced || next == stateShutdownNow
	resp.ShouldShutdown = next == stateShutdownNow
	return resp
}

// expireSessions fences every unfenced broker whose last heartbeat is older
// than broker.session.timeout.ms.
func (c *controller) expireSessions(ctx context.Context) {
	c.mu.Lock()
	var expired []int32
	if c.active {
		for id, b := range c.pending.img.Brokers {
			if !b.Fenced && time.Since(c.sessions[id]) > c.cfg.SessionTimeout {
				expired = append(expired, id)
			}
		}
	}
	c.mu.Unlock()
	slices.Sort(expired)
	for _, id := range expired {
		_, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
			b, ok := st.img.Brokers[id]
			if !ok || b.Fenced || time.Since(c.sessions[id]) <= c.cfg.SessionTimeout {
				return nil, nil
			}
			c.log.Info("fencing broker: session expired", "broker", id, "last_heartbeat", c.sessions[id])
			committed, _, _ := c.fsm.committedBroker(id)
			return c.fenceLocked(st, id, committed.Epoch), nil
		})
		if err != nil {
			c.log.Info("could not fence broker", "broker", id, "err", err)
		}
	}
}

// fenceRecords fences broker id: a BrokerRegistrationChangeRecord, and the
// leaveRecords taking it out of every ISR and leadership.
func fenceRecords(st *metaState, id int32, epoch int64) []Record {
	recs := []Record{&BrokerRegistrationChangeRecord{BrokerID: id, BrokerEpoch: epoch, Fenced: FenceFenced}}
	return append(recs, leaveRecords(st, id, nil)...)
}

// leaveRecords is a PartitionChangeRecord for every partition whose ISR
// holds broker id: it leaves the ISR (unless it is the last member, which
// Kafka keeps), and where it led, leadership moves to the first other live
// ISR member in replica order that is not excluded (brokers in controlled
// shutdown are not eligible, as in Kafka), or to -1 when there is none. The
// leader epoch is bumped by the change.
func leaveRecords(st *metaState, id int32, excluded func(int32) bool) []Record {
	var recs []Record
	live := func(b int32) bool {
		x, ok := st.img.Brokers[b]
		return ok && !x.Fenced && b != id && (excluded == nil || !excluded(b))
	}
	for _, name := range st.img.TopicNames() {
		t := st.img.Topics[name]
		for _, p := range t.Partitions {
			if !slices.Contains(p.ISR, id) {
				continue
			}
			ch := &PartitionChangeRecord{PartitionID: p.ID, TopicID: t.ID, Leader: NoLeaderChange}
			if isr := without(p.ISR, id); len(isr) > 0 {
				ch.ISR = isr
			}
			if p.Leader == id {
				ch.Leader = cluster.NoLeader
				for _, r := range p.Replicas {
					if slices.Contains(p.ISR, r) && live(r) {
						ch.Leader = r
						break
					}
				}
			}
			if ch.ISR != nil || ch.Leader != NoLeaderChange {
				recs = append(recs, ch)
			}
		}
	}
	return recs
}

// unfenceRecords unfences broker id. Where a partition has no leader and id
// is in its ISR, id becomes the leader, and its unfenced replicas outside the
// ISR rejoin it. Where the partition has a leader and
// id is a replica outside the ISR, id rejoins the ISR: kraftbench has no data
// plane, so a returning follower is caught up at once (in Kafka the leader
// would send AlterPartition once the follower caught up).
func unfenceRecords(st *metaState, id int32, epoch int64) []Record {
	recs := []Record{&BrokerRegistrationChangeRecord{BrokerID: id, BrokerEpoch: epoch, Fenced: FenceUnfenced}}
	for _, name := range st.img.TopicNames() {
		t := st.img.Topics[name]
		for _, p := range t.Partitions {
			if !slices.Contains(p.Replicas, id) {
				continue
			}
			if p.IsReassigning() && !slices.Contains(p.ISR, id) || p.IsReassigning() && p.Leader == cluster.NoLeader {
				// Every ISR change goes through PartitionChangeBuilder, so
				// one that brings a reassignment's last new replica in
				// completes it (reassign.go); otherwise the move would wait
				// for a catch-up its broker never sends (already in the ISR).
				active := func(r int32) bool {
					b, ok := st.img.Brokers[r]
					return ok && (!b.Fenced || r == id)
				}
				isr := slices.Clone(p.ISR)
				if !slices.Contains(isr, id) {
					isr = append(isr, id)
				}
				if ch := buildChange(t.ID, p, isr, nil, nil, nil, active); ch != nil {
					recs = append(recs, ch)
				}
				continue
			}
			switch {
			case p.Leader == cluster.NoLeader && slices.Contains(p.ISR, id):
				ch := &PartitionChangeRecord{PartitionID: p.ID, TopicID: t.ID, Leader: id}
				// Unfenced replicas left out while it had no leader are
				// caught up too, and would have no other chance to rejoin.
				isr := slices.Clone(p.ISR)
				for _, r := range p.Replicas {
					if b, ok := st.img.Brokers[r]; ok && !b.Fenced && !slices.Contains(isr, r) {
						isr = append(isr, r)
					}
				}
				if len(isr) > len(p.ISR) {
					ch.ISR = isr
				}
				recs = append(recs, ch)
			case p.Leader != cluster.NoLeader && !slices.Contains(p.ISR, id):
				isr := append(slices.Clone(p.ISR), id)
				recs = append(recs, &PartitionChangeRecord{PartitionID: p.ID, TopicID: t.ID, ISR: isr, Leader: NoLeaderChange})
			}
		}
	}
	return recs
}

func without(vs []int32, x int32) []int32 {
	out := make([]int32, 0, len(vs))
	for _, v := range vs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
