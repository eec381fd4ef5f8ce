package workloads

import (
	"context"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
)

// fakeAdmin is an in-memory Admin for unit tests of the drivers: topics
// appear on every "broker" after lag, and each call takes delay.
type fakeAdmin struct {
	delay time.Duration
	lag   time.Duration

	mu      sync.Mutex
	created map[string]time.Time
	calls   int
}

func newFakeAdmin(delay, lag time.Duration) *fakeAdmin {
	return &fakeAdmin{delay: delay, lag: lag, created: map[string]time.Time{}}
}

func (f *fakeAdmin) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	out := make([]cluster.TopicResult, len(specs))
	for i, s := range specs {
		if _, ok := f.created[s.Name]; ok {
			out[i] = cluster.ResultFor(s.Name, cluster.Errorf(kerr.TopicAlreadyExists, "exists"))
			continue
		}
		f.created[s.Name] = time.Now()
		out[i] = cluster.TopicResult{Name: s.Name}
	}
	return out, nil
}

func (f *fakeAdmin) DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]cluster.TopicResult, len(names))
	for i, n := range names {
		if _, ok := f.created[n]; !ok {
			out[i] = cluster.ResultFor(n, cluster.Errorf(kerr.UnknownTopicOrPartition, "no"))
			continue
		}
		delete(f.created, n)
		out[i] = cluster.TopicResult{Name: n}
	}
	return out, nil
}

func (f *fakeAdmin) image() *cluster.Image {
	img := cluster.NewImage("fake")
	for id := int32(1); id <= 3; id++ {
		img.Brokers[id] = &cluster.Broker{ID: id}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for n, at := range f.created {
		if time.Since(at) >= f.lag {
			img.Topics[n] = &cluster.Topic{Name: n, Partitions: []cluster.Partition{{ID: 0, Replicas: []int32{1}, Leader: 1}}}
		}
	}
	return img
}

func (f *fakeAdmin) Metadata(context.Context) (*cluster.Image, error) { return f.image(), nil }
func (f *fakeAdmin) BrokerView(context.Context, int32) (*cluster.Image, error) {
	return f.image(), nil
}
func (f *fakeAdmin) Close() {}

// fakeCluster is the minimum of a cluster.Cluster the drivers touch.
type fakeCluster struct{ spec cluster.Spec }

func (c fakeCluster) Spec() cluster.Spec         { return c.spec }
func (c fakeCluster) Bootstrap() []string        { return nil }
func (c fakeCluster) Nodes() []cluster.NodeInfo  { return nil }
func (c fakeCluster) Stop(context.Context) error { return nil }
func (c fakeCluster) Status(context.Context, int32) (cluster.Status, error) {
	return cluster.Status{}, nil
}
func (c fakeCluster) Fault(context.Context, cluster.Fault) (*cluster.FaultRecord, error) {
	return nil, nil
}

// fakeRestarter is a fakeCluster whose cold start "takes" fixed phases.
type fakeRestarter struct {
	fakeCluster
	restarts int
}

func (c *fakeRestarter) RestartAll(context.Context) ([]cluster.Phase, error) {
	c.restarts++
	return []cluster.Phase{{Name: "store_ready", After: 10 * time.Millisecond},
		{Name: "controller_active", After: 20 * time.Millisecond},
		{Name: "brokers_registered", After: 30 * time.Millisecond},
		{Name: "metadata_loaded", After: 40 * time.Millisecond}}, nil
}
