package cluster

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

func TestValidateTopicName(t *testing.T) {
	cases := map[string]bool{
		"": false, ".": false, "..": false, "ok": true, "a.b_c-D9": true, "...": true,
		strings.Repeat("x", MaxTopicNameLength): true, strings.Repeat("x", MaxTopicNameLength+1): false,
		"sp ace": false, "sl/ash": false, "co:lon": false, "ünicode": false, "tab\t": false, "star*": false,
	}
	for name, ok := range cases {
		err := ValidateTopicName(name)
		if (err == nil) != ok {
			t.Errorf("ValidateTopicName(%.20q) = %v, want ok=%v", name, err, ok)
		}
		if err != nil && ErrorCode(err) != kerr.InvalidTopicException.Code {
			t.Errorf("ValidateTopicName(%.20q): code %s", name, ErrorName(ErrorCode(err)))
		}
	}
}

func TestPlanCreateCodes(t *testing.T) {
	img := testImage(3) // live 0,1,2; 9 fenced
	img.Topics["a.b"] = &Topic{Name: "a.b", ID: TopicID{2}, Partitions: []Partition{{Replicas: []int32{0}, ISR: []int32{0}}}}
	manual := func(a map[int32][]int32) TopicSpec {
		return TopicSpec{Name: "m", NumPartitions: -1, ReplicationFactor: -1, Assignment: a}
	}
	cases := []struct {
		name string
		spec TopicSpec
		want *kerr.Error // nil: created
	}{
		{"defaults", TopicSpec{Name: "d", NumPartitions: -1, ReplicationFactor: -1}, nil},
		{"empty name", TopicSpec{Name: "", NumPartitions: 1, ReplicationFactor: 1}, kerr.InvalidTopicException},
		{"illegal char", TopicSpec{Name: "a/b", NumPartitions: 1, ReplicationFactor: 1}, kerr.InvalidTopicException},
		{"exists", TopicSpec{Name: "exists", NumPartitions: 1, ReplicationFactor: 1}, kerr.TopicAlreadyExists},
		{"collision", TopicSpec{Name: "a_b", NumPartitions: 1, ReplicationFactor: 1}, kerr.InvalidTopicException},
		{"unknown config", TopicSpec{Name: "c", NumPartitions: 1, ReplicationFactor: 1, Configs: map[string]string{"nope": "1"}}, kerr.InvalidConfig},
		{"known config", TopicSpec{Name: "c", NumPartitions: 1, ReplicationFactor: 1, Configs: map[string]string{"retention.ms": "1"}}, nil},
		{"partitions 0", TopicSpec{Name: "p", NumPartitions: 0, ReplicationFactor: 1}, kerr.InvalidPartitions},
		{"partitions -2", TopicSpec{Name: "p", NumPartitions: -2, ReplicationFactor: 1}, kerr.InvalidPartitions},
		{"rf 0", TopicSpec{Name: "r", NumPartitions: 1, ReplicationFactor: 0}, kerr.InvalidReplicationFactor},
		{"rf over live (fenced not counted)", TopicSpec{Name: "r", NumPartitions: 1, ReplicationFactor: 4}, kerr.InvalidReplicationFactor},
		{"rf = live", TopicSpec{Name: "r", NumPartitions: 5, ReplicationFactor: 3}, nil},
		{"assignment and counts", TopicSpec{Name: "m", NumPartitions: 1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {0}}}, kerr.InvalidRequest},
		{"assignment gap", manual(map[int32][]int32{0: {0}, 2: {1}}), kerr.InvalidReplicaAssignment},
		{"assignment empty list", manual(map[int32][]int32{0: {}}), kerr.InvalidReplicaAssignment},
		{"assignment uneven rf", manual(map[int32][]int32{0: {0, 1}, 1: {1}}), kerr.InvalidReplicaAssignment},
		{"assignment duplicate replica", manual(map[int32][]int32{0: {1, 1}}), kerr.InvalidReplicaAssignment},
		{"assignment fenced broker", manual(map[int32][]int32{0: {9}}), kerr.InvalidReplicaAssignment},
		{"assignment unknown broker", manual(map[int32][]int32{0: {5}}), kerr.InvalidReplicaAssignment},
		{"assignment ok", manual(map[int32][]int32{0: {2, 0}, 1: {0, 1}}), nil},
	}
	for _, tc := range cases {
		plan := PlanCreate(img, []TopicSpec{tc.spec}, KafkaDefaults(), rand.New(rand.NewPCG(1, 2)))[0]
		switch {
		case tc.want == nil && plan.Err != nil:
			t.Errorf("%s: %v, want created", tc.name, plan.Err)
		case tc.want != nil && !errors.Is(plan.Err, tc.want):
			t.Errorf("%s: %v, want %s", tc.name, plan.Err, tc.want.Message)
		case tc.want != nil && plan.Topic != nil:
			t.Errorf("%s: failed plan carries a topic", tc.name)
		}
	}
}

