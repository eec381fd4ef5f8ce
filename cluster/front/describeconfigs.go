package front

import (
	"context"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// describeConfigs answers DescribeConfigs v0-4 for topic and broker
// resources on a node that implements cluster.TopicConfigurer.
//
// Behavior (Kafka 3.9 core/src/main/scala/kafka/server/ConfigHelper.scala
// describeConfigs and createTopicConfigEntry, both modes):
//
//   - TOPIC: the name must pass Topic.validate (INVALID_TOPIC_EXCEPTION) and
//     be in the node's metadata cache (UNKNOWN_TOPIC_OR_PARTITION, no
//     message); then every LogConfig key is listed (ConfigHelper.allConfigs)
//     with the topic's override as DYNAMIC_TOPIC_CONFIG, or else the value
//     the broker gives it, as DEFAULT_CONFIG (kraftbench brokers take no
//     log.* properties, so the broker's value is Kafka's default). The
//     overrides come from the mode (cluster.TopicConfigurer.TopicConfigs:
//     ZooKeeper mode reads /config/topics/<t>, KRaft the image).
//   - synonyms (v1+, when IncludeSynonyms): the override, then the broker
//     synonym with its default (ServerTopicConfigSynonyms); a broker synonym
//     without a default of its own (log.retention.ms) is not listed, as
//     configSynonyms drops it.
//   - ConfigurationKeys null or empty lists every key, otherwise only the
//     named ones (unknown names are left out silently).
//   - BROKER: "" is the cluster-wide dynamic defaults (none: kraftbench has
//     no dynamic broker configs); the node's own id lists its broker
//     configs (see brokerConfigs); another id is INVALID_REQUEST
//     ("Unexpected broker id, expected N or empty string, but received M"),
//     a non-number INVALID_REQUEST ("Broker id must be an integer, but it
//     is: x").
//   - any other resource type is INVALID_REQUEST ("Unsupported resource
//     type"), as for Kafka's unsupported ones (BROKER_LOGGER and
//     CLIENT_METRICS, which Kafka serves, are not modelled).
//
// Version notes: v1 adds IncludeSynonyms and Source (v0 has IsDefault), v3
// ConfigType and documentation (kraftbench sends none), v4 is flexible.
func (k *kafkaAPIs) describeConfigs(ctx context.Context, _ RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.DescribeConfigsRequest)
	resp := kmsg.NewPtrDescribeConfigsResponse()
	resp.Version = req.Version
	synonyms := req.IncludeSynonyms && req.Version >= 1
	for _, r := range req.Resources {
		out := kmsg.NewDescribeConfigsResponseResource()
		out.ResourceType, out.ResourceName = r.ResourceType, r.ResourceName
		var entries []kmsg.DescribeConfigsResponseResourceConfig
		var err error
		switch r.ResourceType {
		case kmsg.ConfigResourceTypeTopic:
			entries, err = k.topicConfigEntries(ctx, r.ResourceName, synonyms)
		case kmsg.ConfigResourceTypeBroker:
			entries, err = k.brokerConfigEntries(r.ResourceName, synonyms)
		default:
			err = cluster.Errorf(kerr.InvalidRequest, "Unsupported resource type: %s", r.ResourceType)
		}
		if err != nil {
			out.ErrorCode = cluster.ErrorCode(err)
			if e, ok := err.(*cluster.Error); ok && e.Message != "" {
				out.ErrorMessage = strPtr(e.Message)
			}
			out.Configs = []kmsg.DescribeConfigsResponseResourceConfig{}
			resp.Resources = append(resp.Resources, out)
			continue
		}
		for _, e := range entries {
			if len(r.ConfigNames) == 0 || slices.Contains(r.ConfigNames, e.Name) {
				if req.Version == 0 {
					e.IsDefault = e.Source == kmsg.ConfigSourceDefaultConfig
				}
				out.Configs = append(out.Configs, e)
			}
		}
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

// topicConfigEntries lists every topic config of topic with its value,
// source and (when asked) synonyms.
func (k *kafkaAPIs) topicConfigEntries(ctx context.Context, topic string, synonyms bool) ([]kmsg.DescribeConfigsResponseResourceConfig, error) {
	if err := cluster.ValidateTopicName(topic); err != nil {
		return nil, err
	}
	overrides, err := k.configs.TopicConfigs(ctx, topic)
	if err != nil {
		return nil, err
	}
	var out []kmsg.DescribeConfigsResponseResourceConfig
	for _, name := range cluster.TopicConfigNames() {
		d, _ := cluster.TopicConfigDefFor(name)
		var syns []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym
		value := d.Default
		if v, ok := overrides[name]; ok {
			value = v
			syns = append(syns, synonym(name, v, kmsg.ConfigSourceDynamicTopicConfig))
		}
		if d.BrokerDefault {
			syns = append(syns, synonym(d.BrokerSynonym, d.Default, kmsg.ConfigSourceDefaultConfig))
		}
		out = append(out, configEntry(name, value, kmsg.ConfigType(d.Type), false, syns, synonyms))
	}
	return out, nil
}

// brokerConfigEntries answers a BROKER resource (see describeConfigs).
func (k *kafkaAPIs) brokerConfigEntries(name string, synonyms bool) ([]kmsg.DescribeConfigsResponseResourceConfig, error) {
	if name == "" {
		return []kmsg.DescribeConfigsResponseResourceConfig{}, nil
	}
	id, err := strconv.ParseInt(name, 10, 32)
	if err != nil {
		return nil, cluster.Errorf(kerr.InvalidRequest, "Broker id must be an integer, but it is: %s", name)
	}
	self := k.node.Status().NodeID
	if int32(id) != self {
		return nil, cluster.Errorf(kerr.InvalidRequest,
			"Unexpected broker id, expected %d or empty string, but received %s", self, name)
	}
	var out []kmsg.DescribeConfigsResponseResourceConfig
	for _, c := range k.brokerConfigs(self) {
		syns := []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{synonym(c.name, c.value, c.source)}
		out = append(out, configEntry(c.name, c.value, c.typ, true, syns, synonyms))
	}
	return out, nil
}

type brokerConfig struct {
	name, value string
	typ         kmsg.ConfigType
	source      kmsg.ConfigSource
}

// brokerConfigs are the broker configs kraftbench models, sorted by name:
// the broker synonyms of the topic configs (each at Kafka's default, since
// kraftbench brokers take no log.* properties), num.partitions and
// default.replication.factor as the node was given them, and the node's
// id. Kafka lists every KafkaConfig key; kraftbench lists only these
// (docs/fidelity.md). All are read-only here: kraftbench has no dynamic
// broker configs.
func (k *kafkaAPIs) brokerConfigs(self int32) []brokerConfig {
	dflt := cluster.KafkaDefaults()
	source := func(given, kafka int64) kmsg.ConfigSource {
		if given == kafka {
			return kmsg.ConfigSourceDefaultConfig
		}
		return kmsg.ConfigSourceStaticBrokerConfig
	}
	out := []brokerConfig{
		{"broker.id", strconv.Itoa(int(self)), kmsg.ConfigTypeInt, kmsg.ConfigSourceStaticBrokerConfig},
		{"num.partitions", strconv.Itoa(int(k.defaults.NumPartitions)), kmsg.ConfigTypeInt,
			source(int64(k.defaults.NumPartitions), int64(dflt.NumPartitions))},
		{"default.replication.factor", strconv.Itoa(int(k.defaults.ReplicationFactor)), kmsg.ConfigTypeInt,
			source(int64(k.defaults.ReplicationFactor), int64(dflt.ReplicationFactor))},
	}
	seen := map[string]bool{}
	for _, name := range cluster.TopicConfigNames() {
		d, _ := cluster.TopicConfigDefFor(name)
		if d.BrokerDefault && !seen[d.BrokerSynonym] {
			seen[d.BrokerSynonym] = true
			out = append(out, brokerConfig{d.BrokerSynonym, d.Default, kmsg.ConfigType(d.Type), kmsg.ConfigSourceDefaultConfig})
		}
	}
	slices.SortFunc(out, func(a, b brokerConfig) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return out
}

func synonym(name, value string, source kmsg.ConfigSource) kmsg.DescribeConfigsResponseResourceConfigConfigSynonym {
	s := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
	s.Name, s.Value, s.Source = name, strPtr(value), source
	return s
}

// configEntry is one config of the answer: its source is the first
// synonym's, DEFAULT_CONFIG when there is none (createTopicConfigEntry);
// the synonyms are sent only when asked.
func configEntry(name, value string, typ kmsg.ConfigType, readOnly bool,
	syns []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym, withSynonyms bool) kmsg.DescribeConfigsResponseResourceConfig {
	e := kmsg.NewDescribeConfigsResponseResourceConfig()
	e.Name, e.Value, e.ConfigType, e.ReadOnly = name, strPtr(value), typ, readOnly
	e.Source = kmsg.ConfigSourceDefaultConfig
	if len(syns) > 0 {
		e.Source = syns[0].Source
	}
	if withSynonyms {
		e.ConfigSynonyms = syns
	} else {
		e.ConfigSynonyms = []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{}
	}
	return e
}
