package safety

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/kraftbench/kraftbench/cluster/local"
	"github.com/kraftbench/kraftbench/internal/testbin"
)

// Against a real KRaft cluster (local processes, hashicorp/raft, the Kafka
// protocol through kadm): three writers create and delete topics while the
// active controller is killed and brought back. The recorded history must be
// linearizable, every acknowledged write kept, the brokers caught up with
// the controller and converged, and the epoch watch must have seen the
// handover without two actives in one term.
func TestChecksOnARealKRaftFailover(t *testing.T) {
	testbin.NeedIntegration(t, "a real cluster")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	spec := cluster.Spec{Name: "safety", Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 3, Seed: 1,
		Timeouts: cluster.Timeouts{ZKSession: 4 * time.Second, Election: 300 * time.Millisecond,
			Fetch: 600 * time.Millisecond, HeartbeatInterval: 300 * time.Millisecond, BrokerSession: 1500 * time.Millisecond}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := local.New(local.Options{Kbnode: bin, Dir: t.TempDir(), NoZKFsync: true, ReadyTimeout: time.Minute}).Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	client, err := admin.New(c.Bootstrap(), admin.Options{WriteTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)

	h := NewHistory()
	adm := Wrap(client, h)
	watch := NewEpochWatch()
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watching sync.WaitGroup
	watching.Go(func() { pollEpochs(watchCtx, c, watch) })

	// Three writers, each on its own names: create w-i, and delete every
	// other topic just made.
	var writers sync.WaitGroup
	for wr := range 3 {
		writers.Go(func() {
			for i := range 16 {
				name := fmt.Sprintf("safety-%d-%d", wr, i)
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				adm.CreateTopics(cctx, []cluster.TopicSpec{{Name: name, NumPartitions: 2, ReplicationFactor: 2}})
				if i%2 == 1 {
					adm.DeleteTopics(cctx, []string{name})
				}
				cancel()
			}
		})
	}
	waitUntil(t, 20*time.Second, "the first writes", func() bool { return len(h.Writes()) >= 12 })
	old := activeController(ctx, c)
	if old < 0 {
		t.Fatal("no active controller")
	}
	rec, err := c.Fault(ctx, cluster.Fault{Kind: cluster.FaultKill, Node: old})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "a new active controller", func() bool {
		id := activeController(ctx, c)
		return id >= 0 && id != old
	})
	if err := rec.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	writers.Wait()

	caught, err := CatchUp(ctx, c, []int32{1, 2, 3}, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if caught.Target <= 0 {
		t.Fatalf("KRaft brokers, yet no controller offset to catch up with: %+v", caught)
	}
	conv, err := Converge(ctx, adm, []int32{1, 2, 3}, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	final := Topics(conv.Image)
	h.FinalRead(final, conv.At)
	stopWatch()
	watching.Wait()

	rep, err := CheckLinearizable(h, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Topics != 48 || rep.FinalReads != 1 {
		t.Fatalf("%v", rep)
	}
	if v := CheckAcknowledged(h, final); len(v) != 0 {
		t.Fatalf("acknowledged writes: %v", v)
	}
	if v := watch.Violations(); len(v) != 0 {
		t.Fatalf("epochs: %v", v)
	}
	epochs := map[int64]bool{}
	for _, cl := range watch.Claims() {
		epochs[cl.Epoch] = true
	}
	if len(epochs) < 2 {
		t.Fatalf("the watch saw no handover: %v", watch.Claims())
	}
	t.Logf("%v; caught up with offset %d in %v, converged in %v (%d rounds); claims %v", rep, caught.Target, caught.Took, conv.Took, conv.Rounds, watch.Claims())
}

// pollEpochs feeds every node's status to w until ctx ends.
func pollEpochs(ctx context.Context, c cluster.Cluster, w *EpochWatch) {
	for ctx.Err() == nil {
		for _, n := range c.Nodes() {
			if n.Kind != "node" {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			st, err := c.Status(sctx, n.ID)
			cancel()
			if err == nil {
				w.Observe(n.ID, st, time.Now())
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// activeController is the node that says it is active, or -1.
func activeController(ctx context.Context, c cluster.Cluster) int32 {
	for _, n := range c.Nodes() {
		if !slices.Contains(n.Roles, cluster.RoleController) {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		st, err := c.Status(sctx, n.ID)
		cancel()
		if err == nil && st.Active {
			return n.ID
		}
	}
	return -1
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
