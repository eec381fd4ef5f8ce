package workloads

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// fakeOpsAdmin adds topic configs and CreatePartitions to fakeAdmin, for
// tests of the configs and partitions drivers only: a change is seen by
// every "broker" lag after it was made.
type fakeOpsAdmin struct {
	*fakeAdmin
	mu    sync.Mutex
	cfg   map[string]change // topic -> retention.ms
	parts map[string]change // topic -> partition count
}

type change struct {
	old, now int64
	at       time.Time
}

func (c change) seen(lag time.Duration) int64 {
	if time.Since(c.at) >= lag {
		return c.now
	}
	return c.old
}

func newFakeOpsAdmin() *fakeOpsAdmin {
	return &fakeOpsAdmin{fakeAdmin: newFakeAdmin(0, 0), cfg: map[string]change{}, parts: map[string]change{}}
}

// setLag sets the lag before a run starts.
func (f *fakeOpsAdmin) setLag(lag time.Duration) { f.fakeAdmin.lag = lag }

func (f *fakeOpsAdmin) DescribeTopicConfigs(ctx context.Context, topics []string) ([]cluster.TopicConfigsResult, error) {
	var out []cluster.TopicConfigsResult
	for _, t := range topics {
		r, _ := f.BrokerTopicConfigs(ctx, 1, t)
		out = append(out, r)
	}
	return out, nil
}

func (f *fakeOpsAdmin) BrokerTopicConfigs(_ context.Context, _ int32, topic string) (cluster.TopicConfigsResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := itoa64(f.cfg[topic].seen(f.fakeAdmin.lag))
	return cluster.TopicConfigsResult{Topic: topic, Configs: []cluster.ConfigEntry{{Name: "retention.ms", Value: &v,
		Source: cluster.SourceDynamicTopic}}}, nil
}

func (f *fakeOpsAdmin) AlterTopicConfigs(_ context.Context, alters []cluster.TopicConfigAlter, _ bool) ([]cluster.ConfigResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []cluster.ConfigResult
	for _, a := range alters {
		var n int64
		for _, c := range *a.Changes[0].Value {
			n = 10*n + int64(c-'0')
		}
		f.cfg[a.Topic] = change{old: f.cfg[a.Topic].now, now: n, at: time.Now()}
		out = append(out, cluster.ConfigResult{Topic: a.Topic})
	}
	return out, nil
}

func (f *fakeOpsAdmin) CreatePartitions(_ context.Context, specs []cluster.PartitionsSpec, _ bool) ([]cluster.TopicResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []cluster.TopicResult
	for _, s := range specs {
		cur := max(f.parts[s.Topic].now, 1)
		if int64(s.Count) <= cur {
			out = append(out, cluster.ResultFor(s.Topic, cluster.Errorf(kerr.InvalidPartitions, "not an increase")))
			continue
		}
		f.parts[s.Topic] = change{old: cur, now: int64(s.Count), at: time.Now()}
		out = append(out, cluster.TopicResult{Name: s.Topic})
	}
	return out, nil
}

func (f *fakeOpsAdmin) BrokerView(ctx context.Context, id int32) (*cluster.Image, error) {
	img := f.fakeAdmin.image()
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, c := range f.parts {
		t := img.Topics[name]
		if t == nil {
			continue
		}
		n := c.seen(f.fakeAdmin.lag)
		t.Partitions = nil
		for p := int32(0); p < int32(n); p++ {
			t.Partitions = append(t.Partitions, cluster.Partition{ID: p, Replicas: []int32{1}, Leader: 1})
		}
	}
	return img, nil
}

func itoa64(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestConfigsMeasuresRequestsAndPropagation(t *testing.T) {
	a := newFakeOpsAdmin()
	a.setLag(20 * time.Millisecond)
	w, err := New("configs", Params{"topics": "4", "ops": "20", "concurrency": "2", "propagation_iterations": "5",
		"replication_factor": "1", "poll_interval": "1ms"})
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(a.fakeAdmin)
	env.Admin = a
	if _, err := w.Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if n := env.Rec.Histogram("alter_config").TotalCount(); n != 25 {
		t.Fatalf("alter_config samples %d, want 20 + 5", n)
	}
	h := env.Rec.Histogram("config_propagation")
	if h.TotalCount() != 5 || time.Duration(h.Min()) < 15*time.Millisecond {
		t.Fatalf("config_propagation n=%d min=%v, want 5 samples near the 20ms lag", h.TotalCount(), time.Duration(h.Min()))
	}
	if n := env.Rec.Histogram("config_propagation_broker").TotalCount(); n != 15 {
		t.Fatalf("config_propagation_broker samples %d, want one per broker and iteration", n)
	}
}

func TestPartitionsGrowsEachTopicInTurn(t *testing.T) {
	a := newFakeOpsAdmin()
	a.setLag(10 * time.Millisecond)
	w, err := New("partitions", Params{"topics": "3", "ops": "9", "concurrency": "3", "propagation_iterations": "3",
		"replication_factor": "1", "add": "2", "poll_interval": "1ms"})
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(a.fakeAdmin)
	env.Admin = a
	if _, err := w.Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	res, _ := env.Rec.Results()
	for _, r := range res {
		if r.Op == "create_partitions" && (r.Latency.Count != 12 || r.Latency.Errors != 0) {
			t.Fatalf("create_partitions %d samples, %d errors (%v); want 12 without errors", r.Latency.Count, r.Latency.Errors, r.Latency.ErrorsByCode)
		}
	}
	for name, c := range a.parts {
		if c.now != 1+2*4 {
			t.Errorf("%s grew to %d partitions, want 9 (4 requests of 2)", name, c.now)
		}
	}
	if n := env.Rec.Histogram("partitions_propagation").TotalCount(); n != 3 {
		t.Fatalf("partitions_propagation samples %d, want 3", n)
	}
	if _, err := New("partitions", Params{"topics": "1", "ops": "100000", "add": "10"}); err == nil {
		t.Fatal("a run growing a topic past 100000 partitions must be refused")
	}
}
