package zkmode

import (
	"slices"

	"github.com/kraftbench/kraftbench/cluster"
)

// ctxPartition is a partition as the controller knows it (Kafka's
// ControllerContext): its assignment, the content of its state znode and the
// znode's version, which conditions the next write.
type ctxPartition struct {
	cluster.Partition
	controllerEpoch int32
	zkVersion       int32
	hasState        bool // false for a NewPartition: no state znode yet
}

// ctxTopic is a topic in the controller's context.
type ctxTopic struct {
	name     string
	id       cluster.TopicID
	parts    []ctxPartition
	deleting bool // queued in /admin/delete_topics
}

// controllerContext is what the active controller holds in memory: the live
// brokers and every topic with its partition states. Only the event loop
// touches it.
type controllerContext struct {
	brokers map[int32]*cluster.Broker
	topics  map[string]*ctxTopic
	// shuttingDown are live brokers in a controlled shutdown (Kafka's
	// shuttingDownBrokerIds): still sent pushes, never chosen as leaders.
	shuttingDown map[int32]bool
}

func newControllerContext() *controllerContext {
	return &controllerContext{brokers: map[int32]*cluster.Broker{}, topics: map[string]*ctxTopic{}, shuttingDown: map[int32]bool{}}
}

// canLead says whether broker id may be elected leader: live and not
// shutting down.
func (cc *controllerContext) canLead(id int32) bool {
	return cc.isLive(id) && !cc.shuttingDown[id]
}

func (cc *controllerContext) isLive(id int32) bool {
	_, ok := cc.brokers[id]
	return ok
}

func (cc *controllerContext) liveIDs() []int32 {
	ids := make([]int32, 0, len(cc.brokers))
	for id := range cc.brokers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (cc *controllerContext) liveBrokers() []*cluster.Broker {
	out := make([]*cluster.Broker, 0, len(cc.brokers))
	for _, id := range cc.liveIDs() {
		out = append(out, cc.brokers[id])
	}
	return out
}

func (cc *controllerContext) partition(p tp) *ctxPartition {
	t, ok := cc.topics[p.topic]
	if !ok || int(p.part) >= len(t.parts) {
		return nil
	}
	return &t.parts[p.part]
}

func (cc *controllerContext) partitionCount() int {
	n := 0
	for _, t := range cc.topics {
		n += len(t.parts)
	}
	return n
}

// liveReplicas returns the replicas of p on live brokers, in assignment order.
func (cc *controllerContext) liveReplicas(p *ctxPartition) []int32 {
	out := make([]int32, 0, len(p.Replicas))
	for _, r := range p.Replicas {
		if cc.isLive(r) {
			out = append(out, r)
		}
	}
	return out
}

// sortedTopicNames returns the context's topic names in order, so pushes and
// znode writes happen in a stable order.
func (cc *controllerContext) sortedTopicNames() []string {
	names := make([]string, 0, len(cc.topics))
	for n := range cc.topics {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
