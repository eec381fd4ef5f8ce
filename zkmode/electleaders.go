package zkmode

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// ElectLeaders(PREFERRED) as a Kafka 3.9 ZooKeeper-mode broker and its
// controller answer it.
//
// The broker (core/src/main/scala/kafka/server/KafkaApis.scala
// handleElectLeaders) turns a null TopicPartitions into every partition of
// its metadata cache and hands the set to the controller through
// ReplicaManager.electLeaders. The controller's ReplicaLeaderElection event
// (core/src/main/scala/kafka/controller/KafkaController.scala
// processReplicaLeaderElection, :2201-2273) answers NOT_CONTROLLER for every
// partition when it is not active; otherwise a partition it does not know is
// UNKNOWN_TOPIC_OR_PARTITION, one of a topic being deleted
// INVALID_TOPIC_EXCEPTION, one already led by its preferred replica
// ELECTION_NOT_NEEDED, and the rest go through onReplicaElection (the
// preferred strategy, as in rebalance.go); a failed election is
// PREFERRED_LEADER_NOT_AVAILABLE. The broker then waits, in
// DelayedElectLeader (core/.../server/DelayedElectLeader.scala), until its
// own metadata cache shows each elected leader, or the request's timeout
// (REQUEST_TIMED_OUT for those still waiting). A non-controller broker gets
// NOT_CONTROLLER from its own controller object, so the broker that waits is
// the controller: kraftbench waits for the controller's own broker to
// acknowledge the election's pushes (requestBatch.sendWatching). For a null
// request the answer leaves out the ELECTION_NOT_NEEDED partitions, and so
// the topics with nothing else to say.

var _ cluster.LeaderElector = (*Node)(nil)

// electionNotNeededMessage is ELECTION_NOT_NEEDED's message in Kafka 3.9
// (clients/.../protocol/Errors.java), which new ApiError(error) carries.
const electionNotNeededMessage = "Leader election not needed for topic partition."

// ElectPreferredLeaders implements cluster.LeaderElector as described above.
func (n *Node) ElectPreferredLeaders(ctx context.Context, parts []cluster.TopicPartitions) ([]cluster.TopicElection, error) {
	all := parts == nil
	if all {
		parts = everyPartition(n.Image())
	}
	asked := distinctPartitions(parts) // Kafka's Set[TopicPartition]
	reply := make(chan map[tp]cluster.PartitionElection, 1)
	n.ctrl.enqueue("ReplicaLeaderElection", func() error {
		return n.ctrl.processReplicaLeaderElection(asked, reply)
	})
	var got map[tp]cluster.PartitionElection
	select {
	case got = <-reply:
	case <-n.ctrl.done: // the loop stopped before answering
		got = sameForAll(asked, kerr.NotController.Code, "")
	case <-ctx.Done():
		got = sameForAll(asked, kerr.RequestTimedOut.Code, "")
	}
	var out []cluster.TopicElection
	index := map[string]int{}
	for _, p := range asked {
		r := got[p]
		if all && r.Code == kerr.ElectionNotNeeded.Code {
			continue
		}
		i, ok := index[p.topic]
		if !ok {
			i = len(out)
			index[p.topic] = i
			out = append(out, cluster.TopicElection{Topic: p.topic})
		}
		out[i].Partitions = append(out[i].Partitions, r)
	}
	return out, nil
}

// processReplicaLeaderElection is the controller's ReplicaLeaderElection
// event for an admin request (see the file comment). It answers on reply
// once the controller's own broker has applied the elections' pushes.
func (c *controller) processReplicaLeaderElection(parts []tp, reply chan<- map[tp]cluster.PartitionElection) error {
	if !c.active {
		reply <- sameForAll(parts, kerr.NotController.Code, "")
		return nil
	}
	out := make(map[tp]cluster.PartitionElection, len(parts))
	var electable []tp
	for _, p := range parts {
		r := cluster.PartitionElection{Partition: p.part}
		var cp *ctxPartition
		if p.part >= 0 {
			cp = c.cc.partition(p)
		}
		switch {
		case cp == nil:
			r.Code, r.Message = kerr.UnknownTopicOrPartition.Code, "The partition does not exist."
		case c.cc.topics[p.topic].deleting:
			r.Code, r.Message = kerr.InvalidTopicException.Code, "The topic is being deleted"
		case cp.hasState && len(cp.Replicas) > 0 && cp.Leader == cp.Replicas[0]:
			r.Code, r.Message = kerr.ElectionNotNeeded.Code, electionNotNeededMessage
		default:
			electable = append(electable, p)
		}
		out[p] = r
	}
	b, err := c.electPreferred(electable)
	if err != nil {
		code := cluster.ErrorCode(err)
		if errors.Is(err, errControllerMoved) {
			code = kerr.NotController.Code // ControllerMovedException's ApiError
		}
		for _, p := range electable {
			out[p] = cluster.PartitionElection{Partition: p.part, Code: code, Message: err.Error()}
		}
		reply <- out
		return err
	}
	var elected []tp
	for _, p := range electable {
		if countPreferred(c.cc, []tp{p}) == 1 {
			elected = append(elected, p)
			continue
		}
		out[p] = cluster.PartitionElection{Partition: p.part, Code: kerr.PreferredLeaderNotAvailable.Code,
			Message: fmt.Sprintf("Failed to elect leader for partition %s-%d under strategy PreferredReplicaPartitionLeaderElectionStrategy", p.topic, p.part)}
	}
	b.sendWatching(c.id, func(aborted bool) {
		if aborted { // this controller resigned before its broker applied them
			for _, p := range elected {
				out[p] = cluster.PartitionElection{Partition: p.part, Code: kerr.NotController.Code}
			}
		}
		reply <- out
	})
	return nil
}

// everyPartition lists every partition of img, topics in name order.
func everyPartition(img *cluster.Image) []cluster.TopicPartitions {
	var out []cluster.TopicPartitions
	for _, name := range img.TopicNames() {
		t := cluster.TopicPartitions{Topic: name}
		for _, p := range img.Topics[name].Partitions {
			t.Partitions = append(t.Partitions, p.ID)
		}
		out = append(out, t)
	}
	return out
}

// distinctPartitions flattens parts, in order, without repeats.
func distinctPartitions(parts []cluster.TopicPartitions) []tp {
	seen := map[tp]bool{}
	var out []tp
	for _, t := range parts {
		for _, id := range t.Partitions {
			if p := (tp{t.Topic, id}); !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func sameForAll(parts []tp, code int16, msg string) map[tp]cluster.PartitionElection {
	out := make(map[tp]cluster.PartitionElection, len(parts))
	for _, p := range parts {
		out[p] = cluster.PartitionElection{Partition: p.part, Code: code, Message: msg}
	}
	return out
}
