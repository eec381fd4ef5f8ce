package kraftmode

import (
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Versions kraftbench nodes send each other.
const (
	createTopicsVersion       = 7
	deleteTopicsVersion       = 6
	brokerRegistrationVersion = 1
	brokerHeartbeatVersion    = 1
	fetchVersion              = 12
	fetchSnapshotVersion      = 0
	describeQuorumVersion     = 1
)

// metadataTopic is the metadata log's topic name, as brokers fetch it.
const metadataTopic = "__cluster_metadata"

// specsFromRequest turns a CreateTopics request into TopicSpecs.
func specsFromRequest(req *kmsg.CreateTopicsRequest) []cluster.TopicSpec {
	specs := make([]cluster.TopicSpec, len(req.Topics))
	for i, t := range req.Topics {
		s := cluster.TopicSpec{Name: t.Topic, NumPartitions: t.NumPartitions, ReplicationFactor: t.ReplicationFactor}
		if len(t.ReplicaAssignment) > 0 {
			s.Assignment = make(map[int32][]int32, len(t.ReplicaAssignment))
			for _, a := range t.ReplicaAssignment {
				s.Assignment[a.Partition] = a.Replicas
			}
		}
		if len(t.Configs) > 0 {
			s.Configs = make(map[string]string, len(t.Configs))
			for _, c := range t.Configs {
				if c.Value != nil {
					s.Configs[c.Name] = *c.Value
				}
			}
		}
		specs[i] = s
	}
	return specs
}

// requestFromSpecs builds the CreateTopics request a node forwards.
func requestFromSpecs(specs []cluster.TopicSpec, timeoutMillis int32) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Version = createTopicsVersion
	req.TimeoutMillis = timeoutMillis
	for _, s := range specs {
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = s.Name, s.NumPartitions, s.ReplicationFactor
		for p, reps := range s.Assignment {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition, a.Replicas = p, reps
			t.ReplicaAssignment = append(t.ReplicaAssignment, a)
		}
		for k, v := range s.Configs {
			c := kmsg.NewCreateTopicsRequestTopicConfig()
			c.Name, c.Value = k, kmsg.StringPtr(v)
			t.Configs = append(t.Configs, c)
		}
		req.Topics = append(req.Topics, t)
	}
	return req
}

func createResponse(results []cluster.TopicResult) *kmsg.CreateTopicsResponse {
	resp := kmsg.NewPtrCreateTopicsResponse()
	for _, r := range results {
		t := kmsg.NewCreateTopicsResponseTopic()
		t.Topic, t.TopicID, t.ErrorCode = r.Name, r.ID, r.Code
		if r.Code != 0 {
			t.ErrorMessage = kmsg.StringPtr(r.Message)
			t.NumPartitions, t.ReplicationFactor = -1, -1
		} else {
			t.NumPartitions, t.ReplicationFactor = r.NumPartitions, r.ReplicationFactor
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

func resultsFromCreate(resp *kmsg.CreateTopicsResponse) []cluster.TopicResult {
	out := make([]cluster.TopicResult, len(resp.Topics))
	for i, t := range resp.Topics {
		out[i] = cluster.TopicResult{Name: t.Topic, ID: t.TopicID, NumPartitions: t.NumPartitions,
			ReplicationFactor: t.ReplicationFactor, Code: t.ErrorCode}
		if t.ErrorMessage != nil {
			out[i].Message = *t.ErrorMessage
		}
	}
	return out
}

// allCode builds a CreateTopics answer giving every topic the same error.
func createAllFailed(req *kmsg.CreateTopicsRequest, err error) *kmsg.CreateTopicsResponse {
	results := make([]cluster.TopicResult, len(req.Topics))
	for i, t := range req.Topics {
		results[i] = cluster.ResultFor(t.Topic, err)
	}
	return createResponse(results)
}

// deleteNames returns the topic names of a DeleteTopics request, resolving
// topic ids (v6) against img; an unknown id becomes an empty name.
func deleteNames(req *kmsg.DeleteTopicsRequest, img *cluster.Image) []string {
	if req.Version < 6 {
		return req.TopicNames
	}
	names := make([]string, len(req.Topics))
	for i, t := range req.Topics {
		switch {
		case t.Topic != nil:
			names[i] = *t.Topic
		default:
			if tp, ok := img.TopicByID(t.TopicID); ok {
				names[i] = tp.Name
			}
		}
	}
	return names
}

func deleteRequest(names []string, timeoutMillis int32) *kmsg.DeleteTopicsRequest {
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.Version = deleteTopicsVersion
	req.TimeoutMillis = timeoutMillis
	for _, n := range names {
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.Topic = kmsg.StringPtr(n)
		req.Topics = append(req.Topics, t)
	}
	return req
}

func deleteResponse(results []cluster.TopicResult) *kmsg.DeleteTopicsResponse {
	resp := kmsg.NewPtrDeleteTopicsResponse()
	for _, r := range results {
		t := kmsg.NewDeleteTopicsResponseTopic()
		t.Topic, t.TopicID, t.ErrorCode = kmsg.StringPtr(r.Name), r.ID, r.Code
		if r.Code != 0 {
			t.ErrorMessage = kmsg.StringPtr(r.Message)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

func resultsFromDelete(resp *kmsg.DeleteTopicsResponse) []cluster.TopicResult {
	out := make([]cluster.TopicResult, len(resp.Topics))
	for i, t := range resp.Topics {
		out[i] = cluster.TopicResult{ID: t.TopicID, Code: t.ErrorCode}
		if t.Topic != nil {
			out[i].Name = *t.Topic
		}
		if t.ErrorMessage != nil {
			out[i].Message = *t.ErrorMessage
		}
	}
	return out
}

// allNotController reports whether every topic of a forwarded answer is
// NOT_CONTROLLER: the request reached a standby and must be retried.
func allNotController(codes []int16) bool {
	if len(codes) == 0 {
		return false
	}
	for _, c := range codes {
		if c != kerr.NotController.Code {
			return false
		}
	}
	return true
}
