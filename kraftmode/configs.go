package kraftmode

import (
	"context"
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// Topic configs as Kafka 3.9's KRaft mode serves them.
//
// DescribeConfigs is answered by a broker from its own image (ConfigHelper
// with the KRaftMetadataCache as its config repository), so a broker that
// has not yet applied a ConfigRecord shows the old value. AlterConfigs and
// IncrementalAlterConfigs are preprocessed by the broker, then forwarded to
// the active controller (KafkaApis handleIncrementalAlterConfigsRequest,
// handleAlterConfigsRequest: forwardingManager), which runs
// ConfigurationControlManager.incrementalAlterConfigs or legacyAlterConfigs
// (metadata/src/main/java/org/apache/kafka/controller/
// ConfigurationControlManager.java) as one write event: per resource, the
// new configs are computed from the controller's state, validated
// (ControllerConfigurationValidator: the topic name, then LogConfig.validate,
// whose ConfigException is INVALID_CONFIG with its message as is), then the
// topic must exist (QuorumController.ConfigResourceExistenceChecker:
// UNKNOWN_TOPIC_OR_PARTITION "The topic 't' does not exist."); a ConfigRecord
// is produced for each key whose value changes (a legacy AlterConfigs also
// deletes every override it does not name). Every resource's records commit
// atomically, and the answer comes after the commit; brokers apply them
// from the log.

var _ cluster.TopicConfigurer = (*Node)(nil)

// TopicConfigs returns the overrides the image this node serves holds for
// topic.
func (n *Node) TopicConfigs(_ context.Context, topic string) (map[string]string, error) {
	t, ok := n.Image().Topics[topic]
	if !ok {
		return nil, &cluster.Error{Code: kerr.UnknownTopicOrPartition.Code}
	}
	return maps.Clone(t.Configs), nil
}

// AlterTopicConfigs implements cluster.TopicConfigurer: on the active
// controller locally, otherwise forwarded (retrying NOT_CONTROLLER until the
// active controller answers or ctx ends).
func (n *Node) AlterTopicConfigs(ctx context.Context, alters []cluster.TopicConfigAlter, validateOnly bool) ([]cluster.ConfigResult, error) {
	if n.ctrl != nil && n.ctrl.isActive() {
		res, err := n.ctrl.alterTopicConfigs(ctx, alters, validateOnly)
		if !isNotController(err) {
			return res, err
		}
	}
	return n.cli.forwardAlterConfigs(ctx, alters, validateOnly)
}

// alterTopicConfigs is the controller's write event (see the file comment).
func (c *controller) alterTopicConfigs(ctx context.Context, alters []cluster.TopicConfigAlter, validateOnly bool) ([]cluster.ConfigResult, error) {
	out := make([]cluster.ConfigResult, len(alters))
	_, err := c.submit(ctx, func(st *metaState) ([]Record, error) {
		var recs []Record
		for i, a := range alters {
			r, err := alterTopicConfigLocked(st.img, a)
			out[i] = cluster.ConfigResultFor(a.Topic, err)
			if err == nil && !validateOnly {
				recs = append(recs, r...)
			}
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// alterTopicConfigLocked returns the ConfigRecords of one resource, or its
// error.
func alterTopicConfigLocked(img *cluster.Image, a cluster.TopicConfigAlter) ([]Record, error) {
	if err := cluster.ValidateTopicName(a.Topic); err != nil {
		return nil, err
	}
	var cur map[string]string
	t, exists := img.Topics[a.Topic]
	if exists {
		cur = t.Configs
	}
	next, err := cluster.ApplyConfigChanges(cur, a)
	if err != nil {
		return nil, err
	}
	if err := cluster.ValidateTopicConfigs(next); err != nil {
		return nil, err
	}
	if !exists {
		return nil, cluster.Errorf(kerr.UnknownTopicOrPartition, "The topic '%s' does not exist.", a.Topic)
	}
	var recs []Record
	keys := slices.Sorted(maps.Keys(next))
	for k := range cur {
		if _, ok := next[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		old, had := cur[k]
		v, has := next[k]
		if had == has && old == v {
			continue
		}
		rec := &ConfigRecord{ResourceType: ConfigResourceTopic, ResourceName: a.Topic, Name: k}
		if has {
			rec.Value = &v
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// handleIncrementalAlterConfigs and handleAlterConfigs serve the controller
// listener: what brokers forward, and what admin clients bootstrapped on
// the controllers send (ControllerApis preprocesses as the brokers do).
func (n *Node) handleIncrementalAlterConfigs(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.IncrementalAlterConfigsRequest)
	as := front.IncrementalAlterations(req)
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	defer cancel()
	front.RunAlterations(ctx, as, req.ValidateOnly, n.ctrl.alterTopicConfigs)
	return front.IncrementalAlterResponse(req.Version, as), nil
}

func (n *Node) handleAlterConfigs(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.AlterConfigsRequest)
	as := front.LegacyAlterations(req)
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	defer cancel()
	front.RunAlterations(ctx, as, req.ValidateOnly, n.ctrl.alterTopicConfigs)
	return front.AlterConfigsResponse(req.Version, as), nil
}

// forwardAlterConfigs sends the alterations to the active controller as
// the request they came in (IncrementalAlterConfigs, or AlterConfigs for
// replacements), as a Kafka broker forwards it.
func (c *ctrlClient) forwardAlterConfigs(ctx context.Context, alters []cluster.TopicConfigAlter, validateOnly bool) ([]cluster.ConfigResult, error) {
	if len(alters) == 0 {
		return nil, nil
	}
	req, err := front.AlterConfigsRequestFor(alters, validateOnly)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, req, func(r kmsg.Response) verdict {
		var codes []int16
		for _, res := range front.ConfigResultsFrom(r) {
			codes = append(codes, res.Code)
		}
		return verdict{retry: allNotController(codes), leader: -1}
	})
	if err != nil {
		return nil, err
	}
	return front.ConfigResultsFrom(resp), nil
}
