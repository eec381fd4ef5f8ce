package clustertest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

func spec(name string, partitions int32, rf int16) cluster.TopicSpec {
	return cluster.TopicSpec{Name: name, NumPartitions: partitions, ReplicationFactor: rf}
}

// brokersAdvertised: the metadata lists exactly the cluster's brokers, and
// each bootstrap address is one of their advertised endpoints (a broker that
// advertises an address clients cannot reach is Kafka's classic container
// trap).
func (s *suite) brokersAdvertised(t *testing.T) {
	img, err := s.c.Admin.Metadata(s.ctx(t))
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	want := slices.Sorted(slices.Values(s.c.Brokers))
	if got := img.LiveBrokerIDs(); !slices.Equal(got, want) {
		t.Fatalf("metadata lists brokers %v, want %v", got, want)
	}
	advertised := map[string]bool{}
	for _, b := range img.Brokers {
		if ep, ok := b.Addr(); ok {
			advertised[net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port)))] = true
		}
	}
	for _, addr := range s.c.Bootstrap {
		if !advertised[addr] {
			t.Errorf("bootstrap address %s is advertised by no broker (advertised: %v)", addr, advertised)
		}
	}
}

// createThenDescribe: a created topic is described with its partition count
// and replication factor, leaders among the in-sync replicas, and Kafka's
// even rack-unaware spread of leaders and replicas.
func (s *suite) createThenDescribe(t *testing.T) {
	n := len(s.c.Brokers)
	rf := int16(min(3, n))
	name := s.topic(t, "t")
	parts := int32(2 * n) // a multiple of the broker count: the spread is exact
	r := s.mustCreate(t, spec(name, parts, rf))[0]
	if r.NumPartitions != parts || r.ReplicationFactor != rf || r.ID == (cluster.TopicID{}) {
		t.Errorf("create answered %d partitions, rf %d, id %v; want %d, %d, an id", r.NumPartitions,
			r.ReplicationFactor, r.ID, parts, rf)
	}
	var topic *cluster.Topic
	s.eventually(t, "topic in metadata", func(ctx context.Context) error {
		img, err := s.c.Admin.Metadata(ctx)
		if err != nil {
			return err
		}
		if topic = img.Topics[name]; topic == nil {
			return fmt.Errorf("topic %s not in metadata", name)
		}
		return nil
	})
	if topic.ID != r.ID {
		t.Errorf("metadata topic id %v, created %v", topic.ID, r.ID)
	}
	if len(topic.Partitions) != int(parts) {
		t.Fatalf("%d partitions described, want %d", len(topic.Partitions), parts)
	}
	leaders, replicas := map[int32]int{}, map[int32]int{}
	for _, p := range topic.Partitions {
		checkPartition(t, p, rf, s.c.Brokers)
		leaders[p.Leader]++
		for _, b := range p.Replicas {
			replicas[b]++
		}
	}
	for _, b := range s.c.Brokers {
		if leaders[b] != 2 || replicas[b] != 2*int(rf) {
			t.Errorf("broker %d leads %d and holds %d replicas, want 2 and %d (even spread)", b, leaders[b], replicas[b], 2*rf)
		}
	}
}

func checkPartition(t *testing.T, p cluster.Partition, rf int16, brokers []int32) {
	t.Helper()
	if len(p.Replicas) != int(rf) {
		t.Errorf("partition %d: replicas %v, want %d", p.ID, p.Replicas, rf)
	}
	seen := map[int32]bool{}
	for _, r := range p.Replicas {
		if seen[r] || !slices.Contains(brokers, r) {
			t.Errorf("partition %d: replicas %v repeat a broker or name an unknown one", p.ID, p.Replicas)
		}
		seen[r] = true
	}
	for _, r := range p.ISR {
		if !seen[r] {
			t.Errorf("partition %d: ISR %v not within replicas %v", p.ID, p.ISR, p.Replicas)
		}
	}
	if !slices.Contains(p.ISR, p.Leader) {
		t.Errorf("partition %d: leader %d not in ISR %v", p.ID, p.Leader, p.ISR)
	}
}

