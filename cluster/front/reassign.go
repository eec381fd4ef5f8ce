package front

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// alterPartitionReassignments answers AlterPartitionReassignments v0 for a
// node that implements cluster.Reassigner.
//
// Behavior (Kafka 3.9 core/src/main/scala/kafka/server/KafkaApis.scala
// handleAlterPartitionReassignmentsRequest; KRaft brokers forward it to the
// active controller, ControllerApis.handleAlterPartitionReassignments): every
// partition goes to the node as one call, bounded by TimeoutMillis; a null
// Replicas cancels. A whole-request failure (NOT_CONTROLLER, a timeout) is
// the response's top-level error, with no topics, as Kafka answers it.
// Partitions are answered per topic, topics in the order of the request.
func (k *kafkaAPIs) alterPartitionReassignments(ctx context.Context, _ RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.AlterPartitionAssignmentsRequest)
	wctx, cancel := k.writeContext(ctx, req.TimeoutMillis)
	defer cancel()
	return RunAlterPartitionReassignments(wctx, req, k.reassigner.AlterPartitionReassignments), nil
}

// RunAlterPartitionReassignments reads req, hands its partitions to alter
// as one call and encodes the answer. A KRaft controller serves forwarded
// requests with it.
func RunAlterPartitionReassignments(ctx context.Context, req *kmsg.AlterPartitionAssignmentsRequest,
	alter func(context.Context, []cluster.ReassignSpec) ([]cluster.PartitionResult, error)) *kmsg.AlterPartitionAssignmentsResponse {
	specs := ReassignSpecsFrom(req)
	resp := kmsg.NewPtrAlterPartitionAssignmentsResponse()
	resp.Version = req.Version
	if len(specs) == 0 {
		return resp
	}
	got, err := alter(ctx, specs)
	if err == nil {
		err = answersEvery(specs, got)
	}
	if err != nil {
		code, msg := wholeRequestCode(err)
		resp.ErrorCode, resp.ErrorMessage = code, strPtr(msg)
		return resp
	}
	index := map[string]int{}
	for _, r := range got {
		i, ok := index[r.Topic]
		if !ok {
			i = len(resp.Topics)
			index[r.Topic] = i
			t := kmsg.NewAlterPartitionAssignmentsResponseTopic()
			t.Topic = r.Topic
			resp.Topics = append(resp.Topics, t)
		}
		p := kmsg.NewAlterPartitionAssignmentsResponseTopicPartition()
		p.Partition, p.ErrorCode = r.Partition, r.Code
		if r.Code != 0 && r.Message != "" {
			p.ErrorMessage = strPtr(r.Message)
		}
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, p)
	}
	return resp
}

// partKey names a topic's partition in the maps below.
type partKey struct {
	t string
	p int32
}

// answersEvery checks that got has a result for each partition specs
// name: one per spec, or one per partition where the mode collapses a
// partition named twice (cluster.Reassigner).
func answersEvery(specs []cluster.ReassignSpec, got []cluster.PartitionResult) error {
	answered := make(map[partKey]bool, len(got))
	for _, r := range got {
		answered[partKey{r.Topic, r.Partition}] = true
	}
	for _, s := range specs {
		if !answered[partKey{s.Topic, s.Partition}] {
			return cluster.Errorf(kerr.UnknownServerError, "the node answered %d results for %d partitions, none for %s-%d",
				len(got), len(specs), s.Topic, s.Partition)
		}
	}
	return nil
}

// ReassignSpecsFrom lists the partitions of req in request order.
func ReassignSpecsFrom(req *kmsg.AlterPartitionAssignmentsRequest) []cluster.ReassignSpec {
	var specs []cluster.ReassignSpec
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			specs = append(specs, cluster.ReassignSpec{Topic: t.Topic, Partition: p.Partition, Replicas: slices.Clone(p.Replicas)})
		}
	}
	return specs
}

// AlterPartitionReassignmentsRequestFor is the request that carries specs
// (v0), as a KRaft broker forwards it and the admin client sends it;
// consecutive specs of one topic share its entry.
func AlterPartitionReassignmentsRequestFor(specs []cluster.ReassignSpec, timeoutMillis int32) *kmsg.AlterPartitionAssignmentsRequest {
	req := kmsg.NewPtrAlterPartitionAssignmentsRequest()
	req.TimeoutMillis = timeoutMillis
	for _, s := range specs {
		if n := len(req.Topics); n == 0 || req.Topics[n-1].Topic != s.Topic {
			t := kmsg.NewAlterPartitionAssignmentsRequestTopic()
			t.Topic = s.Topic
			req.Topics = append(req.Topics, t)
		}
		p := kmsg.NewAlterPartitionAssignmentsRequestTopicPartition()
		p.Partition, p.Replicas = s.Partition, slices.Clone(s.Replicas)
		t := &req.Topics[len(req.Topics)-1]
		t.Partitions = append(t.Partitions, p)
	}
	return req
}

