package zkmeta

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// KRaftPusher sends a KRaft controller's metadata to the ZooKeeper-mode
// brokers while a migration is in its dual-write phase (Kafka's
// MigrationPropagator): UpdateMetadata and LeaderAndIsr as a ZooKeeper-mode
// controller would send them, stamped with the ZooKeeper controller epoch the
// KRaft controller claimed and IsKRaftController set. Methods are not safe
// for concurrent use: one migration driver owns the pusher.
type KRaftPusher struct {
	controllerID int32
	listener     string // inter.broker.listener.name: the brokers' listener for pushes
	timeout      time.Duration
	conns        map[int32]*front.Conn
}

// NewKRaftPusher returns a pusher for KRaft controller controllerID that
// reaches brokers on their listener named listener (the first endpoint when
// they have none of that name).
func NewKRaftPusher(controllerID int32, listener string, timeout time.Duration) *KRaftPusher {
	if timeout <= 0 {
		timeout = DefaultControllerSocketTimeout
	}
	return &KRaftPusher{controllerID: controllerID, listener: listener, timeout: timeout, conns: map[int32]*front.Conn{}}
}

// Close closes the connections to the brokers.
func (p *KRaftPusher) Close() {
	for id, c := range p.conns {
		c.Close()
		delete(p.conns, id)
	}
}

// PushSet is what one push carries: the image, the topics to send (nil with
// Full: all of them) and the topics deleted since the last push.
type PushSet struct {
	Image   *cluster.Image
	Full    bool
	Changed []string
	Deleted []*cluster.Topic
}

// Push sends set to every broker of brokers (the ZooKeeper-mode brokers,
// with the broker epochs of their registrations) concurrently and waits for
// the answers: one UpdateMetadata to each, and a LeaderAndIsr to each that
// hosts a replica among the topics sent. A broker that does not answer
// within the timeout is reported in the error; the caller retries.
func (p *KRaftPusher) Push(ctx context.Context, brokers map[int32]*cluster.Broker, epoch int32, set PushSet) error {
	ids := slices.Sorted(func(yield func(int32) bool) {
		for id := range brokers {
			if !yield(id) {
				return
			}
		}
	})
	conns := make([]*front.Conn, len(ids))
	errs := make([]error, len(ids))
	for i, id := range ids {
		conns[i] = p.conns[id]
		delete(p.conns, id)
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns[i], errs[i] = p.pushOne(ctx, conns[i], brokers[id], epoch, set)
		}()
	}
	wg.Wait()
	for i, id := range ids {
		if conns[i] != nil {
			p.conns[id] = conns[i]
		}
		if errs[i] != nil {
			errs[i] = fmt.Errorf("push to broker %d: %w", id, errs[i])
		}
	}
	return errors.Join(errs...)
}

func (p *KRaftPusher) pushOne(ctx context.Context, conn *front.Conn, b *cluster.Broker, epoch int32, set PushSet) (*front.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if conn == nil {
		ep, ok := b.EndpointFor(p.listener)
		if !ok {
			return nil, errors.New("no endpoint")
		}
		var err error
		conn, err = front.Dial(ctx, ep.Host+":"+strconv.Itoa(int(ep.Port)), "kraft-controller-"+strconv.Itoa(int(p.controllerID)))
		if err != nil {
			return nil, err
		}
	}
	var reqs []kmsg.Request
	if lai := p.leaderAndIsr(b, epoch, set); lai != nil { // not a typed nil in the slice
		reqs = append(reqs, lai)
	}
	reqs = append(reqs, p.updateMetadata(b, epoch, set))
	for _, req := range reqs {
		resp, err := conn.Request(ctx, req)
		if err != nil {
			conn.Close()
			return nil, err
		}
		code := int16(0)
		switch r := resp.(type) {
		case *kmsg.UpdateMetadataResponse:
			code = r.ErrorCode
		case *kmsg.LeaderAndISRResponse:
			code = r.ErrorCode
		}
		if code != 0 {
			return conn, fmt.Errorf("%s refused: %s", kmsg.NameForKey(req.Key()), cluster.ErrorName(code))
		}
	}
	return conn, nil
}

