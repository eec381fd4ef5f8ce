package zkmode

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// Controlled shutdown, as a ZooKeeper-mode Kafka broker does it on a clean
// stop (KafkaServer.controlledShutdown and KafkaController.doControlledShutdown).
//
// The broker sends ControlledShutdown to the controller its metadata cache
// names. The controller handles it as one event on its loop: it marks the
// broker shutting down; for every replicated partition the broker leads it
// elects the first replica in assignment order that is live, in the ISR and
// not shutting down, and drops shutting-down brokers from the ISR; for every
// partition it follows it removes it from the ISR (Kafka's OfflineReplica)
// and tells it StopReplica without delete. Each partition's state znode is
// read and then written once (conditioned on its version, in the usual
// epoch-checked multi batches); LeaderAndIsr goes to the replicas and
// UpdateMetadata to every live broker. The answer lists the replicated
// partitions the broker still leads, those with no other eligible replica.
// The broker retries until none remain, up to controlled.shutdown.max.retries
// attempts with controlled.shutdown.retry.backoff.ms before each retry (none
// after the last attempt: 3.9 KafkaServer.controlledShutdown :931-934), then
// stops anyway, as Kafka does. Each attempt asks the controller the broker's
// metadata cache names (metadataCache.getControllerId, :859-880), so one
// that stops before a new controller's first push reaches it dials the old
// controller, fails and waits the backoff.
//
// One difference: the controller answers once every live broker has
// acknowledged the pushes (or after csAckWait), where Kafka answers once they
// are queued. A kraftbench broker exits as soon as the answer comes, where
// Kafka's still takes seconds to stop its log manager and replica fetchers
// while the pushes land; so, as in Kafka, when the broker's stop returns no
// surviving broker still serves it as a leader.

// controlledShutdownVersion is the ControlledShutdown version the broker
// sends (v3: the broker epoch, flexible versions).
const controlledShutdownVersion = 3

// controlledShutdown runs the broker side before a clean stop. It returns
// whether the controller moved every leadership away.
func (n *Node) controlledShutdown() bool {
	if n.cfg.ControlledShutdownDisabled || n.broker == nil || !n.broker.registered.Load() {
		return false
	}
	start := time.Now()
	for attempt := 1; attempt <= n.cfg.ControlledShutdownMaxRetries; attempt++ {
		remaining, err := n.askControlledShutdown()
		if errors.Is(err, errNoZKController) {
			n.log.Info("controlled shutdown skipped: the controller is not a ZooKeeper-mode broker", "err", err)
			return false
		}
		if err == nil && remaining == 0 {
			n.log.Info("controlled shutdown succeeded", "attempt", attempt, "took", time.Since(start))
			return true
		}
		if err == nil {
			err = fmt.Errorf("%d partitions still led by this broker", remaining)
		}
		if attempt == n.cfg.ControlledShutdownMaxRetries {
			n.log.Warn("controlled shutdown attempt failed", "attempt", attempt, "err", err)
			break // Kafka sleeps before each retry, not after the last attempt
		}
		n.log.Warn("controlled shutdown attempt failed; retrying after the backoff", "attempt", attempt,
			"err", err, "backoff", n.cfg.ControlledShutdownRetryBackoff)
		time.Sleep(n.cfg.ControlledShutdownRetryBackoff)
	}
	n.log.Warn("proceeding to do an unclean shutdown as all the controlled shutdown attempts failed",
		"attempts", n.cfg.ControlledShutdownMaxRetries, "took", time.Since(start))
	return false
}

// errNoZKController is a KRaft controller pushing this broker's metadata
// during a migration: Kafka's brokers then tell of their shutdown through
// their lifecycle manager instead (KafkaServer.controlledShutdown returns at
// once when the cache holds a KRaftCachedControllerId).
var errNoZKController = errors.New("the controller is a KRaft controller")

// askControlledShutdown sends one ControlledShutdown to the controller and
// returns how many partitions the broker still leads.
func (n *Node) askControlledShutdown() (int, error) {
	if n.broker.kraftController.Load() {
		// The image's controller id is then a broker picked for clients
		// (clientControllerID), not the controller.
		return 0, fmt.Errorf("%w: it pushes this broker's metadata", errNoZKController)
	}
	img := n.broker.img.Load()
	ctrl := img.ControllerID
	if ctrl < 0 {
		ctrl = n.ctrl.activeID.Load()
	}
	if ctrl < 0 {
		return 0, errors.New("no controller known")
	}
	b, ok := img.Brokers[ctrl]
	if !ok {
		// KafkaServer.controlledShutdown (3.9 :861-876): "Broker
		// registration for controller ... is not available in the metadata
		// cache", and the attempt counts as failed: retried after the
		// backoff, with the cache as the next push leaves it.
		return 0, fmt.Errorf("broker registration for controller %d is not in the metadata cache", ctrl)
	}
	ep, ok := b.EndpointFor(n.cfg.InterBrokerListener)
	if !ok {
		return 0, fmt.Errorf("controller %d has no %s listener", ctrl, n.cfg.InterBrokerListener)
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ControllerSocketTimeout)
	defer cancel()
	conn, err := front.Dial(ctx, net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port))), "broker-"+strconv.Itoa(int(n.cfg.NodeID)))
	if err != nil {
		return 0, fmt.Errorf("reach controller %d: %w", ctrl, err)
	}
	defer conn.Close()
	req := kmsg.NewPtrControlledShutdownRequest()
	req.SetVersion(controlledShutdownVersion)
	req.BrokerID, req.BrokerEpoch = n.cfg.NodeID, n.broker.epoch.Load()
	r, err := conn.Request(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("controlled shutdown request to controller %d: %w", ctrl, err)
	}
	resp := r.(*kmsg.ControlledShutdownResponse)
	if resp.ErrorCode != 0 {
		return 0, fmt.Errorf("controller %d answered %s", ctrl, cluster.ErrorName(resp.ErrorCode))
	}
	return len(resp.PartitionsRemaining), nil
}