// deleteTopic: a created topic can be deleted and leaves the metadata.
func (s *suite) deleteTopic(t *testing.T) {
	name := s.topic(t, "t")
	created := s.mustCreate(t, spec(name, 1, 1))[0]
	rs, err := s.c.Admin.DeleteTopics(s.ctx(t), []string{name})
	if err != nil {
		t.Fatalf("DeleteTopics: %v", err)
	}
	expectCodes(t, rs, 0)
	if rs[0].ID != (cluster.TopicID{}) && rs[0].ID != created.ID {
		t.Errorf("deleted topic id %v, created %v", rs[0].ID, created.ID)
	}
	s.eventually(t, "topic gone from metadata", func(ctx context.Context) error {
		img, err := s.c.Admin.Metadata(ctx)
		if err != nil {
			return err
		}
		if _, ok := img.Topics[name]; ok {
			return fmt.Errorf("topic %s still in metadata", name)
		}
		return nil
	})
}

func (s *suite) duplicateCreate(t *testing.T) {
	name := s.topic(t, "t")
	s.mustCreate(t, spec(name, 1, 1))
	expectCodes(t, s.create(t, spec(name, 1, 1)), kerr.TopicAlreadyExists.Code)
}

// collision: Kafka refuses a topic equal to an existing one once '.' is
// read as '_'.
func (s *suite) collision(t *testing.T) {
	base := s.topic(t, "a")
	s.mustCreate(t, spec(base+".b", 1, 1))
	expectCodes(t, s.create(t, spec(base+"_b", 1, 1)), kerr.InvalidTopicException.Code)
}

func (s *suite) invalidNames(t *testing.T) {
	names := []string{"", ".", "..", strings.Repeat("x", cluster.MaxTopicNameLength+1),
		s.topic(t, "bad/slash"), s.topic(t, "bad space"), s.topic(t, "bad:colon"), s.topic(t, "ünicode")}
	specs := make([]cluster.TopicSpec, len(names))
	want := make([]int16, len(names))
	for i, n := range names {
		specs[i], want[i] = spec(n, 1, 1), kerr.InvalidTopicException.Code
	}
	expectCodes(t, s.create(t, specs...), want...)
}

func (s *suite) invalidPartitions(t *testing.T) {
	expectCodes(t, s.create(t, spec(s.topic(t, "zero"), 0, 1)), kerr.InvalidPartitions.Code)
	expectCodes(t, s.create(t, spec(s.topic(t, "neg"), -2, 1)), kerr.InvalidPartitions.Code)
}

func (s *suite) invalidReplicationFactor(t *testing.T) {
	expectCodes(t, s.create(t, spec(s.topic(t, "zero"), 1, 0)), kerr.InvalidReplicationFactor.Code)
	tooMany := int16(len(s.c.Brokers) + 1)
	expectCodes(t, s.create(t, spec(s.topic(t, "many"), 1, tooMany)), kerr.InvalidReplicationFactor.Code)
}

func (s *suite) unknownConfig(t *testing.T) {
	sp := spec(s.topic(t, "t"), 1, 1)
	sp.Configs = map[string]string{"no.such.config": "1"}
	expectCodes(t, s.create(t, sp), kerr.InvalidConfig.Code)
}

// duplicateInRequest: one request naming a topic twice is INVALID_REQUEST
// for both entries, and creates nothing.
func (s *suite) duplicateInRequest(t *testing.T) {
	name := s.topic(t, "t")
	expectCodes(t, s.create(t, spec(name, 1, 1), spec(name, 1, 1)),
		kerr.InvalidRequest.Code, kerr.InvalidRequest.Code)
	img, err := s.c.Admin.Metadata(s.ctx(t))
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	if _, ok := img.Topics[name]; ok {
		t.Errorf("topic %s created by a request naming it twice", name)
	}
}

func (s *suite) deleteUnknown(t *testing.T) {
	rs, err := s.c.Admin.DeleteTopics(s.ctx(t), []string{s.topic(t, "never")})
	if err != nil {
		t.Fatalf("DeleteTopics: %v", err)
	}
	expectCodes(t, rs, kerr.UnknownTopicOrPartition.Code)
}
