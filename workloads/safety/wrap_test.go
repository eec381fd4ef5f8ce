package safety

import (
	"context"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

func specs(names ...string) []cluster.TopicSpec {
	out := make([]cluster.TopicSpec, len(names))
	for i, n := range names {
		out[i] = cluster.TopicSpec{Name: n, NumPartitions: 1, ReplicationFactor: 1}
	}
	return out
}

// Wrap forwards every call and records each topic's outcome as the code
// proves it.
func TestWrapRecordsOutcomes(t *testing.T) {
	ctx := context.Background()
	f := newFakeAdmin(1)
	f.codes["bad"] = kerr.InvalidPartitions.Code
	f.codes["slow"] = kerr.RequestTimedOut.Code
	f.codes["wrongref"] = kerr.InvalidReplicationFactor.Code
	f.requestErr["broken"] = fmt.Errorf("create topics: %w", &cluster.Error{Code: kerr.NotController.Code})
	h := NewHistory()
	adm := Wrap(f, h)

	res, err := adm.CreateTopics(ctx, specs("a", "b", "bad", "slow", "wrongref"))
	if err != nil || len(res) != 5 || res[0].Name != "a" || res[2].Code != kerr.InvalidPartitions.Code {
		t.Fatalf("create not forwarded unchanged: %v %+v", err, res)
	}
	mustOK(t)(adm.CreateTopics(ctx, specs("a")))           // TOPIC_ALREADY_EXISTS
	mustOK(t)(adm.DeleteTopics(ctx, []string{"b"}))        // ok
	mustOK(t)(adm.DeleteTopics(ctx, []string{"b", "zzz"})) // UNKNOWN_TOPIC_OR_PARTITION twice
	if _, err := adm.CreateTopics(ctx, specs("broken", "c")); err == nil {
		t.Fatal("request error not forwarded")
	}
	if _, err := adm.BrokerView(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.Metadata(ctx); err != nil {
		t.Fatal(err)
	}

	want := []struct {
		kind    Kind
		topic   string
		outcome Outcome
		code    int16
	}{
		{Create, "a", OK, 0},
		{Create, "b", OK, 0},
		{Create, "bad", Rejected, kerr.InvalidPartitions.Code},
		{Create, "slow", Unknown, kerr.RequestTimedOut.Code},
		{Create, "wrongref", Unknown, kerr.InvalidReplicationFactor.Code},
		{Create, "a", Exists, kerr.TopicAlreadyExists.Code},
		{Delete, "b", OK, 0},
		{Delete, "b", Absent, kerr.UnknownTopicOrPartition.Code},
		{Delete, "zzz", Absent, kerr.UnknownTopicOrPartition.Code},
		{Create, "broken", Unknown, kerr.NotController.Code},
		{Create, "c", Unknown, kerr.NotController.Code},
	}
	got := h.Writes()
	if len(got) != len(want) {
		t.Fatalf("recorded %d writes, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || g.Topic != w.topic || g.Outcome != w.outcome || g.Code != w.code {
			t.Errorf("op %d: got %s(%s) -> %s code %d, want %s(%s) -> %s code %d",
				i, g.Kind, g.Topic, g.Outcome, g.Code, w.kind, w.topic, w.outcome, w.code)
		}
		if g.Call > g.Return || g.Call < 0 {
			t.Errorf("op %d: times %d..%d", i, g.Call, g.Return)
		}
	}
	if got[9].Err == "" || got[10].Err != got[9].Err {
		t.Errorf("request error not kept on every topic of the request: %q %q", got[9].Err, got[10].Err)
	}
	reads := h.Reads()
	if len(reads) != 2 || reads[0].Broker != 2 || reads[1].Broker != -1 || reads[0].Topics != 1 || reads[0].Outcome != OK {
		t.Errorf("reads recorded as %+v", reads)
	}
}

// A connection error carries no Kafka code; an answer that does not name the
// topic asked for is Unknown.
func TestWrapUnknownWithoutCode(t *testing.T) {
	ctx := context.Background()
	f := newFakeAdmin(1)
	f.timeoutAfterCommit = 1
	h := NewHistory()
	if _, err := Wrap(f, h).CreateTopics(ctx, specs("x")); err == nil {
		t.Fatal("want the fake's timeout")
	}
	op := h.Writes()[0]
	if op.Outcome != Unknown || op.Code != 0 || op.Err != errFakeTimeout.Error() {
		t.Fatalf("got %+v", op)
	}
	if got := writeOp(Create, "x", 1, 2, []cluster.TopicResult{{Name: "y"}}, 0, nil); got.Outcome != Unknown || got.Err == "" {
		t.Fatalf("mismatched answer: %+v", got)
	}
}

// Beyond its limit the history counts what it drops and marks the topics.
func TestHistoryLimit(t *testing.T) {
	h := NewHistoryLimit(2)
	h.Add(Op{Kind: Create, Topic: "a", Outcome: OK, Call: 1, Return: 2})
	h.Add(Op{Kind: Delete, Topic: "a", Outcome: OK, Call: 3, Return: 4})
	h.Add(Op{Kind: Create, Topic: "b", Outcome: OK, Call: 5, Return: 6})
	h.Add(Op{Kind: Create, Topic: "b", Outcome: Exists, Call: 7, Return: 8})
	if w, r := h.Dropped(); w != 2 || r != 0 || len(h.Writes()) != 2 {
		t.Fatalf("dropped %d writes %d reads, kept %d", w, r, len(h.Writes()))
	}
	// b was never recorded whole: it is skipped, not reported lost.
	h.FinalRead(map[string]bool{}, h.Time(10))
	rep, err := CheckLinearizable(h, 5e9)
	if err != nil || !rep.OK() || rep.Skipped != 1 || rep.Topics != 1 {
		t.Fatalf("%v %v", err, rep)
	}
	if v := CheckAcknowledged(h, map[string]bool{}); len(v) != 0 {
		t.Fatalf("skipped topic checked: %v", v)
	}
}

func mustOK(t *testing.T) func([]cluster.TopicResult, error) {
	return func(_ []cluster.TopicResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}
