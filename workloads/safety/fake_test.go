package safety

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// fakeAdmin is an in-memory stand-in for a cluster, for unit tests only: one
// topic set behind a lock (so it is linearizable, each write taking effect
// inside its call), with knobs to make answers go wrong the ways a real
// cluster's can.
type fakeAdmin struct {
	mu     sync.Mutex
	topics map[string]bool
	rng    *rand.Rand

	// codes forces the answer code for a topic (the write is not applied).
	codes map[string]int16
	// requestErr fails whole requests that name this topic, without applying
	// them.
	requestErr map[string]error
	// lose acknowledges creates of these topics without applying them: a
	// broken controller.
	lose map[string]bool
	// timeoutAfterCommit is the chance that a write is applied but answered
	// with a request error; timeoutBeforeCommit that it is not applied and
	// answered so. Both make Unknown outcomes.
	timeoutAfterCommit, timeoutBeforeCommit float64
	// views overrides BrokerView per broker: a function of the poll count.
	views func(broker int32, poll int) (*cluster.Image, error)
	polls map[int32]int
}

func newFakeAdmin(seed uint64) *fakeAdmin {
	return &fakeAdmin{topics: map[string]bool{}, rng: rand.New(rand.NewPCG(seed, 1)),
		codes: map[string]int16{}, requestErr: map[string]error{}, lose: map[string]bool{},
		polls: map[int32]int{}}
}

var errFakeTimeout = errors.New("fake: request timed out (i/o timeout)")

// jitter sleeps a little so concurrent calls overlap.
func (f *fakeAdmin) jitter() {
	f.mu.Lock()
	d := time.Duration(f.rng.IntN(300)) * time.Microsecond
	f.mu.Unlock()
	time.Sleep(d)
}

func (f *fakeAdmin) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return f.write(names, func(name string) int16 {
		if f.topics[name] {
			return kerr.TopicAlreadyExists.Code
		}
		if !f.lose[name] {
			f.topics[name] = true
		}
		return 0
	})
}

func (f *fakeAdmin) DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	return f.write(names, func(name string) int16 {
		if !f.topics[name] {
			return kerr.UnknownTopicOrPartition.Code
		}
		delete(f.topics, name)
		return 0
	})
}

// write applies apply to each name under the lock, between two jitters.
func (f *fakeAdmin) write(names []string, apply func(string) int16) ([]cluster.TopicResult, error) {
	f.jitter()
	f.mu.Lock()
	for _, n := range names {
		if err := f.requestErr[n]; err != nil {
			f.mu.Unlock()
			return nil, err
		}
	}
	before := f.rng.Float64() < f.timeoutBeforeCommit
	after := !before && f.rng.Float64() < f.timeoutAfterCommit
	out := make([]cluster.TopicResult, len(names))
	for i, n := range names {
		out[i].Name = n
		if c, ok := f.codes[n]; ok {
			out[i].Code = c
			continue
		}
		if !before {
			out[i].Code = apply(n)
		}
	}
	f.mu.Unlock()
	f.jitter()
	if before || after {
		return nil, errFakeTimeout
	}
	return out, nil
}

func (f *fakeAdmin) image() *cluster.Image {
	f.mu.Lock()
	defer f.mu.Unlock()
	img := cluster.NewImage("fake")
	for t := range f.topics {
		img.Topics[t] = &cluster.Topic{Name: t}
	}
	return img
}

func (f *fakeAdmin) Metadata(ctx context.Context) (*cluster.Image, error) { return f.image(), nil }

func (f *fakeAdmin) BrokerView(ctx context.Context, broker int32) (*cluster.Image, error) {
	if f.views == nil {
		return f.image(), nil
	}
	f.mu.Lock()
	f.polls[broker]++
	n := f.polls[broker]
	f.mu.Unlock()
	return f.views(broker, n)
}

func (f *fakeAdmin) Close() {}

var _ cluster.Admin = (*fakeAdmin)(nil)
