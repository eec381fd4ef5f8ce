package clustertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// The topic-config cases: DescribeConfigs, IncrementalAlterConfigs and
// AlterConfigs through a cluster.ConfigAdmin, with Kafka's error codes for
// bad input. A KRaft broker answers DescribeConfigs from its image, which
// lags the commit, so reads after a change are polled.

func (s *suite) configAdmin(t *testing.T) cluster.ConfigAdmin {
	t.Helper()
	return adminAs[cluster.ConfigAdmin](t, s, "cluster.ConfigAdmin")
}

func str(s string) *string { return &s }

// describeOne describes one topic and returns its entries by name.
func describeOne(ctx context.Context, ca cluster.ConfigAdmin, topic string) (map[string]cluster.ConfigEntry, int16, error) {
	rs, err := ca.DescribeTopicConfigs(ctx, []string{topic})
	if err != nil {
		return nil, 0, err
	}
	if len(rs) != 1 {
		return nil, 0, fmt.Errorf("%d results for one topic", len(rs))
	}
	out := map[string]cluster.ConfigEntry{}
	for _, e := range rs[0].Configs {
		out[e.Name] = e
	}
	return out, rs[0].Code, nil
}

// waitConfig polls until the topic's config name has value want (nil:
// back at its default) as the answering broker describes it.
func (s *suite) waitConfig(t *testing.T, topic, name string, want *string) cluster.ConfigEntry {
	t.Helper()
	ca := s.configAdmin(t)
	var got cluster.ConfigEntry
	s.eventually(t, fmt.Sprintf("%s of %s described", name, topic), func(ctx context.Context) error {
		es, code, err := describeOne(ctx, ca, topic)
		if err != nil {
			return err
		}
		if code != 0 {
			return fmt.Errorf("describe answered %s", cluster.ErrorName(code))
		}
		e, ok := es[name]
		if !ok {
			return fmt.Errorf("%s not described", name)
		}
		got = e
		isDefault := e.Source == cluster.SourceDefault
		switch {
		case want == nil && !isDefault:
			return fmt.Errorf("%s = %v from source %d, want the default", name, deref(e.Value), e.Source)
		case want != nil && (e.Source != cluster.SourceDynamicTopic || deref(e.Value) != *want):
			return fmt.Errorf("%s = %v from source %d, want %s as a topic override", name, deref(e.Value), e.Source, *want)
		}
		return nil
	})
	return got
}

