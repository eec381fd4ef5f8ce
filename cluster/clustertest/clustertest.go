// Package clustertest is the conformance suite every mode (zkmode,
// kraftmode) and every provider (local, docker) must pass: the same Kafka
// answers to the same requests, placement as Kafka places, and every broker
// converging on the same metadata.
//
// Call it from any package's test:
//
//	func TestConformance(t *testing.T) {
//		clustertest.Run(t, func(t *testing.T) clustertest.Cluster { ... start one ... })
//	}
//
// The suite talks to the cluster only through cluster.Admin, so it can also
// be pointed at a real Kafka cluster. Every subtest uses topic names of its
// own (a random prefix per Run), so a cluster may be shared with other tests;
// the convergence subtests compare whole-image digests, so they expect no one
// else to change the cluster's topics while they run. Subtests run one after
// another.
//
// The suite's own proof runs in cluster/front (TestConformanceOverFake):
// there a fake controller behind real Kafka-protocol servers, driven by the
// kadm-based cluster/admin, must pass it.
package clustertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// Cluster is what the suite needs of a running cluster.
type Cluster struct {
	// Admin drives the cluster. The suite does not close it: whoever
	// started the cluster does, in a t.Cleanup.
	Admin cluster.Admin
	// Brokers are the ids of the nodes with the broker role, all live and
	// unfenced when the suite starts.
	Brokers []int32
	// Bootstrap are the addresses clients were given (host:port); each must
	// be the endpoint one broker advertises.
	Bootstrap []string
	// Propagation bounds every wait for brokers to converge; 15 s when zero.
	Propagation time.Duration
	// ControllerPerAnswer says the brokers name a random live broker as
	// the controller in each Metadata answer, as Kafka's KRaft brokers do
	// (KRaftMetadataCache.getControllerId); the suite then checks that each
	// names a live broker, not that they agree.
	ControllerPerAnswer bool
}

// suite is one Run's state.
type suite struct {
	c      Cluster
	prefix string // unique per Run
}

// Run starts one cluster with newCluster and runs every conformance subtest
// against it.
func Run(t *testing.T, newCluster func(t *testing.T) Cluster) {
	t.Helper()
	c := newCluster(t)
	if c.Admin == nil || len(c.Brokers) == 0 {
		t.Fatalf("clustertest: newCluster gave no Admin or no brokers: %+v", c)
	}
	if c.Propagation <= 0 {
		c.Propagation = 15 * time.Second
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("clustertest: topic prefix: %v", err)
	}
	s := &suite{c: c, prefix: "ct-" + hex.EncodeToString(b[:])}
	for _, st := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"BrokersAdvertised", s.brokersAdvertised},
		{"CreateThenDescribe", s.createThenDescribe},
		{"Delete", s.deleteTopic},
		{"DuplicateCreate", s.duplicateCreate},
		{"DotUnderscoreCollision", s.collision},
		{"InvalidNames", s.invalidNames},
		{"InvalidPartitions", s.invalidPartitions},
		{"InvalidReplicationFactor", s.invalidReplicationFactor},
		{"UnknownConfig", s.unknownConfig},
		{"DuplicateInRequest", s.duplicateInRequest},
		{"DeleteUnknown", s.deleteUnknown},
		{"BrokersConverge", s.brokersConverge},
		{"ControllerAgreed", s.controllerAgreed},
		{"DeletePropagates", s.deletePropagates},
		{"DescribeConfigs", s.describeConfigs},
		{"AlterConfigs", s.alterConfigs},
		{"BadConfigs", s.badConfigs},
		{"AddPartitions", s.addPartitions},
		{"BadPartitions", s.badPartitions},
		{"ExcessivelyLarge", s.excessivelyLarge},
		{"Reassign", s.reassign},
		{"BadReassign", s.badReassign},
	} {
		t.Run(st.name, st.run)
	}
}

// topic returns a topic name unique to this Run and subtest.
func (s *suite) topic(t *testing.T, suffix string) string {
	return fmt.Sprintf("%s-%s-%s", s.prefix, sanitize(t.Name()), suffix)
}

// sanitize keeps the last element of a subtest name, in legal characters.
func sanitize(name string) string {
	out := []byte{}
	for i := len(name) - 1; i >= 0 && name[i] != '/'; i-- {
		out = append([]byte{name[i]}, out...)
	}
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			out[i] = '-'
		}
	}
	return string(out)
}

// ctx returns a context bounding one call or one wait.
func (s *suite) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), s.c.Propagation+30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// create sends one CreateTopics request and fails the test on a
// whole-request error or a wrong number of results.
func (s *suite) create(t *testing.T, specs ...cluster.TopicSpec) []cluster.TopicResult {
	t.Helper()
	rs, err := s.c.Admin.CreateTopics(s.ctx(t), specs)
	if err != nil {
		t.Fatalf("CreateTopics: %v", err)
	}
	if len(rs) != len(specs) {
		t.Fatalf("CreateTopics: %d results for %d topics", len(rs), len(specs))
	}
	return rs
}

// mustCreate creates the specs and fails unless every one succeeds.
func (s *suite) mustCreate(t *testing.T, specs ...cluster.TopicSpec) []cluster.TopicResult {
	t.Helper()
	rs := s.create(t, specs...)
	for _, r := range rs {
		if r.Code != 0 {
			t.Fatalf("create %s: %v", r.Name, r.Err())
		}
	}
	return rs
}

// expectCodes checks each result's Kafka error code.
func expectCodes(t *testing.T, rs []cluster.TopicResult, want ...int16) {
	t.Helper()
	for i, r := range rs {
		if r.Code != want[i] {
			t.Errorf("topic %q: got %s (%s), want %s", r.Name, cluster.ErrorName(r.Code), r.Message,
				cluster.ErrorName(want[i]))
		}
	}
}

// eventually polls check until it returns nil or the propagation bound
// passes, and then fails with its last error.
func (s *suite) eventually(t *testing.T, what string, check func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), s.c.Propagation)
	defer cancel()
	start := time.Now()
	for {
		err := check(ctx)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not reached within %v: %v", what, time.Since(start).Round(time.Millisecond), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// views asks every broker for its image.
func (s *suite) views(ctx context.Context) (map[int32]*cluster.Image, error) {
	out := make(map[int32]*cluster.Image, len(s.c.Brokers))
	for _, id := range s.c.Brokers {
		img, err := s.c.Admin.BrokerView(ctx, id)
		if err != nil {
			return nil, err
		}
		out[id] = img
	}
	return out, nil
}

// adminAs is the suite's Admin as the optional extra T (named name in the
// failure), or fails the test.
func adminAs[T any](t *testing.T, s *suite, name string) T {
	t.Helper()
	a, ok := s.c.Admin.(T)
	if !ok {
		t.Fatalf("clustertest: the Admin (%T) does not implement %s", s.c.Admin, name)
	}
	return a
}