func (p *KRaftPusher) topics(set PushSet) []*cluster.Topic {
	if set.Full {
		out := make([]*cluster.Topic, 0, len(set.Image.Topics))
		for _, n := range set.Image.TopicNames() {
			out = append(out, set.Image.Topics[n])
		}
		return out
	}
	out := make([]*cluster.Topic, 0, len(set.Changed))
	for _, n := range set.Changed {
		if t, ok := set.Image.Topics[n]; ok {
			out = append(out, t)
		}
	}
	return out
}

func (p *KRaftPusher) updateMetadata(b *cluster.Broker, epoch int32, set PushSet) *kmsg.UpdateMetadataRequest {
	req := kmsg.NewPtrUpdateMetadataRequest()
	req.SetVersion(UpdateMetadataVersion)
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = p.controllerID, epoch, b.Epoch
	req.IsKRaftController = true
	var live []*cluster.Broker
	for _, id := range set.Image.LiveBrokerIDs() {
		live = append(live, set.Image.Brokers[id])
	}
	req.LiveBrokers = LiveBrokers(live)
	if set.Full {
		SetUpdateMetadataType(req, UpdateMetadataFull)
	} else {
		SetUpdateMetadataType(req, UpdateMetadataIncrement)
	}
	for _, t := range p.topics(set) {
		ts := kmsg.NewUpdateMetadataRequestTopicState()
		ts.Topic, ts.TopicID = t.Name, t.ID
		for _, part := range t.Partitions {
			ts.PartitionStates = append(ts.PartitionStates, UpdateMetadataPartition(part, epoch, 0, false))
		}
		req.TopicStates = append(req.TopicStates, ts)
	}
	for _, t := range set.Deleted {
		ts := kmsg.NewUpdateMetadataRequestTopicState()
		ts.Topic, ts.TopicID = t.Name, t.ID
		for _, part := range t.Partitions {
			ts.PartitionStates = append(ts.PartitionStates, UpdateMetadataPartition(part, epoch, 0, true))
		}
		req.TopicStates = append(req.TopicStates, ts)
	}
	return req
}

// leaderAndIsr is the LeaderAndIsr for the replicas broker b hosts among
// the topics sent, nil when it hosts none.
func (p *KRaftPusher) leaderAndIsr(b *cluster.Broker, epoch int32, set PushSet) *kmsg.LeaderAndISRRequest {
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.SetVersion(7) // v7: IsKRaftController
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = p.controllerID, epoch, b.Epoch
	req.IsKRaftController = true
	if set.Full {
		req.Type = 1
	}
	leaders := map[int32]bool{}
	for _, t := range p.topics(set) {
		ts := kmsg.NewLeaderAndISRRequestTopicState()
		ts.Topic, ts.TopicID = t.Name, t.ID
		for _, part := range t.Partitions {
			if !slices.Contains(part.Replicas, b.ID) {
				continue
			}
			ts.PartitionStates = append(ts.PartitionStates, LeaderAndIsrPartition(part, epoch, 0, false))
			leaders[part.Leader] = true
		}
		if len(ts.PartitionStates) > 0 {
			req.TopicStates = append(req.TopicStates, ts)
		}
	}
	if len(req.TopicStates) == 0 {
		return nil
	}
	for _, lid := range slices.Sorted(maps.Keys(leaders)) {
		if br, ok := set.Image.Brokers[lid]; ok {
			ll := kmsg.NewLeaderAndISRRequestLiveLeader()
			ll.BrokerID = lid
			if ep, ok := br.Addr(); ok {
				ll.Host, ll.Port = ep.Host, ep.Port
			}
			req.LiveLeaders = append(req.LiveLeaders, ll)
		}
	}
	return req
}
