package admin

import (
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

// The client itself is exercised against real Kafka-protocol servers by the
// tests in cluster/front (conformance suite, kadm round trip); these cover
// what needs no server.

func TestNewNeedsBootstrap(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Fatal("New with no bootstrap address succeeded")
	}
	c, err := New([]string{"127.0.0.1:1"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.timeoutMillis != 30000 {
		t.Fatalf("default write timeout %d ms, want 30000", c.timeoutMillis)
	}
}

func TestUniform(t *testing.T) {
	s := func(name string, p int32, rf int16) cluster.TopicSpec {
		return cluster.TopicSpec{Name: name, NumPartitions: p, ReplicationFactor: rf}
	}
	withCfg := s("c", 1, 1)
	withCfg.Configs = map[string]string{"retention.ms": "1"}
	manual := s("m", -1, -1)
	manual.Assignment = map[int32][]int32{0: {1}}
	cases := []struct {
		specs []cluster.TopicSpec
		want  bool
	}{
		{[]cluster.TopicSpec{s("a", 1, 1), s("b", 1, 1)}, true},
		{[]cluster.TopicSpec{s("a", 1, 1), s("a", 1, 1)}, false}, // kadm answers by name
		{[]cluster.TopicSpec{s("a", 1, 1), s("b", 2, 1)}, false},
		{[]cluster.TopicSpec{s("a", 1, 1), s("b", 1, 2)}, false},
		{[]cluster.TopicSpec{s("a", 1, 1), withCfg}, false},
		{[]cluster.TopicSpec{manual}, false},
	}
	for i, tc := range cases {
		if got := uniform(tc.specs); got != tc.want {
			t.Errorf("case %d: uniform = %v, want %v", i, got, tc.want)
		}
	}
}
