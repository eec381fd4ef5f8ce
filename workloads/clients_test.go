package workloads

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// countingAdmin is a fake Admin (unit test) that notes which client served
// each CreateTopics.
type countingAdmin struct {
	*fakeAdmin
	id   int
	mu   *sync.Mutex
	used map[int]int
}

func (c countingAdmin) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	c.mu.Lock()
	c.used[c.id]++
	c.mu.Unlock()
	return c.fakeAdmin.CreateTopics(ctx, specs)
}

func (c countingAdmin) Close() {}

// TestClosedLoopWorkersHaveClientsOfTheirOwn checks that concurrency means
// clients: a Kafka broker answers one request per connection at a time, so
// workers sharing one client would queue behind each other.
func TestClosedLoopWorkersHaveClientsOfTheirOwn(t *testing.T) {
	fa := newFakeAdmin(2*time.Millisecond, 0) // each call takes a while, so every worker gets jobs
	var mu sync.Mutex
	used := map[int]int{}
	env := testEnv(fa)
	env.Admin = countingAdmin{fa, 0, &mu, used}
	next := 0
	env.NewAdmin = func(string) (cluster.Admin, error) {
		next++
		return countingAdmin{fa, next, &mu, used}, nil
	}
	w, err := New("topics", Params{"ops": "40", "concurrency": "4", "delete": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if next != 3 || len(used) != 4 {
		t.Fatalf("4 workers used clients %v (%d opened), want 4 distinct", used, next)
	}
	total := 0
	for _, n := range used {
		total += n
	}
	if total != 40 {
		t.Fatalf("%d creates, want 40", total)
	}
}
