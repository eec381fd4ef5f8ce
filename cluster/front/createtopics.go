package front

import (
	"context"
	"sort"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// createTopics answers CreateTopics v0-7.
//
// The request becomes one []cluster.TopicSpec handed to node.CreateTopics
// under a context bounded by TimeoutMillis. A whole-request error (for
// example NOT_CONTROLLER) is answered as that code on every topic, as Kafka
// does. A config with a null value is INVALID_CONFIG for its topic and never
// reaches the node.
//
// ValidateOnly is answered from cluster.CheckCreate (PlanCreate's checks,
// without placement) against node.Image(), without writing: the image is what this node serves, so a validation on a
// node that lags may pass where the write would not. A node implementing
// cluster.WriteChecker that refuses writes answers the validation with the
// same whole-request error a write would get. Validated topics carry no
// topic id.
func (k *kafkaAPIs) createTopics(ctx context.Context, _ RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.CreateTopicsRequest)
	resp := kmsg.NewPtrCreateTopicsResponse()
	resp.Version = req.Version
	results := make([]cluster.TopicResult, len(req.Topics))
	specs := make([]cluster.TopicSpec, 0, len(req.Topics))
	index := make([]int, 0, len(req.Topics)) // specs[i] answers req.Topics[index[i]]
	for i, rt := range req.Topics {
		spec, err := topicSpec(rt)
		if err != nil {
			results[i] = cluster.ResultFor(rt.Topic, err)
			continue
		}
		specs = append(specs, spec)
		index = append(index, i)
	}
	got, err := k.create(ctx, req, specs)
	for j, r := range got {
		results[index[j]] = r
	}
	for i, rt := range req.Topics {
		var r cluster.TopicResult
		switch {
		case err != nil && results[i].Code == 0:
			code, msg := wholeRequestCode(err)
			r = cluster.TopicResult{Name: rt.Topic, Code: code, Message: msg}
		default:
			r = results[i]
		}
		resp.Topics = append(resp.Topics, createTopicsResult(rt, r))
	}
	return resp, nil
}

// create carries out (or validates) the specs and returns one result per
// spec, or the whole-request error.
func (k *kafkaAPIs) create(ctx context.Context, req *kmsg.CreateTopicsRequest, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	if req.ValidateOnly {
		if wc, ok := k.node.(cluster.WriteChecker); ok {
			if err := wc.CheckWrite(); err != nil {
				return nil, err
			}
		}
		return cluster.CheckCreate(k.node.Image(), specs, k.defaults), nil
	}
	wctx, cancel := k.writeContext(ctx, req.TimeoutMillis)
	defer cancel()
	got, err := k.node.CreateTopics(wctx, specs)
	if err != nil {
		return nil, err
	}
	if len(got) != len(specs) {
		return nil, cluster.Errorf(kerr.UnknownServerError,
			"the controller answered %d results for %d topics", len(got), len(specs))
	}
	return got, nil
}

// topicSpec maps one request topic onto a TopicSpec.
func topicSpec(rt kmsg.CreateTopicsRequestTopic) (cluster.TopicSpec, error) {
	spec := cluster.TopicSpec{Name: rt.Topic, NumPartitions: rt.NumPartitions, ReplicationFactor: rt.ReplicationFactor}
	if len(rt.ReplicaAssignment) > 0 {
		spec.Assignment = make(map[int32][]int32, len(rt.ReplicaAssignment))
		for _, a := range rt.ReplicaAssignment {
			if _, dup := spec.Assignment[a.Partition]; dup {
				return spec, cluster.Errorf(kerr.InvalidRequest,
					"Duplicate partition index %d in the replica assignment.", a.Partition)
			}
			spec.Assignment[a.Partition] = append([]int32(nil), a.Replicas...)
		}
	}
	if len(rt.Configs) > 0 {
		spec.Configs = make(map[string]string, len(rt.Configs))
		for _, c := range rt.Configs {
			if c.Value == nil {
				return spec, cluster.Errorf(kerr.InvalidConfig, "Null value not supported for topic configs: %s", c.Name)
			}
			spec.Configs[c.Name] = *c.Value
		}
	}
	return spec, nil
}

// createTopicsResult is one topic of the answer. From v5 a failed topic
// carries -1 counts, and a created one its counts and the configs it was
// given (as dynamic topic configs; Kafka also lists the defaults).
func createTopicsResult(rt kmsg.CreateTopicsRequestTopic, r cluster.TopicResult) kmsg.CreateTopicsResponseTopic {
	t := kmsg.NewCreateTopicsResponseTopic()
	t.Topic = rt.Topic
	t.ErrorCode = r.Code
	if r.Code != 0 {
		t.ErrorMessage = strPtr(r.Message)
		t.NumPartitions, t.ReplicationFactor = -1, -1
		return t
	}
	t.TopicID = r.ID
	t.NumPartitions, t.ReplicationFactor = r.NumPartitions, r.ReplicationFactor
	values := map[string]*string{}
	for _, c := range rt.Configs {
		values[c.Name] = c.Value
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := kmsg.NewCreateTopicsResponseTopicConfig()
		c.Name, c.Value = n, values[n]
		c.Source = int8(kmsg.ConfigSourceDynamicTopicConfig)
		t.Configs = append(t.Configs, c)
	}
	return t
}
