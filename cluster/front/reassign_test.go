package front

import (
	"context"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// A whole-request failure is the answer's top-level error, with no
// topics, and every spec reads it back; per-partition answers are grouped
// by topic in request order and read back per spec.
func TestReassignWireRoundTrip(t *testing.T) {
	specs := []cluster.ReassignSpec{{Topic: "a", Partition: 0, Replicas: []int32{1}}, {Topic: "b", Partition: 3}, {Topic: "a", Partition: 1, Replicas: []int32{2, 3}}}
	req := AlterPartitionReassignmentsRequestFor(specs, 1000)
	if len(req.Topics) != 3 || req.Topics[1].Partitions[0].Replicas != nil {
		t.Fatalf("request topics %+v: consecutive specs share an entry, a cancel is a null replica list", req.Topics)
	}
	resp := RunAlterPartitionReassignments(context.Background(), req, func(context.Context, []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
		return nil, cluster.Errorf(kerr.NotController, "not the controller")
	})
	if resp.ErrorCode != kerr.NotController.Code || len(resp.Topics) != 0 {
		t.Fatalf("whole-request failure answered %d with %d topics", resp.ErrorCode, len(resp.Topics))
	}
	for _, r := range ReassignResultsFrom(specs, resp) {
		if r.Code != kerr.NotController.Code {
			t.Errorf("%s-%d: %d, want NOT_CONTROLLER", r.Topic, r.Partition, r.Code)
		}
	}
	resp = RunAlterPartitionReassignments(context.Background(), req, func(_ context.Context, got []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
		out := make([]cluster.PartitionResult, len(got))
		for i, s := range got {
			out[i] = cluster.PartitionResult{Topic: s.Topic, Partition: s.Partition}
		}
		out[1].Code, out[1].Message = kerr.NoReassignmentInProgress.Code, "none"
		return out, nil
	})
	if len(resp.Topics) != 2 || resp.Topics[0].Topic != "a" || len(resp.Topics[0].Partitions) != 2 {
		t.Fatalf("answer topics %+v: want a (2 partitions) then b", resp.Topics)
	}
	back := ReassignResultsFrom(specs, resp)
	if back[0].Code != 0 || back[1].Code != kerr.NoReassignmentInProgress.Code || back[1].Message != "none" || back[2].Code != 0 {
		t.Fatalf("read back %+v", back)
	}
	resp = RunAlterPartitionReassignments(context.Background(), req, func(context.Context, []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
		return nil, context.DeadlineExceeded
	})
	if resp.ErrorCode != kerr.RequestTimedOut.Code {
		t.Fatalf("a timeout answered %d, want REQUEST_TIMED_OUT", resp.ErrorCode)
	}
}

func TestListReassignmentsWire(t *testing.T) {
	req := ListPartitionReassignmentsRequestFor(nil, 1000)
	if req.Topics != nil {
		t.Fatal("nil which must be a null topic list (every reassignment)")
	}
	var asked []cluster.TopicPartitions
	resp := RunListPartitionReassignments(context.Background(), ListPartitionReassignmentsRequestFor([]cluster.TopicPartitions{{Topic: "a", Partitions: []int32{0}}}, 1000),
		func(_ context.Context, which []cluster.TopicPartitions) ([]cluster.Reassignment, error) {
			asked = which
			return []cluster.Reassignment{{Topic: "a", Partition: 0, Replicas: []int32{2, 1}, Adding: []int32{2}, Removing: []int32{1}}}, nil
		})
	if len(asked) != 1 || asked[0].Topic != "a" {
		t.Fatalf("asked %+v", asked)
	}
	got, err := ReassignmentsFrom(resp)
	if err != nil || len(got) != 1 || len(got[0].Adding) != 1 || got[0].Removing[0] != 1 {
		t.Fatalf("read back %+v %v", got, err)
	}
	resp = RunListPartitionReassignments(context.Background(), req, func(context.Context, []cluster.TopicPartitions) ([]cluster.Reassignment, error) {
		return nil, cluster.Errorf(kerr.NotController, "no")
	})
	var ce *cluster.Error
	if _, err := ReassignmentsFrom(resp); !errors.As(err, &ce) || ce.Code != kerr.NotController.Code {
		t.Fatalf("top-level error read back as %v", err)
	}
}
