package kraftmode

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// KRaft refuses a request of more than 10000 records whole, as
// POLICY_VIOLATION (QuorumController.MAX_RECORDS_PER_USER_OP at 3.9): one
// topic of 10000 partitions (10001 records with its TopicRecord), and two
// topics of 5000 that each fit but not together; nothing is created.
func TestRequestsOverTheRecordBoundFailWhole(t *testing.T) {
	c := newTCluster(t, false, nil)
	active := c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, specs := range [][]cluster.TopicSpec{
		{{Name: "one", NumPartitions: 10000, ReplicationFactor: 1}},
		{{Name: "a", NumPartitions: 5000, ReplicationFactor: 1}, {Name: "b", NumPartitions: 5000, ReplicationFactor: 1}},
	} {
		rs, err := active.CreateTopics(ctx, specs)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Code != kerr.PolicyViolation.Code || r.Message != "Unable to perform excessively large batch operation." {
				t.Errorf("%s: %d %q, want POLICY_VIOLATION", r.Name, r.Code, r.Message)
			}
		}
	}
	if _, err := createOne(ctx, active, "small", 2); err != nil {
		t.Fatal(err)
	}
	rs, err := active.CreatePartitions(ctx, []cluster.PartitionsSpec{{Topic: "small", Count: 10003}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Code != kerr.PolicyViolation.Code {
		t.Errorf("CreatePartitions adding 10001: %+v, want POLICY_VIOLATION", rs[0])
	}
	img := active.Image()
	for _, name := range []string{"one", "a", "b"} {
		if img.Topics[name] != nil {
			t.Errorf("refused topic %s exists", name)
		}
	}
	if n := len(img.Topics["small"].Partitions); n != 2 {
		t.Errorf("small has %d partitions after a refused CreatePartitions, want 2", n)
	}
}