// csResult is the controller's answer to one ControlledShutdown.
type csResult struct {
	code      int16
	remaining []tp
}

// handleControlledShutdown serves ControlledShutdown on the broker port; only
// the active controller acts on it (others answer NOT_CONTROLLER). The
// request waits for its event on the controller loop and for the pushes the
// event sent, bounded by controller.socket.timeout.ms.
func (n *Node) handleControlledShutdown(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ControlledShutdownRequest)
	resp := req.ResponseKind().(*kmsg.ControlledShutdownResponse)
	if !n.ctrl.isActive.Load() {
		resp.ErrorCode = kerr.NotController.Code
		return resp, nil
	}
	reply := make(chan csResult, 1)
	n.ctrl.enqueue("ControlledShutdown", func() error {
		return n.ctrl.processControlledShutdown(req.BrokerID, req.BrokerEpoch, reply)
	})
	timer := time.NewTimer(n.cfg.ControllerSocketTimeout)
	defer timer.Stop()
	var res csResult
	select {
	case res = <-reply:
	case <-n.ctrl.done: // the loop stopped before answering (Kafka's preempt)
		res.code = kerr.NotController.Code
	case <-timer.C:
		res.code = kerr.RequestTimedOut.Code
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	resp.ErrorCode = res.code
	for _, p := range res.remaining {
		rp := kmsg.NewControlledShutdownResponsePartitionsRemaining()
		rp.Topic, rp.Partition = p.topic, p.part
		resp.PartitionsRemaining = append(resp.PartitionsRemaining, rp)
	}
	return resp, nil
}

// processControlledShutdown is the ControlledShutdown event, Kafka's
// doControlledShutdown (3.9 KafkaController.scala:1360-1409): mark the
// broker shutting down; elect new leaders for the replicated partitions it
// leads (ControlledShutdownPartitionLeaderElectionStrategy: re-read, elect,
// write); tell it StopReplica (without delete) for those it follows; then
// move its replicas of those to OfflineReplica (re-read, remove it from the
// ISRs that hold it). It answers on reply once the pushes it caused are
// acknowledged (or at once on error).
func (c *controller) processControlledShutdown(id int32, brokerEpoch int64, reply chan<- csResult) error {
	fail := func(code int16) error { reply <- csResult{code: code}; return nil }
	if !c.active {
		return fail(kerr.NotController.Code)
	}
	b, ok := c.cc.brokers[id]
	switch {
	case !ok:
		return fail(kerr.BrokerNotAvailable.Code)
	case brokerEpoch != -1 && brokerEpoch < b.Epoch:
		return fail(kerr.StaleBrokerEpoch.Code)
	}
	c.cc.shuttingDown[id] = true
	led, followed := c.partitionsToActOn(id)
	elections := c.newBatch()
	moved, err := c.electLeaders(led, c.controlledShutdownElection, elections)
	if err != nil {
		reply <- csResult{code: cluster.ErrorCode(err)}
		return err
	}
	stops := c.newBatch()
	for _, p := range followed {
		stops.addStopReplicaKeep(id, p)
	}
	offline := c.newBatch()
	if err := c.offlineReplicas(map[int32][]tp{id: followed}, offline); err != nil {
		reply <- csResult{code: cluster.ErrorCode(err)}
		return err
	}
	remaining := c.ledReplicated(id)
	c.log.Info("controlled shutdown", "broker", id, "led", len(led), "followed", len(followed),
		"moved", moved, "remaining", len(remaining))
	answer := func(r csResult) {
		select { // the first of the acknowledgements and csAckWait answers
		case reply <- r:
		default:
		}
	}
	timer := time.AfterFunc(csAckWait, func() { answer(csResult{remaining: remaining}) })
	sendAll([]*requestBatch{elections, stops, offline}, func(aborted bool) {
		timer.Stop()
		if aborted {
			answer(csResult{code: kerr.NotController.Code})
			return
		}
		answer(csResult{remaining: remaining})
	})
	return nil
}

// csAckWait bounds how long a ControlledShutdown answer waits for the
// brokers' acknowledgements: a broker that died without its session having
// expired yet never acknowledges, and must not hold a shutdown for long.
const csAckWait = 5 * time.Second

// partitionsToActOn splits the partitions hosted on broker id that Kafka's
// doControlledShutdown acts on (more than one replica, a state, topic not
// being deleted) into those it leads and those it follows.
func (c *controller) partitionsToActOn(id int32) (led, followed []tp) {
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		if t.deleting {
			continue
		}
		for i := range t.parts {
			p := &t.parts[i]
			if !p.hasState || len(p.Replicas) < 2 || !slices.Contains(p.Replicas, id) {
				continue
			}
			if p.Leader == id {
				led = append(led, tp{name, p.ID})
			} else {
				followed = append(followed, tp{name, p.ID})
			}
		}
	}
	return led, followed
}

// ledReplicated lists the replicated partitions broker id still leads
// (Kafka's partitionLeadersOnBroker).
func (c *controller) ledReplicated(id int32) []tp {
	var out []tp
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		if t.deleting {
			continue
		}
		for i := range t.parts {
			if p := &t.parts[i]; p.Leader == id && len(p.Replicas) > 1 {
				out = append(out, tp{name, p.ID})
			}
		}
	}
	return out
}
