package admin

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

var _ cluster.ConfigAdmin = (*Client)(nil)

// DescribeTopicConfigs implements cluster.ConfigAdmin with kadm's
// DescribeTopicConfigs (synonyms included, as kadm asks for them).
func (c *Client) DescribeTopicConfigs(ctx context.Context, topics []string) ([]cluster.TopicConfigsResult, error) {
	rcs, err := c.adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil && len(rcs) == 0 {
		return nil, fmt.Errorf("describe topic configs: %w", err)
	}
	byName := make(map[string]cluster.TopicConfigsResult, len(rcs))
	for _, rc := range rcs {
		r := cluster.TopicConfigsResult{Topic: rc.Name, Code: cluster.ErrorCode(rc.Err), Message: rc.ErrMessage}
		for _, kc := range rc.Configs {
			e := cluster.ConfigEntry{Name: kc.Key, Value: kc.Value, Source: cluster.ConfigSource(kc.Source)}
			for _, s := range kc.Synonyms {
				e.Synonyms = append(e.Synonyms, cluster.ConfigSynonym{Name: s.Key, Value: s.Value, Source: cluster.ConfigSource(s.Source)})
			}
			r.Configs = append(r.Configs, e)
		}
		byName[rc.Name] = r
	}
	out := make([]cluster.TopicConfigsResult, 0, len(topics))
	for _, t := range topics {
		r, ok := byName[t]
		if !ok {
			return nil, fmt.Errorf("describe topic configs: no answer for topic %q", t)
		}
		out = append(out, r)
	}
	return out, nil
}

// BrokerTopicConfigs implements cluster.ConfigAdmin: one DescribeConfigs
// with synonyms, sent to the named broker only.
func (c *Client) BrokerTopicConfigs(ctx context.Context, brokerID int32, topic string) (cluster.TopicConfigsResult, error) {
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.IncludeSynonyms = true
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, topic
	req.Resources = append(req.Resources, r)
	resp, err := c.cl.Broker(int(brokerID)).Request(ctx, req)
	if err != nil {
		return cluster.TopicConfigsResult{}, fmt.Errorf("describe configs at broker %d: %w", brokerID, err)
	}
	dr, ok := resp.(*kmsg.DescribeConfigsResponse)
	if !ok || len(dr.Resources) != 1 {
		return cluster.TopicConfigsResult{}, fmt.Errorf("describe configs at broker %d: unexpected answer %T", brokerID, resp)
	}
	res := dr.Resources[0]
	out := cluster.TopicConfigsResult{Topic: res.ResourceName, Code: res.ErrorCode}
	if res.ErrorMessage != nil {
		out.Message = *res.ErrorMessage
	}
	for _, e := range res.Configs {
		ce := cluster.ConfigEntry{Name: e.Name, Value: e.Value, Source: cluster.ConfigSource(e.Source), ReadOnly: e.ReadOnly}
		for _, s := range e.ConfigSynonyms {
			ce.Synonyms = append(ce.Synonyms, cluster.ConfigSynonym{Name: s.Name, Value: s.Value, Source: cluster.ConfigSource(s.Source)})
		}
		out.Configs = append(out.Configs, ce)
	}
	return out, nil
}

// AlterTopicConfigs implements cluster.ConfigAdmin. kadm applies one set of
// changes to every topic it is given, so the request is built here, one
// resource per alteration (front.AlterConfigsRequestFor), and franz-go
// sends it to any broker, as Kafka's admin client does for topics.
func (c *Client) AlterTopicConfigs(ctx context.Context, alters []cluster.TopicConfigAlter, validateOnly bool) ([]cluster.ConfigResult, error) {
	if len(alters) == 0 {
		return nil, nil
	}
	req, err := front.AlterConfigsRequestFor(alters, validateOnly)
	if err != nil {
		return nil, err
	}
	resp, err := c.cl.Request(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kmsg.NameForKey(req.Key()), err)
	}
	return front.ConfigResultsFrom(resp), nil
}
