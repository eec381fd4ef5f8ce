package zkmode

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// TestNewControllerResumesAMoveAndHoldsItsDeletion records a move to a
// broker that is down in the topic znode (as a controller that died after
// U1 leaves it), fails the controller over, and checks what Kafka 3.9
// does: the new controller resumes the move (initializePartitionReassignments,
// KafkaController.scala:913-928) and it stays in progress while its new
// replica's broker is down; a DeleteTopics of the topic waits (the topic is
// ineligible for deletion and gets no UpdateMetadata, so brokers keep
// serving it: TopicDeletionManager.scala:317-353) and times out, and a
// CreatePartitions of it is REASSIGNMENT_IN_PROGRESS; once the
// broker returns the move completes and the deletion with it.
func TestNewControllerResumesAMoveAndHoldsItsDeletion(t *testing.T) {
	c := newTestCluster(t, 3)
	c.ready()
	mustCreate(t, c.active(), cluster.TopicSpec{Name: "mv", NumPartitions: -1, ReplicationFactor: -1,
		Assignment: map[int32][]int32{0: {1, 2}}})
	c.waitConverged(10 * time.Second)
	c.stop(3)
	first := c.waitActive(10 * time.Second)
	a := first.cfg.NodeID
	b := int32(3 - a) // the other of brokers 1 and 2
	target := []int32{b, 3}

	// U1 of a move to target, written as the dead controller would have.
	topic := first.Image().Topics["mv"].Clone()
	p := &topic.Partitions[0]
	p.Replicas, p.Adding, p.Removing = cluster.ReassignTo(p.Replicas, nil, target)
	if _, err := c.zk().Set(zkmeta.TopicPath("mv"), zkmeta.EncodeTopic(topic), -1); err != nil {
		t.Fatal(err)
	}
	c.kill(a)
	ctrl := c.waitActive(15 * time.Second)
	if ctrl.cfg.NodeID != b {
		t.Fatalf("controller %d, want %d", ctrl.cfg.NodeID, b)
	}
	list := func() []cluster.Reassignment {
		rs, err := ctrl.ListPartitionReassignments(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	waitFor(t, 10*time.Second, "the new controller to list the resumed move", func() bool {
		rs := list()
		return len(rs) == 1 && slices.Equal(rs[0].Adding, []int32{3}) && slices.Equal(rs[0].Removing, []int32{a})
	})

	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	res, err := ctrl.DeleteTopics(ctx, []string{"mv"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Code != kerr.RequestTimedOut.Code {
		t.Fatalf("DeleteTopics of a topic a move holds: %+v, want REQUEST_TIMED_OUT", res[0])
	}
	if _, ok := ctrl.Image().Topics["mv"]; !ok {
		t.Fatal("the broker stopped serving a topic whose deletion a move holds")
	}
	if rs := list(); len(rs) != 1 {
		t.Fatalf("reassignments %+v, want the move still in progress", rs)
	}
	// nor does it take new partitions while the move runs
	// (ZkAdminManager.createPartitions's isBeingReassigned check)
	cp, err := ctrl.CreatePartitions(context.Background(), []cluster.PartitionsSpec{{Topic: "mv", Count: 2}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if cp[0].Code != kerr.ReassignmentInProgress.Code {
		t.Fatalf("CreatePartitions of a topic being moved: %+v, want REASSIGNMENT_IN_PROGRESS", cp[0])
	}

	c.start(3)
	waitFor(t, 20*time.Second, "the move and then the deletion to complete", func() bool {
		ok, err := c.zk().Exists(zkmeta.TopicPath("mv"))
		return err == nil && !ok
	})
	for _, id := range c.ids() {
		waitFor(t, 10*time.Second, "every broker to drop the topic", func() bool {
			_, ok := c.node(id).Image().Topics["mv"]
			return !ok
		})
	}
}
