package cluster

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// ConfigType is a config's type as Kafka's ConfigDef names it and as
// DescribeConfigs v3+ reports it (DescribeConfigsResponse.ConfigType ids).
type ConfigType int8

// The ConfigTypes topic configs use (DescribeConfigsResponse.ConfigType).
const (
	ConfigBoolean ConfigType = 1
	ConfigString  ConfigType = 2
	ConfigInt     ConfigType = 3
	ConfigLong    ConfigType = 5
	ConfigDouble  ConfigType = 6
	ConfigList    ConfigType = 7
)

// TopicConfigDef is one topic-level config as Kafka 3.9 defines it
// (storage/src/main/java/org/apache/kafka/storage/internals/log/
// LogConfig.java, the static CONFIG block): its type, default, lower bound
// or allowed values, and the broker config it falls back to
// (server-common/.../server/config/ServerTopicConfigSynonyms.java
// TOPIC_CONFIG_SYNONYMS, the first synonym of each).
type TopicConfigDef struct {
	Name    string
	Type    ConfigType
	Default string
	// BrokerSynonym is the broker config a topic without an override takes
	// its value from ("" when it has none: the topic default applies).
	// BrokerDefault says the broker config has a default of its own (false
	// for log.retention.ms, whose value Kafka derives from
	// log.retention.hours), so DescribeConfigs lists it as a synonym.
	BrokerSynonym string
	BrokerDefault bool
	// Min bounds an INT, LONG or DOUBLE from below (ConfigDef.Range.atLeast,
	// between); Max from above; HasMin/HasMax say whether they apply.
	Min, Max       float64
	HasMin, HasMax bool
	// In lists the allowed values of a STRING, or of each element of a
	// LIST (ValidString.in, ValidList.in); empty for any.
	In []string
}

const longMax = "9223372036854775807"

func atLeast(d TopicConfigDef, min float64) TopicConfigDef { d.Min, d.HasMin = min, true; return d }

