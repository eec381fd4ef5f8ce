package cluster

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// ConfigOp is an IncrementalAlterConfigs operation (Kafka's
// AlterConfigOp.OpType ids).
type ConfigOp int8

// The operations of IncrementalAlterConfigs.
const (
	ConfigSet      ConfigOp = 0
	ConfigDelete   ConfigOp = 1
	ConfigAppend   ConfigOp = 2
	ConfigSubtract ConfigOp = 3
)

// ConfigChange is one operation on one config key. Value is nil only for a
// DELETE (or an AlterConfigs entry with a null value).
type ConfigChange struct {
	Name  string
	Op    ConfigOp
	Value *string
}

// TopicConfigAlter is what one resource of an AlterConfigs or
// IncrementalAlterConfigs request asks of one topic. Replace marks the
// legacy AlterConfigs: the topic's configs become exactly the SET changes,
// every other override is removed.
type TopicConfigAlter struct {
	Topic   string
	Changes []ConfigChange
	Replace bool
}

// ConfigResult is the outcome for one resource: Code is a Kafka error code
// (0 on success), Message says why.
type ConfigResult struct {
	Topic   string
	Code    int16
	Message string
}

// ConfigResultFor builds a ConfigResult carrying err's Kafka code.
func ConfigResultFor(topic string, err error) ConfigResult {
	r := ResultFor(topic, err)
	return ConfigResult{Topic: topic, Code: r.Code, Message: r.Message}
}

// TopicConfigurer is the optional extra of a node that serves topic
// configs: DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for
// topic resources. Both modes implement it; the front checks for it by type
// assertion.
//
// TopicConfigs returns the topic's dynamic overrides (what /config/topics/<t>
// holds in ZooKeeper mode, the ConfigRecords the image applied in KRaft
// mode), read where the mode's Kafka reads them; UNKNOWN_TOPIC_OR_PARTITION
// (an *Error) when the node's metadata has no such topic. Defaults are the
// front's to add.
//
// AlterTopicConfigs carries out (or with validateOnly, only checks) each
// alteration and returns one result per entry, in order. It returns once the
// change is written as the mode defines it (ZooKeeper mode: the config znode
// and its change notification written, brokers apply it later; KRaft mode:
// the ConfigRecords committed). A non-nil error fails the whole request
// (NOT_CONTROLLER, a timeout).
//
// Safe for concurrent use.
type TopicConfigurer interface {
	TopicConfigs(ctx context.Context, topic string) (map[string]string, error)
	AlterTopicConfigs(ctx context.Context, alters []TopicConfigAlter, validateOnly bool) ([]ConfigResult, error)
}

// ApplyConfigChanges returns the configs a topic has after a, from its
// current overrides cur (not modified), with Kafka's semantics:
// IncrementalAlterConfigs' SET, DELETE, APPEND and SUBTRACT
// (core/src/main/scala/kafka/server/ConfigAdminManager.scala
// prepareIncrementalConfigs; metadata/.../controller/
// ConfigurationControlManager.java incrementalAlterConfigResource), or the
// legacy AlterConfigs' replacement (ZkAdminManager.alterConfigs,
// ConfigurationControlManager.legacyAlterConfigResource), where a null value
// is dropped. APPEND and SUBTRACT are INVALID_CONFIG on a key whose type is
// not LIST or that Kafka does not know; the result is not validated
// otherwise (ValidateTopicConfigs does that).
func ApplyConfigChanges(cur map[string]string, a TopicConfigAlter) (map[string]string, error) {
	out := map[string]string{}
	if !a.Replace {
		maps.Copy(out, cur)
	}
	for _, c := range a.Changes {
		switch {
		case a.Replace:
			if c.Value != nil {
				out[c.Name] = *c.Value
			}
		case c.Op == ConfigSet:
			if c.Value == nil {
				return nil, Errorf(kerr.InvalidRequest, "Null value not supported for : %s", c.Name)
			}
			out[c.Name] = *c.Value
		case c.Op == ConfigDelete:
			delete(out, c.Name)
		case c.Op == ConfigAppend || c.Op == ConfigSubtract:
			d, ok := topicConfigDefs[c.Name]
			if !ok {
				return nil, Errorf(kerr.InvalidConfig, "Unknown config name: %s", c.Name)
			}
			if d.Type != ConfigList {
				return nil, Errorf(kerr.InvalidConfig, "Config value append is not allowed for config key: %s", c.Name)
			}
			out[c.Name] = appendOrSubtract(listOrDefault(out, d), c)
		default:
			return nil, Errorf(kerr.InvalidRequest, "Unknown alter config operation %d for %s", c.Op, c.Name)
		}
	}
	return out, nil
}

// listOrDefault is a LIST config's current elements: the override, else
// the default, empty elements dropped.
func listOrDefault(cfg map[string]string, d TopicConfigDef) []string {
	v, ok := cfg[d.Name]
	if !ok {
		v = d.Default
	}
	var out []string
	for _, e := range strings.Split(v, ",") {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

func appendOrSubtract(old []string, c ConfigChange) string {
	var vals []string
	if c.Value != nil {
		vals = strings.Split(*c.Value, ",")
	}
	if c.Op == ConfigAppend {
		for _, v := range vals {
			if !slices.Contains(old, v) {
				old = append(old, v)
			}
		}
		return strings.Join(old, ",")
	}
	out := old[:0:0]
	for _, v := range old {
		if !slices.Contains(vals, v) {
			out = append(out, v)
		}
	}
	return strings.Join(out, ",")
}

// ConfigSource is where a config's value comes from, as DescribeConfigs
// v1+ reports it (Kafka's DescribeConfigsResponse.ConfigSource ids).
type ConfigSource int8

// The sources kraftbench answers with.
const (
	SourceDynamicTopic ConfigSource = 1 // DYNAMIC_TOPIC_CONFIG: a topic override
	SourceStaticBroker ConfigSource = 4 // STATIC_BROKER_CONFIG: the broker's properties
	SourceDefault      ConfigSource = 5 // DEFAULT_CONFIG
)

// ConfigEntry is one config of a DescribeConfigs answer.
type ConfigEntry struct {
	Name     string
	Value    *string
	Source   ConfigSource
	ReadOnly bool
	Synonyms []ConfigSynonym
}

// ConfigSynonym is one synonym of a config, highest precedence first.
type ConfigSynonym struct {
	Name   string
	Value  *string
	Source ConfigSource
}

// TopicConfigsResult is the DescribeConfigs answer for one topic.
type TopicConfigsResult struct {
	Topic   string
	Code    int16
	Message string
	Configs []ConfigEntry
}

// ConfigAdmin is the optional extra of an Admin that reads and changes
// topic configs over the Kafka protocol (cluster/admin implements it).
// DescribeTopicConfigs sends one DescribeConfigs with synonyms for the
// topics; AlterTopicConfigs one IncrementalAlterConfigs, or one
// AlterConfigs when the alterations are replacements (Replace; all or none
// of them). BrokerTopicConfigs asks one named broker, and only it, how it
// describes one topic's configs (as BrokerView does for metadata).
// Per-resource Kafka errors come back in the results, never as the error.
// Safe for concurrent use.
type ConfigAdmin interface {
	DescribeTopicConfigs(ctx context.Context, topics []string) ([]TopicConfigsResult, error)
	BrokerTopicConfigs(ctx context.Context, brokerID int32, topic string) (TopicConfigsResult, error)
	AlterTopicConfigs(ctx context.Context, alters []TopicConfigAlter, validateOnly bool) ([]ConfigResult, error)
}
