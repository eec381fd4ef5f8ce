package zkmode

import (
	"context"
	"errors"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// Topic configs as Kafka 3.9's ZooKeeper-mode brokers serve them. Any
// broker answers, not only the controller: DescribeConfigs reads the
// config znode (ConfigHelper.describeConfigs through ZkConfigRepository),
// and AlterConfigs/IncrementalAlterConfigs write it and a change
// notification from the handling broker's own session
// (core/src/main/scala/kafka/server/ZkAdminManager.scala alterConfigs,
// incrementalAlterConfigs, alterTopicConfigs; core/src/main/scala/kafka/zk/
// AdminZkClient.scala validateTopicConfig, changeTopicConfig,
// changeEntityConfig; KafkaZkClient.scala setOrCreateEntityConfigs,
// createConfigChangeNotification). The answer comes once the znodes are
// written: the brokers apply the change later, each from its own watch on
// /config/changes (configchanges.go).

var _ cluster.TopicConfigurer = (*Node)(nil)

// TopicConfigs returns the topic's overrides as /config/topics/<t> holds
// them, once the broker's metadata cache knows the topic
// (UNKNOWN_TOPIC_OR_PARTITION otherwise, without a message, as
// ConfigHelper answers).
func (n *Node) TopicConfigs(_ context.Context, topic string) (map[string]string, error) {
	if _, ok := n.broker.img.Load().Topics[topic]; !ok {
		return nil, &cluster.Error{Code: kerr.UnknownTopicOrPartition.Code}
	}
	return n.fetchTopicConfig(topic)
}

// fetchTopicConfig is AdminZkClient.fetchEntityConfig for a topic: one
// getData, an absent znode being no overrides.
func (n *Node) fetchTopicConfig(topic string) (map[string]string, error) {
	b, _, err := n.z.Get(zkmeta.TopicConfigPath(topic))
	if errors.Is(err, zk.ErrNoNode) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	cfg, err := zkmeta.DecodeConfig(topic, b)
	if cfg == nil && err == nil {
		cfg = map[string]string{}
	}
	return cfg, err
}

// AlterTopicConfigs carries out each alteration in turn, as ZkAdminManager
// does, each answered on its own. During a migration's dual-write phase the
// whole request is NOT_CONTROLLER: Kafka's broker would forward it to the
// KRaft controller, which kraftbench's migration link does not carry
// (docs/fidelity.md), and its setOrCreateEntityConfigs refuses to write
// while a KRaft controller holds /controller.
func (n *Node) AlterTopicConfigs(_ context.Context, alters []cluster.TopicConfigAlter, validateOnly bool) ([]cluster.ConfigResult, error) {
	if n.forwardTo() != nil {
		return nil, cluster.Errorf(kerr.NotController, "a KRaft controller is active: kraftbench does not forward config changes during a migration")
	}
	out := make([]cluster.ConfigResult, len(alters))
	for i, a := range alters {
		out[i] = cluster.ConfigResultFor(a.Topic, n.alterTopicConfig(a, validateOnly))
	}
	return out, nil
}

// alterTopicConfig is one resource of incrementalAlterConfigs (the current
// overrides read first, fetchEntityConfig, then prepareIncrementalConfigs)
// or of alterConfigs (the request's entries replace them), then
// alterTopicConfigs: the cache check, validateTopicConfig, and unless
// validateOnly changeTopicConfig, which validates again before writing.
func (n *Node) alterTopicConfig(a cluster.TopicConfigAlter, validateOnly bool) error {
	var cur map[string]string
	if !a.Replace {
		var err error
		if cur, err = n.fetchTopicConfig(a.Topic); err != nil {
			return err
		}
	}
	props, err := cluster.ApplyConfigChanges(cur, a)
	if err != nil {
		return err
	}
	if _, ok := n.broker.img.Load().Topics[a.Topic]; !ok {
		return cluster.Errorf(kerr.UnknownTopicOrPartition, "The topic '%s' does not exist.", a.Topic)
	}
	if err := n.validateTopicConfig(a.Topic, props); err != nil {
		return err
	}
	if validateOnly {
		return nil
	}
	if err := n.validateTopicConfig(a.Topic, props); err != nil {
		return err
	}
	if err := n.setOrCreateTopicConfig(a.Topic, props); err != nil {
		return err
	}
	return n.createConfigChangeNotification(zkmeta.TopicEntityPath(a.Topic))
}

// validateTopicConfig is AdminZkClient.validateTopicConfig: the name, the
// topic znode's existence (an exists request), then LogConfig.validate. A
// value that does not parse is a ConfigException, which ZkAdminManager
// answers as INVALID_CONFIG with the resource named before Kafka's reason.
func (n *Node) validateTopicConfig(topic string, props map[string]string) error {
	if err := cluster.ValidateTopicName(topic); err != nil {
		return err
	}
	ok, err := n.z.Exists(zkmeta.TopicPath(topic))
	if err != nil {
		return err
	}
	if !ok {
		return cluster.Errorf(kerr.UnknownTopicOrPartition, "Topic '%s' does not exist.", topic)
	}
	if err := cluster.ValidateTopicConfigNames(props); err != nil {
		return err
	}
	if err := cluster.ValidateTopicConfigValues(props); err != nil {
		var e *cluster.Error
		errors.As(err, &e)
		return cluster.Errorf(kerr.InvalidConfig, "Invalid config value for resource ConfigResource(type=TOPIC, name='%s'): %s", topic, e.Message)
	}
	return nil
}

// createConfigChangeNotification is KafkaZkClient's: makeSurePersistentPathExists
// of /config/changes (a create that finds it there), then a persistent
// sequential create naming the entity.
func (n *Node) createConfigChangeNotification(entityPath string) error {
	if err := n.z.Create(zkmeta.ConfigChangesPath, nil, 0); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		return err
	}
	return n.z.Create(zkmeta.ConfigChangeSeqPath(), zkmeta.EncodeConfigChange(entityPath), zk.FlagSequence)
}