// topicConfigDefs are LogConfig's topic configs in Kafka 3.9, with their
// defaults (LogConfig.java:171-195, ServerLogConfigs.java) and broker
// synonyms (ServerTopicConfigSynonyms.java:58-100).
var topicConfigDefs = func() map[string]TopicConfigDef {
	type d = TopicConfigDef
	defs := []TopicConfigDef{
		atLeast(d{Name: "segment.bytes", Type: ConfigInt, Default: "1073741824", BrokerSynonym: "log.segment.bytes", BrokerDefault: true}, 14),
		atLeast(d{Name: "segment.ms", Type: ConfigLong, Default: "604800000", BrokerSynonym: "log.roll.ms"}, 1),
		atLeast(d{Name: "segment.jitter.ms", Type: ConfigLong, Default: "0", BrokerSynonym: "log.roll.jitter.ms"}, 0),
		atLeast(d{Name: "segment.index.bytes", Type: ConfigInt, Default: "10485760", BrokerSynonym: "log.index.size.max.bytes", BrokerDefault: true}, 4),
		atLeast(d{Name: "flush.messages", Type: ConfigLong, Default: longMax, BrokerSynonym: "log.flush.interval.messages", BrokerDefault: true}, 1),
		atLeast(d{Name: "flush.ms", Type: ConfigLong, Default: longMax, BrokerSynonym: "log.flush.interval.ms"}, 0),
		{Name: "retention.bytes", Type: ConfigLong, Default: "-1", BrokerSynonym: "log.retention.bytes", BrokerDefault: true},
		atLeast(d{Name: "retention.ms", Type: ConfigLong, Default: "604800000", BrokerSynonym: "log.retention.ms"}, -1),
		atLeast(d{Name: "max.message.bytes", Type: ConfigInt, Default: "1048588", BrokerSynonym: "message.max.bytes", BrokerDefault: true}, 0),
		atLeast(d{Name: "index.interval.bytes", Type: ConfigInt, Default: "4096", BrokerSynonym: "log.index.interval.bytes", BrokerDefault: true}, 0),
		atLeast(d{Name: "delete.retention.ms", Type: ConfigLong, Default: "86400000", BrokerSynonym: "log.cleaner.delete.retention.ms", BrokerDefault: true}, 0),
		atLeast(d{Name: "min.compaction.lag.ms", Type: ConfigLong, Default: "0", BrokerSynonym: "log.cleaner.min.compaction.lag.ms", BrokerDefault: true}, 0),
		atLeast(d{Name: "max.compaction.lag.ms", Type: ConfigLong, Default: longMax, BrokerSynonym: "log.cleaner.max.compaction.lag.ms", BrokerDefault: true}, 1),
		atLeast(d{Name: "file.delete.delay.ms", Type: ConfigLong, Default: "60000", BrokerSynonym: "log.segment.delete.delay.ms", BrokerDefault: true}, 0),
		{Name: "min.cleanable.dirty.ratio", Type: ConfigDouble, Default: "0.5", BrokerSynonym: "log.cleaner.min.cleanable.ratio", BrokerDefault: true,
			Min: 0, Max: 1, HasMin: true, HasMax: true},
		{Name: "cleanup.policy", Type: ConfigList, Default: "delete", BrokerSynonym: "log.cleanup.policy", BrokerDefault: true, In: []string{"compact", "delete"}},
		{Name: "unclean.leader.election.enable", Type: ConfigBoolean, Default: "false", BrokerSynonym: "unclean.leader.election.enable", BrokerDefault: true},
		atLeast(d{Name: "min.insync.replicas", Type: ConfigInt, Default: "1", BrokerSynonym: "min.insync.replicas", BrokerDefault: true}, 1),
		{Name: "compression.type", Type: ConfigString, Default: "producer", BrokerSynonym: "compression.type", BrokerDefault: true,
			In: []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
		{Name: "compression.gzip.level", Type: ConfigInt, Default: "-1", BrokerSynonym: "compression.gzip.level", BrokerDefault: true},
		{Name: "compression.lz4.level", Type: ConfigInt, Default: "9", BrokerSynonym: "compression.lz4.level", BrokerDefault: true},
		{Name: "compression.zstd.level", Type: ConfigInt, Default: "3", BrokerSynonym: "compression.zstd.level", BrokerDefault: true},
		{Name: "preallocate", Type: ConfigBoolean, Default: "false", BrokerSynonym: "log.preallocate", BrokerDefault: true},
		{Name: "message.format.version", Type: ConfigString, Default: "3.0-IV1", BrokerSynonym: "log.message.format.version", BrokerDefault: true},
		{Name: "message.timestamp.type", Type: ConfigString, Default: "CreateTime", BrokerSynonym: "log.message.timestamp.type", BrokerDefault: true,
			In: []string{"CreateTime", "LogAppendTime"}},
		atLeast(d{Name: "message.timestamp.difference.max.ms", Type: ConfigLong, Default: longMax, BrokerSynonym: "log.message.timestamp.difference.max.ms", BrokerDefault: true}, 0),
		atLeast(d{Name: "message.timestamp.before.max.ms", Type: ConfigLong, Default: longMax, BrokerSynonym: "log.message.timestamp.before.max.ms", BrokerDefault: true}, 0),
		atLeast(d{Name: "message.timestamp.after.max.ms", Type: ConfigLong, Default: longMax, BrokerSynonym: "log.message.timestamp.after.max.ms", BrokerDefault: true}, 0),
		{Name: "leader.replication.throttled.replicas", Type: ConfigList, Default: ""},
		{Name: "follower.replication.throttled.replicas", Type: ConfigList, Default: ""},
		{Name: "message.downconversion.enable", Type: ConfigBoolean, Default: "true", BrokerSynonym: "log.message.downconversion.enable", BrokerDefault: true},
		{Name: "remote.storage.enable", Type: ConfigBoolean, Default: "false"},
		atLeast(d{Name: "local.retention.ms", Type: ConfigLong, Default: "-2", BrokerSynonym: "log.local.retention.ms", BrokerDefault: true}, -2),
		atLeast(d{Name: "local.retention.bytes", Type: ConfigLong, Default: "-2", BrokerSynonym: "log.local.retention.bytes", BrokerDefault: true}, -2),
		{Name: "remote.log.copy.disable", Type: ConfigBoolean, Default: "false"},
		{Name: "remote.log.delete.on.disable", Type: ConfigBoolean, Default: "false"},
	}
	m := make(map[string]TopicConfigDef, len(defs))
	for _, d := range defs {
		m[d.Name] = d
	}
	return m
}()

// TopicConfigDefFor returns the definition of a topic config, false for a
// name Kafka does not know.
func TopicConfigDefFor(name string) (TopicConfigDef, bool) {
	d, ok := topicConfigDefs[name]
	return d, ok
}

// TopicConfigNames returns every topic config name, sorted: what
// DescribeConfigs lists for a topic (ConfigHelper.allConfigs(logConfig)).
func TopicConfigNames() []string {
	return slices.Sorted(maps.Keys(topicConfigDefs))
}

// ValidateTopicConfigs applies LogConfig.validate (LogConfig.java
// validateNames, then ConfigDef.parse of every value): the names first,
// then the values (ValidateTopicConfigNames, ValidateTopicConfigValues).
func ValidateTopicConfigs(configs map[string]string) error {
	if err := ValidateTopicConfigNames(configs); err != nil {
		return err
	}
	return ValidateTopicConfigValues(configs)
}

// ValidateTopicConfigNames is LogConfig.validateNames: a name Kafka does
// not know is INVALID_CONFIG "Unknown topic config name: x"
// (InvalidConfigurationException, an ApiException: every mode answers its
// message as is).
func ValidateTopicConfigNames(configs map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(configs)) {
		if _, ok := topicConfigDefs[k]; !ok {
			return Errorf(kerr.InvalidConfig, "Unknown topic config name: %s", k)
		}
	}
	return nil
}

