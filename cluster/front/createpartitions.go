package front

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// createPartitions answers CreatePartitions v0-3 for a node that
// implements cluster.PartitionCreator.
//
// Behavior (Kafka 3.9 core/src/main/scala/kafka/server/KafkaApis.scala
// handleCreatePartitionsRequest, both modes): a topic named more than once
// is INVALID_REQUEST ("Duplicate topic in request.") on every one of its
// entries and never reaches the node; the rest go to the node as one call,
// bounded by TimeoutMillis (ZooKeeper mode: only the controller takes it,
// others answer NOT_CONTROLLER; KRaft: forwarded to the active
// controller). A null Assignment lets Kafka place the new partitions. A
// whole-request failure is answered on every topic.
//
// Version notes: v2 is flexible; v3 changes nothing on the wire.
func (k *kafkaAPIs) createPartitions(ctx context.Context, _ RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.CreatePartitionsRequest)
	wctx, cancel := k.writeContext(ctx, req.TimeoutMillis)
	defer cancel()
	results := RunCreatePartitions(wctx, req, k.partitions.CreatePartitions)
	return CreatePartitionsResponse(req.Version, results), nil
}

// RunCreatePartitions reads req, answers its duplicates, and hands the
// other topics to create as one call; it returns one result per request
// topic, in order. A KRaft controller serves forwarded requests with it.
func RunCreatePartitions(ctx context.Context, req *kmsg.CreatePartitionsRequest,
	create func(context.Context, []cluster.PartitionsSpec, bool) ([]cluster.TopicResult, error)) []cluster.TopicResult {
	count := map[string]int{}
	for _, t := range req.Topics {
		count[t.Topic]++
	}
	out := make([]cluster.TopicResult, len(req.Topics))
	var specs []cluster.PartitionsSpec
	var index []int
	for i, t := range req.Topics {
		if count[t.Topic] > 1 {
			out[i] = cluster.ResultFor(t.Topic, cluster.Errorf(kerr.InvalidRequest, "Duplicate topic in request."))
			continue
		}
		s := cluster.PartitionsSpec{Topic: t.Topic, Count: t.Count}
		if t.Assignment != nil {
			s.Assignment = make([][]int32, len(t.Assignment))
			for j, a := range t.Assignment {
				s.Assignment[j] = slices.Clone(a.Replicas)
			}
		}
		specs = append(specs, s)
		index = append(index, i)
	}
	if len(specs) == 0 {
		return out
	}
	got, err := create(ctx, specs, req.ValidateOnly)
	if err == nil && len(got) != len(specs) {
		err = cluster.Errorf(kerr.UnknownServerError, "the node answered %d results for %d topics", len(got), len(specs))
	}
	for j, i := range index {
		if err != nil {
			code, msg := wholeRequestCode(err)
			out[i] = cluster.TopicResult{Name: specs[j].Topic, Code: code, Message: msg}
			continue
		}
		out[i] = got[j]
	}
	return out
}

// CreatePartitionsResponse encodes one result per request topic.
func CreatePartitionsResponse(version int16, results []cluster.TopicResult) *kmsg.CreatePartitionsResponse {
	resp := kmsg.NewPtrCreatePartitionsResponse()
	resp.Version = version
	for _, r := range results {
		t := kmsg.NewCreatePartitionsResponseTopic()
		t.Topic, t.ErrorCode = r.Name, r.Code
		if r.Code != 0 && r.Message != "" {
			t.ErrorMessage = strPtr(r.Message)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

// CreatePartitionsRequestFor is the request that carries specs (v3), as a
// KRaft broker forwards it and the admin client sends it.
func CreatePartitionsRequestFor(specs []cluster.PartitionsSpec, validateOnly bool, timeoutMillis int32) *kmsg.CreatePartitionsRequest {
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.Version, req.ValidateOnly, req.TimeoutMillis = 3, validateOnly, timeoutMillis
	for _, s := range specs {
		t := kmsg.NewCreatePartitionsRequestTopic()
		t.Topic, t.Count = s.Topic, s.Count
		if s.Assignment != nil {
			t.Assignment = []kmsg.CreatePartitionsRequestTopicAssignment{}
			for _, reps := range s.Assignment {
				a := kmsg.NewCreatePartitionsRequestTopicAssignment()
				a.Replicas = slices.Clone(reps)
				t.Assignment = append(t.Assignment, a)
			}
		}
		req.Topics = append(req.Topics, t)
	}
	return req
}

// PartitionsResultsFrom reads a CreatePartitions answer, in answer order.
func PartitionsResultsFrom(resp *kmsg.CreatePartitionsResponse) []cluster.TopicResult {
	out := make([]cluster.TopicResult, 0, len(resp.Topics))
	for _, t := range resp.Topics {
		r := cluster.TopicResult{Name: t.Topic, Code: t.ErrorCode}
		if t.ErrorMessage != nil {
			r.Message = *t.ErrorMessage
		}
		out = append(out, r)
	}
	return out
}
