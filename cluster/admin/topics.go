package admin

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// CreateTopics sends one CreateTopics request. Specs that share their counts
// and configs go through kadm.CreateTopics; a request kadm cannot express
// (manual assignments, differing counts, a name twice, which Kafka answers
// with INVALID_REQUEST) is sent as the same kmsg request kadm builds, through
// the same client and routing. Either way it is one request, so Kafka's
// in-request rules (duplicates, '.'/'_' collisions between entries) apply.
func (c *Client) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	if uniform(specs) {
		return c.createUniform(ctx, specs)
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = c.timeoutMillis
	for _, s := range specs {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = s.Name, s.NumPartitions, s.ReplicationFactor
		for p, reps := range s.Assignment {
			rt.ReplicaAssignment = append(rt.ReplicaAssignment,
				kmsg.CreateTopicsRequestTopicReplicaAssignment{Partition: p, Replicas: reps})
		}
		for k, v := range s.Configs {
			rt.Configs = append(rt.Configs, kmsg.CreateTopicsRequestTopicConfig{Name: k, Value: kmsg.StringPtr(v)})
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("create topics: %w", err)
	}
	if len(resp.Topics) != len(specs) {
		return nil, fmt.Errorf("create topics: %d answers for %d topics", len(resp.Topics), len(specs))
	}
	out := make([]cluster.TopicResult, len(specs))
	for i, t := range resp.Topics { // Kafka answers in request order
		out[i] = cluster.TopicResult{Name: t.Topic, ID: t.TopicID, NumPartitions: t.NumPartitions,
			ReplicationFactor: t.ReplicationFactor, Code: t.ErrorCode, Message: deref(t.ErrorMessage)}
	}
	return out, nil
}

func (c *Client) createUniform(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	var configs map[string]*string
	for k, v := range specs[0].Configs {
		if configs == nil {
			configs = map[string]*string{}
		}
		configs[k] = kmsg.StringPtr(v)
	}
	rs, err := c.adm.CreateTopics(ctx, specs[0].NumPartitions, specs[0].ReplicationFactor, configs, names...)
	if err != nil {
		return nil, fmt.Errorf("create topics: %w", err)
	}
	out := make([]cluster.TopicResult, len(specs))
	for i, n := range names {
		r, ok := rs[n]
		if !ok {
			return nil, fmt.Errorf("create topics: no answer for topic %q", n)
		}
		out[i] = cluster.TopicResult{Name: n, ID: cluster.TopicID(r.ID), NumPartitions: r.NumPartitions,
			ReplicationFactor: r.ReplicationFactor, Code: cluster.ErrorCode(r.Err), Message: r.ErrMessage}
	}
	return out, nil
}

// DeleteTopics sends one DeleteTopics request by name. Distinct names go
// through kadm.DeleteTopics; a name given twice (INVALID_REQUEST from Kafka)
// is sent as the equivalent kmsg request, since kadm answers by name.
func (c *Client) DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	if len(names) == 0 {
		return nil, nil
	}
	seen := map[string]bool{}
	dup := false
	for _, n := range names {
		dup = dup || seen[n]
		seen[n] = true
	}
	if !dup {
		rs, err := c.adm.DeleteTopics(ctx, names...)
		if err != nil {
			return nil, fmt.Errorf("delete topics: %w", err)
		}
		out := make([]cluster.TopicResult, len(names))
		for i, n := range names {
			r, ok := rs[n]
			if !ok {
				return nil, fmt.Errorf("delete topics: no answer for topic %q", n)
			}
			out[i] = cluster.TopicResult{Name: n, ID: cluster.TopicID(r.ID), Code: cluster.ErrorCode(r.Err), Message: r.ErrMessage}
		}
		return out, nil
	}
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TimeoutMillis = c.timeoutMillis
	req.TopicNames = names
	for _, n := range names {
		req.Topics = append(req.Topics, kmsg.DeleteTopicsRequestTopic{Topic: kmsg.StringPtr(n)})
	}
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("delete topics: %w", err)
	}
	if len(resp.Topics) != len(names) {
		return nil, fmt.Errorf("delete topics: %d answers for %d topics", len(resp.Topics), len(names))
	}
	out := make([]cluster.TopicResult, len(names))
	for i, t := range resp.Topics {
		out[i] = cluster.TopicResult{Name: names[i], ID: t.TopicID, Code: t.ErrorCode, Message: deref(t.ErrorMessage)}
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