func deref(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func (s *suite) alter(t *testing.T, validateOnly bool, alters ...cluster.TopicConfigAlter) []cluster.ConfigResult {
	t.Helper()
	rs, err := s.configAdmin(t).AlterTopicConfigs(s.ctx(t), alters, validateOnly)
	if err != nil {
		t.Fatalf("AlterTopicConfigs: %v", err)
	}
	if len(rs) != len(alters) {
		t.Fatalf("AlterTopicConfigs: %d results for %d resources", len(rs), len(alters))
	}
	return rs
}

func expectConfigCodes(t *testing.T, rs []cluster.ConfigResult, want ...int16) {
	t.Helper()
	for i, r := range rs {
		if r.Code != want[i] {
			t.Errorf("resource %q: got %s (%s), want %s", r.Topic, cluster.ErrorName(r.Code), r.Message, cluster.ErrorName(want[i]))
		}
	}
}

// describeConfigs: a topic created with an override describes it as a
// topic config, every other key at Kafka's default with its broker synonym.
func (s *suite) describeConfigs(t *testing.T) {
	name := s.topic(t, "t")
	s.mustCreate(t, cluster.TopicSpec{Name: name, NumPartitions: 1, ReplicationFactor: 1,
		Configs: map[string]string{"retention.ms": "60000"}})
	e := s.waitConfig(t, name, "retention.ms", str("60000"))
	if len(e.Synonyms) == 0 || e.Synonyms[0].Source != cluster.SourceDynamicTopic {
		t.Errorf("retention.ms synonyms %+v: want the topic override first", e.Synonyms)
	}
	// Any broker may answer, and one that does not serve the topic yet
	// answers UNKNOWN_TOPIC_OR_PARTITION: poll for a full answer.
	var es map[string]cluster.ConfigEntry
	s.eventually(t, "a full describe of "+name, func(ctx context.Context) error {
		var code int16
		var err error
		if es, code, err = describeOne(ctx, s.configAdmin(t), name); err != nil {
			return err
		}
		if code != 0 {
			return fmt.Errorf("describe answered %s", cluster.ErrorName(code))
		}
		return nil
	})
	cp := es["cleanup.policy"]
	if deref(cp.Value) != "delete" || cp.Source != cluster.SourceDefault {
		t.Errorf("cleanup.policy = %s from source %d, want Kafka's default delete", deref(cp.Value), cp.Source)
	}
	if len(cp.Synonyms) != 1 || cp.Synonyms[0].Name != "log.cleanup.policy" {
		t.Errorf("cleanup.policy synonyms %+v, want log.cleanup.policy", cp.Synonyms)
	}
	if len(es) < 30 {
		t.Errorf("%d configs described, want every topic config (Kafka 3.9 has 36)", len(es))
	}
}

// alterConfigs: IncrementalAlterConfigs sets, deletes and appends;
// AlterConfigs replaces every override; a validation writes nothing.
func (s *suite) alterConfigs(t *testing.T) {
	name := s.topic(t, "t")
	s.mustCreateServed(t, cluster.TopicSpec{Name: name, NumPartitions: 1, ReplicationFactor: 1,
		Configs: map[string]string{"retention.ms": "60000"}})
	expectConfigCodes(t, s.alter(t, true, cluster.TopicConfigAlter{Topic: name,
		Changes: []cluster.ConfigChange{{Name: "segment.ms", Op: cluster.ConfigSet, Value: str("3600000")}}}), 0)
	expectConfigCodes(t, s.alter(t, false, cluster.TopicConfigAlter{Topic: name, Changes: []cluster.ConfigChange{
		{Name: "max.message.bytes", Op: cluster.ConfigSet, Value: str("2000000")},
		{Name: "retention.ms", Op: cluster.ConfigDelete},
		{Name: "cleanup.policy", Op: cluster.ConfigAppend, Value: str("compact")},
	}}), 0)
	s.waitConfig(t, name, "max.message.bytes", str("2000000"))
	s.waitConfig(t, name, "retention.ms", nil)
	s.waitConfig(t, name, "cleanup.policy", str("delete,compact"))
	s.waitConfig(t, name, "segment.ms", nil) // the validation wrote nothing
	expectConfigCodes(t, s.alter(t, false, cluster.TopicConfigAlter{Topic: name, Replace: true,
		Changes: []cluster.ConfigChange{{Name: "segment.ms", Value: str("3600000")}}}), 0)
	s.waitConfig(t, name, "segment.ms", str("3600000"))
	s.waitConfig(t, name, "max.message.bytes", nil)
	s.waitConfig(t, name, "cleanup.policy", nil)
}

// badConfigs: an unknown topic, an unknown key, a value of the wrong type,
// an APPEND to a key that is not a list, a key named twice and a resource
// named twice get Kafka's codes, and nothing is written.
func (s *suite) badConfigs(t *testing.T) {
	name := s.topic(t, "t")
	s.mustCreateServed(t, spec(name, 1, 1))
	set := func(topic, key, value string) cluster.TopicConfigAlter {
		return cluster.TopicConfigAlter{Topic: topic, Changes: []cluster.ConfigChange{{Name: key, Op: cluster.ConfigSet, Value: str(value)}}}
	}
	unknown := s.topic(t, "missing")
	expectConfigCodes(t, s.alter(t, false,
		set(unknown, "retention.ms", "1000"),
		set(name, "no.such.config", "1"),
		set(name, "retention.ms", "abc"),
		set(name, "min.insync.replicas", "0"),
		cluster.TopicConfigAlter{Topic: name + "x", Changes: []cluster.ConfigChange{{Name: "retention.ms", Op: cluster.ConfigAppend, Value: str("5")}}},
	), kerr.UnknownTopicOrPartition.Code, kerr.InvalidRequest.Code, kerr.InvalidRequest.Code, kerr.InvalidRequest.Code,
		kerr.InvalidConfig.Code)
	// One resource per request where the topic repeats (a repeated resource
	// is INVALID_REQUEST on both entries).
	expectConfigCodes(t, s.alter(t, false, set(name, "no.such.config", "1")), kerr.InvalidConfig.Code)
	expectConfigCodes(t, s.alter(t, false, set(name, "retention.ms", "abc")), kerr.InvalidConfig.Code)
	expectConfigCodes(t, s.alter(t, false, set(name, "min.insync.replicas", "0")), kerr.InvalidConfig.Code)
	expectConfigCodes(t, s.alter(t, false, cluster.TopicConfigAlter{Topic: name, Changes: []cluster.ConfigChange{
		{Name: "retention.ms", Op: cluster.ConfigSet, Value: str("1000")},
		{Name: "retention.ms", Op: cluster.ConfigDelete},
	}}), kerr.InvalidRequest.Code)
	_, code, err := describeOne(s.ctx(t), s.configAdmin(t), unknown)
	if err != nil {
		t.Fatal(err)
	}
	if code != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("describe of an unknown topic answered %s, want UNKNOWN_TOPIC_OR_PARTITION", cluster.ErrorName(code))
	}
	s.waitConfig(t, name, "retention.ms", nil)
}