// ReassignResultsFrom reads an AlterPartitionReassignments answer into one
// result per spec, in the order of specs. A top-level error is every
// spec's; a spec the answer does not name is UNKNOWN_SERVER_ERROR.
func ReassignResultsFrom(specs []cluster.ReassignSpec, resp *kmsg.AlterPartitionAssignmentsResponse) []cluster.PartitionResult {
	got := map[partKey]cluster.PartitionResult{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			r := cluster.PartitionResult{Topic: t.Topic, Partition: p.Partition, Code: p.ErrorCode}
			if p.ErrorMessage != nil {
				r.Message = *p.ErrorMessage
			}
			got[partKey{t.Topic, p.Partition}] = r
		}
	}
	out := make([]cluster.PartitionResult, len(specs))
	for i, s := range specs {
		r, ok := got[partKey{s.Topic, s.Partition}]
		switch {
		case resp.ErrorCode != 0:
			r = cluster.PartitionResult{Topic: s.Topic, Partition: s.Partition, Code: resp.ErrorCode}
			if resp.ErrorMessage != nil {
				r.Message = *resp.ErrorMessage
			}
		case !ok:
			r = cluster.PartitionResult{Topic: s.Topic, Partition: s.Partition, Code: kerr.UnknownServerError.Code,
				Message: "the answer does not name this partition"}
		}
		out[i] = r
	}
	return out
}

// listPartitionReassignments answers ListPartitionReassignments v0 for a
// node that implements cluster.Reassigner (Kafka 3.9 KafkaApis
// handleListPartitionReassignmentsRequest; KRaft brokers forward it): a
// null Topics lists every reassignment in progress; a named partition that
// is not being reassigned (or does not exist) is left out, as Kafka leaves
// it out. A whole-request failure is the top-level error.
func (k *kafkaAPIs) listPartitionReassignments(ctx context.Context, _ RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.ListPartitionReassignmentsRequest)
	wctx, cancel := k.writeContext(ctx, req.TimeoutMillis)
	defer cancel()
	return RunListPartitionReassignments(wctx, req, k.reassigner.ListPartitionReassignments), nil
}

// RunListPartitionReassignments reads req, asks list and encodes the
// answer. A KRaft controller serves forwarded requests with it.
func RunListPartitionReassignments(ctx context.Context, req *kmsg.ListPartitionReassignmentsRequest,
	list func(context.Context, []cluster.TopicPartitions) ([]cluster.Reassignment, error)) *kmsg.ListPartitionReassignmentsResponse {
	var which []cluster.TopicPartitions
	if req.Topics != nil {
		which = []cluster.TopicPartitions{}
		for _, t := range req.Topics {
			which = append(which, cluster.TopicPartitions{Topic: t.Topic, Partitions: slices.Clone(t.Partitions)})
		}
	}
	resp := kmsg.NewPtrListPartitionReassignmentsResponse()
	resp.Version = req.Version
	got, err := list(ctx, which)
	if err != nil {
		code, msg := wholeRequestCode(err)
		resp.ErrorCode, resp.ErrorMessage = code, strPtr(msg)
		return resp
	}
	for _, r := range got {
		if n := len(resp.Topics); n == 0 || resp.Topics[n-1].Topic != r.Topic {
			t := kmsg.NewListPartitionReassignmentsResponseTopic()
			t.Topic = r.Topic
			resp.Topics = append(resp.Topics, t)
		}
		p := kmsg.NewListPartitionReassignmentsResponseTopicPartition()
		p.Partition = r.Partition
		p.Replicas, p.AddingReplicas, p.RemovingReplicas = cluster.IDs(r.Replicas), cluster.IDs(r.Adding), cluster.IDs(r.Removing)
		t := &resp.Topics[len(resp.Topics)-1]
		t.Partitions = append(t.Partitions, p)
	}
	return resp
}

// ListPartitionReassignmentsRequestFor is the request for which (nil: every
// reassignment), as a KRaft broker forwards it and the admin client sends
// it.
func ListPartitionReassignmentsRequestFor(which []cluster.TopicPartitions, timeoutMillis int32) *kmsg.ListPartitionReassignmentsRequest {
	req := kmsg.NewPtrListPartitionReassignmentsRequest()
	req.TimeoutMillis = timeoutMillis
	if which != nil {
		req.Topics = []kmsg.ListPartitionReassignmentsRequestTopic{}
		for _, w := range which {
			t := kmsg.NewListPartitionReassignmentsRequestTopic()
			t.Topic, t.Partitions = w.Topic, slices.Clone(w.Partitions)
			req.Topics = append(req.Topics, t)
		}
	}
	return req
}

// ReassignmentsFrom reads a ListPartitionReassignments answer, sorted by
// topic and partition; a top-level error is returned as a *cluster.Error.
func ReassignmentsFrom(resp *kmsg.ListPartitionReassignmentsResponse) ([]cluster.Reassignment, error) {
	if resp.ErrorCode != 0 {
		msg := ""
		if resp.ErrorMessage != nil {
			msg = *resp.ErrorMessage
		}
		return nil, &cluster.Error{Code: resp.ErrorCode, Message: msg}
	}
	var out []cluster.Reassignment
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			out = append(out, cluster.Reassignment{Topic: t.Topic, Partition: p.Partition,
				Replicas: p.Replicas, Adding: p.AddingReplicas, Removing: p.RemovingReplicas})
		}
	}
	cluster.SortReassignments(out)
	return out, nil
}