// ValidateTopicConfigValues is ConfigDef.parse of every value: one that
// does not parse as its type or fails its validator is INVALID_CONFIG with
// ConfigDef's ConfigException message ("Invalid value abc for configuration
// retention.ms: Not a number of type LONG"), which ZooKeeper mode's admin
// manager prefixes with the resource (see zkmode). Unknown names are
// skipped.
func ValidateTopicConfigValues(configs map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(configs)) {
		d, ok := topicConfigDefs[k]
		if !ok {
			continue
		}
		if bad, msg := d.check(configs[k]); msg != "" {
			return Errorf(kerr.InvalidConfig, "Invalid value %s for configuration %s: %s", bad, k, msg)
		}
	}
	return nil
}

// check parses v as ConfigDef.parseType and runs the validator; it returns
// the value ConfigDef names (v, or the bad element of a list) and its
// reason, or "" when v is valid.
func (d TopicConfigDef) check(v string) (string, string) {
	msg := d.reason(v)
	if d.Type == ConfigList && msg != "" {
		for _, e := range strings.Split(strings.TrimSpace(v), ",") {
			if e = strings.TrimSpace(e); !slices.Contains(d.In, e) {
				return e, msg
			}
		}
	}
	return v, msg
}

func (d TopicConfigDef) reason(v string) string {
	s := strings.TrimSpace(v)
	var num float64
	switch d.Type {
	case ConfigBoolean:
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			return "Expected value to be either true or false"
		}
		return ""
	case ConfigInt:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return "Not a number of type INT"
		}
		num = float64(n)
	case ConfigLong:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "Not a number of type LONG"
		}
		num = float64(n)
	case ConfigDouble:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) {
			return "Not a number of type DOUBLE"
		}
		num = f
	case ConfigString:
		if len(d.In) > 0 && !slices.Contains(d.In, s) {
			return "String must be one of: " + strings.Join(d.In, ", ")
		}
		return ""
	case ConfigList:
		if len(d.In) == 0 || s == "" {
			return ""
		}
		for _, e := range strings.Split(s, ",") {
			if !slices.Contains(d.In, strings.TrimSpace(e)) {
				return "String must be one of: " + strings.Join(d.In, ", ")
			}
		}
		return ""
	}
	if d.HasMin && num < d.Min {
		if d.HasMax {
			return fmt.Sprintf("Value must be no less than %s", fmtBound(d.Min))
		}
		return "Value must be at least " + fmtBound(d.Min)
	}
	if d.HasMax && num > d.Max {
		return "Value must be no more than " + fmtBound(d.Max)
	}
	return ""
}

func fmtBound(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
