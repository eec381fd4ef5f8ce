package front

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// deleteEntry is one topic of a DeleteTopics request once resolved.
type deleteEntry struct {
	name   *string // as asked (nil when asked by id only)
	id     [16]byte
	result cluster.TopicResult // set when resolution failed
	failed bool
}

// deleteTopics answers DeleteTopics v0-6: by name, and from v6 by topic id.
// An id the node's image does not know is UNKNOWN_TOPIC_ID; naming both a
// name and an id, or neither, is INVALID_REQUEST. The names that resolve go to
// node.DeleteTopics in one call bounded by TimeoutMillis; a whole-request
// error is answered as that code on every topic not already failed.
func (k *kafkaAPIs) deleteTopics(ctx context.Context, _ RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.DeleteTopicsRequest)
	entries := k.resolveDeletes(req)
	var names []string
	var index []int
	for i, e := range entries {
		if !e.failed {
			names = append(names, e.result.Name)
			index = append(index, i)
		}
	}
	if len(names) > 0 {
		wctx, cancel := k.writeContext(ctx, req.TimeoutMillis)
		got, err := k.node.DeleteTopics(wctx, names)
		cancel()
		if err == nil && len(got) != len(names) {
			err = cluster.Errorf(kerr.UnknownServerError,
				"the controller answered %d results for %d topics", len(got), len(names))
		}
		for j, i := range index {
			if err != nil {
				code, msg := wholeRequestCode(err)
				entries[i].result = cluster.TopicResult{Name: names[j], Code: code, Message: msg}
			} else {
				entries[i].result = got[j]
			}
		}
	}
	resp := kmsg.NewPtrDeleteTopicsResponse()
	resp.Version = req.Version
	for _, e := range entries {
		t := kmsg.NewDeleteTopicsResponseTopic()
		t.Topic, t.TopicID = e.name, e.id
		if t.Topic == nil && e.result.Name != "" {
			t.Topic = strPtr(e.result.Name)
		}
		if e.result.Code == 0 && e.result.ID != (cluster.TopicID{}) {
			t.TopicID = e.result.ID
		}
		t.ErrorCode = e.result.Code
		if e.result.Code != 0 {
			t.ErrorMessage = strPtr(e.result.Message)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp, nil
}

// resolveDeletes turns the request's topics into names, looking ids up in the
// node's image.
func (k *kafkaAPIs) resolveDeletes(req *kmsg.DeleteTopicsRequest) []deleteEntry {
	if req.Version < 6 {
		out := make([]deleteEntry, len(req.TopicNames))
		for i, n := range req.TopicNames {
			out[i] = deleteEntry{name: strPtr(n), result: cluster.TopicResult{Name: n}}
		}
		return out
	}
	var img *cluster.Image
	out := make([]deleteEntry, len(req.Topics))
	for i, t := range req.Topics {
		e := deleteEntry{name: t.Topic, id: t.TopicID}
		zeroID := t.TopicID == [16]byte{}
		switch {
		case t.Topic != nil && zeroID:
			e.result.Name = *t.Topic
		case t.Topic != nil || zeroID:
			e.failed = true
			e.result = cluster.ResultFor("", cluster.Errorf(kerr.InvalidRequest,
				"A topic must be named by exactly one of its name and its id."))
		default:
			if img == nil {
				img = k.node.Image()
			}
			if topic, ok := img.TopicByID(cluster.TopicID(t.TopicID)); ok {
				e.result.Name = topic.Name
			} else {
				e.failed = true
				e.result = cluster.ResultFor("", cluster.Errorf(kerr.UnknownTopicID,
					"Topic id %s does not exist.", cluster.TopicID(t.TopicID)))
			}
		}
		out[i] = e
	}
	return out
}
