package clustertest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// The CreatePartitions cases, through a cluster.PartitionAdmin.

func (s *suite) partitionAdmin(t *testing.T) cluster.PartitionAdmin {
	t.Helper()
	return adminAs[cluster.PartitionAdmin](t, s, "cluster.PartitionAdmin")
}

func (s *suite) createPartitions(t *testing.T, validateOnly bool, specs ...cluster.PartitionsSpec) []cluster.TopicResult {
	t.Helper()
	rs, err := s.partitionAdmin(t).CreatePartitions(s.ctx(t), specs, validateOnly)
	if err != nil {
		t.Fatalf("CreatePartitions: %v", err)
	}
	if len(rs) != len(specs) {
		t.Fatalf("CreatePartitions: %d results for %d topics", len(rs), len(specs))
	}
	return rs
}

// waitPartitions polls until every broker serves topic with n partitions,
// each with a leader among its in-sync replicas, and returns one view.
func (s *suite) waitPartitions(t *testing.T, topic string, n int) *cluster.Topic {
	t.Helper()
	var got *cluster.Topic
	s.eventually(t, fmt.Sprintf("%s with %d partitions on every broker", topic, n), func(ctx context.Context) error {
		views, err := s.views(ctx)
		if err != nil {
			return err
		}
		for id, img := range views {
			tp := img.Topics[topic]
			if tp == nil || len(tp.Partitions) != n {
				return fmt.Errorf("broker %d serves %v", id, tp)
			}
			for _, p := range tp.Partitions {
				if !slices.Contains(p.ISR, p.Leader) {
					return fmt.Errorf("broker %d: partition %d has leader %d outside its ISR %v", id, p.ID, p.Leader, p.ISR)
				}
			}
			got = tp
		}
		return nil
	})
	return got
}

// addPartitions: a topic grows, placed by Kafka or by hand; the old
// partitions keep their replicas, the new have the topic's replication
// factor; a validation adds nothing.
func (s *suite) addPartitions(t *testing.T) {
	n := len(s.c.Brokers)
	rf := int16(min(2, n))
	name := s.topic(t, "t")
	s.mustCreateServed(t, spec(name, 2, rf))
	before := s.waitPartitions(t, name, 2)
	expectCodes(t, s.createPartitions(t, true, cluster.PartitionsSpec{Topic: name, Count: 8}), 0)
	expectCodes(t, s.createPartitions(t, false, cluster.PartitionsSpec{Topic: name, Count: 4}), 0)
	grown := s.waitPartitions(t, name, 4)
	for p := range 2 {
		if !slices.Equal(grown.Partitions[p].Replicas, before.Partitions[p].Replicas) {
			t.Errorf("partition %d moved from %v to %v", p, before.Partitions[p].Replicas, grown.Partitions[p].Replicas)
		}
	}
	for _, p := range grown.Partitions[2:] {
		checkPartition(t, p, rf, s.c.Brokers)
	}
	manual := slices.Clone(s.c.Brokers[:rf])
	slices.Reverse(manual)
	expectCodes(t, s.createPartitions(t, false, cluster.PartitionsSpec{Topic: name, Count: 5, Assignment: [][]int32{manual}}), 0)
	if got := s.waitPartitions(t, name, 5).Partitions[4].Replicas; !slices.Equal(got, manual) {
		t.Errorf("manually assigned partition 4 has replicas %v, want %v", got, manual)
	}
}

// badPartitions: fewer or as many partitions as today, an unknown topic,
// an assignment naming a broker that does not exist or giving the wrong
// number of partitions, and a topic named twice get Kafka's codes.
func (s *suite) badPartitions(t *testing.T) {
	name := s.topic(t, "t")
	s.mustCreateServed(t, spec(name, 3, 1))
	s.waitPartitions(t, name, 3)
	expectCodes(t, s.createPartitions(t, false,
		cluster.PartitionsSpec{Topic: name, Count: 2},
		cluster.PartitionsSpec{Topic: s.topic(t, "missing"), Count: 4},
	), kerr.InvalidPartitions.Code, kerr.UnknownTopicOrPartition.Code)
	expectCodes(t, s.createPartitions(t, false, cluster.PartitionsSpec{Topic: name, Count: 3}), kerr.InvalidPartitions.Code)
	expectCodes(t, s.createPartitions(t, false, cluster.PartitionsSpec{Topic: name, Count: 4, Assignment: [][]int32{{99999}}}),
		kerr.InvalidReplicaAssignment.Code)
	expectCodes(t, s.createPartitions(t, false, cluster.PartitionsSpec{Topic: name, Count: 5, Assignment: [][]int32{{s.c.Brokers[0]}}}),
		kerr.InvalidReplicaAssignment.Code)
	expectCodes(t, s.createPartitions(t, false, cluster.PartitionsSpec{Topic: name, Count: 4}, cluster.PartitionsSpec{Topic: name, Count: 5}),
		kerr.InvalidRequest.Code, kerr.InvalidRequest.Code)
	s.waitPartitions(t, name, 3)
}

// excessivelyLarge: a topic of 2^31-1 partitions, created or grown to, is
// refused at once, not placed. KRaft refuses a request of more than 10000
// records as POLICY_VIOLATION (QuorumController.MAX_RECORDS_PER_USER_OP);
// ZooKeeper mode one whose assignment znode cannot fit jute.maxbuffer, which
// Kafka answers as UNKNOWN_SERVER_ERROR. Before the bound, placing it hung
// the node (found by fuzzing the front).
func (s *suite) excessivelyLarge(t *testing.T) {
	refused := func(what string, r cluster.TopicResult) {
		t.Helper()
		if r.Code != kerr.PolicyViolation.Code && r.Code != kerr.UnknownServerError.Code || r.Message == "" {
			t.Errorf("%s: code %d %q, want POLICY_VIOLATION (KRaft) or UNKNOWN_SERVER_ERROR (ZooKeeper mode) with a message", what, r.Code, r.Message)
		}
	}
	huge := s.topic(t, "huge")
	rs := s.create(t, spec(huge, math.MaxInt32, 1))
	refused("CreateTopics of 2^31-1 partitions", rs[0])
	name := s.topic(t, "t")
	s.mustCreateServed(t, spec(name, 1, 1))
	refused("CreatePartitions to 2^31-1", s.createPartitions(t, false, cluster.PartitionsSpec{Topic: name, Count: math.MaxInt32})[0])
	s.waitPartitions(t, name, 1)
	img, err := s.c.Admin.Metadata(s.ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if img.Topics[huge] != nil {
		t.Errorf("the refused topic %s exists", huge)
	}
}