func TestPlanCreateNewTopic(t *testing.T) {
	img := testImage(3)
	plan := PlanCreate(img, []TopicSpec{{Name: "n", NumPartitions: 4, ReplicationFactor: 2,
		Configs: map[string]string{"retention.ms": "5"}}}, KafkaDefaults(), rand.New(rand.NewPCG(1, 2)))[0]
	if plan.Err != nil {
		t.Fatal(plan.Err)
	}
	tp := plan.Topic
	if tp.ID == (TopicID{}) || len(tp.Partitions) != 4 || tp.ReplicationFactor() != 2 || tp.Configs["retention.ms"] != "5" {
		t.Fatalf("planned %+v", tp)
	}
	for i, p := range tp.Partitions {
		if p.ID != int32(i) || p.Leader != p.Replicas[0] || p.LeaderEpoch != 0 || len(p.ISR) != 2 || p.ISR[1] != p.Replicas[1] {
			t.Errorf("partition %d: %+v (want leader = first replica, ISR = replicas, epoch 0)", i, p)
		}
		for _, r := range p.Replicas {
			if r == 9 {
				t.Errorf("partition %d placed on fenced broker 9", i)
			}
		}
	}
	if _, ok := img.Topics["n"]; ok {
		t.Fatal("PlanCreate changed the image")
	}
}

func TestPlanCreateWithinOneRequest(t *testing.T) {
	img := testImage(1)
	specs := []TopicSpec{
		{Name: "dup", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "x.y", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "dup", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "x_y", NumPartitions: 1, ReplicationFactor: 1}, // collides with x.y, earlier in the request
		{Name: "x.y2", NumPartitions: 1, ReplicationFactor: 1},
	}
	want := []*kerr.Error{kerr.InvalidRequest, nil, kerr.InvalidRequest, kerr.InvalidTopicException, nil}
	for i, p := range PlanCreate(img, specs, KafkaDefaults(), rand.New(rand.NewPCG(1, 2))) {
		if (want[i] == nil) != (p.Err == nil) || want[i] != nil && !errors.Is(p.Err, want[i]) {
			t.Errorf("spec %d (%s): %v, want %v", i, specs[i].Name, p.Err, want[i])
		}
	}
}

func TestPlanDelete(t *testing.T) {
	img := testImage(2)
	rs := PlanDelete(img, []string{"exists", "nope", "exists2", "exists2"})
	if rs[0].Code != 0 || rs[0].ID != (TopicID{1}) || rs[0].NumPartitions != 2 || rs[0].ReplicationFactor != 2 {
		t.Errorf("existing: %+v", rs[0])
	}
	if rs[1].Code != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("unknown: %s", ErrorName(rs[1].Code))
	}
	if rs[2].Code != kerr.InvalidRequest.Code || rs[3].Code != kerr.InvalidRequest.Code {
		t.Errorf("duplicate: %s %s", ErrorName(rs[2].Code), ErrorName(rs[3].Code))
	}
}

func TestErrorCodes(t *testing.T) {
	e := Errorf(kerr.NotController, "go to %d", 3)
	if ErrorCode(nil) != 0 || ErrorCode(e) != kerr.NotController.Code || ErrorCode(kerr.InvalidConfig) != kerr.InvalidConfig.Code ||
		ErrorCode(errors.New("x")) != kerr.UnknownServerError.Code {
		t.Fatal("ErrorCode maps wrongly")
	}
	wrapped := errors.Join(errors.New("ctx"), e)
	if !errors.Is(wrapped, kerr.NotController) || errors.Is(wrapped, kerr.InvalidConfig) || ErrorCode(wrapped) != kerr.NotController.Code {
		t.Fatal("a wrapped *Error is not matched by its code")
	}
	if e.Error() != "NOT_CONTROLLER: go to 3" || ErrorName(0) != "NONE" || ErrorName(-99) != "UNKNOWN_CODE_-99" {
		t.Fatalf("names: %q %q", e.Error(), ErrorName(-99))
	}
	r := ResultFor("t", e)
	if r.Code != kerr.NotController.Code || r.Message != "go to 3" || !errors.Is(r.Err(), kerr.NotController) {
		t.Fatalf("ResultFor: %+v", r)
	}
}

// TestCheckCreateAgreesWithPlanCreate: validation alone gives the codes and
// counts a write would, and costs nothing per partition.
func TestCheckCreateAgreesWithPlanCreate(t *testing.T) {
	img := testImage(3)
	specs := []TopicSpec{
		{Name: "ok", NumPartitions: -1, ReplicationFactor: 2},
		{Name: "exists", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "bad/name", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "rf", NumPartitions: 1, ReplicationFactor: 4},
		{Name: "m", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {0, 1}, 1: {1, 2}}},
		{Name: "ok", NumPartitions: 1, ReplicationFactor: 1},
	}
	plans := PlanCreate(img, specs[:5], KafkaDefaults(), rand.New(rand.NewPCG(1, 2)))
	checks := CheckCreate(img, specs[:5], KafkaDefaults())
	for i, p := range plans {
		c := checks[i]
		if ErrorCode(p.Err) != c.Code {
			t.Errorf("%s: plan %v, check %s", specs[i].Name, p.Err, ErrorName(c.Code))
		}
		if p.Topic != nil && (int(c.NumPartitions) != len(p.Topic.Partitions) || c.ReplicationFactor != p.Topic.ReplicationFactor()) {
			t.Errorf("%s: check counts %d/%d, plan %d/%d", specs[i].Name, c.NumPartitions, c.ReplicationFactor,
				len(p.Topic.Partitions), p.Topic.ReplicationFactor())
		}
	}
	if dup := CheckCreate(img, specs, KafkaDefaults()); dup[0].Code != kerr.InvalidRequest.Code {
		t.Errorf("duplicate in request: %s", ErrorName(dup[0].Code))
	}
	huge := CheckCreate(img, []TopicSpec{{Name: "huge", NumPartitions: 1<<31 - 1, ReplicationFactor: 3}}, KafkaDefaults())
	if huge[0].Code != 0 || huge[0].NumPartitions != 1<<31-1 {
		t.Errorf("huge: %+v", huge[0])
	}
}
