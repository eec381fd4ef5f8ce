package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/kraftbench/kraftbench/cluster/local"
	"github.com/kraftbench/kraftbench/cluster/migrate"
	"github.com/kraftbench/kraftbench/internal/testbin"
)

// fast are failure-detection timeouts short enough for tests.
var fast = cluster.Timeouts{ZKSession: 4 * time.Second, Election: 300 * time.Millisecond,
	Fetch: 600 * time.Millisecond, HeartbeatInterval: 300 * time.Millisecond, BrokerSession: 1500 * time.Millisecond}

func startZK(t *testing.T, name string) (cluster.Cluster, cluster.Admin) {
	t.Helper()
	testbin.NeedIntegration(t, "ZooKeeper and kbnode processes")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	dir, keep := os.Getenv("KRAFTBENCH_TEST_KEEP"), true // a directory to keep the nodes' files and logs in
	if dir == "" {
		dir, keep = t.TempDir(), false
	}
	p := local.New(local.Options{Kbnode: bin, Dir: dir, KeepFiles: keep, NoZKFsync: true, ReadyTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := p.Start(ctx, cluster.Spec{Name: name, Mode: cluster.ModeZK, ZKServers: 1, Brokers: 3, Seed: 1, Timeouts: fast})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	adm, err := admin.New(c.Bootstrap(), admin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(adm.Close)
	return c, adm
}

func createTopics(t *testing.T, adm cluster.Admin, prefix string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		res, err := adm.CreateTopics(ctx, []cluster.TopicSpec{{Name: fmt.Sprintf("%s-%d", prefix, i), NumPartitions: 4, ReplicationFactor: 3}})
		if err != nil {
			t.Fatalf("create %s-%d: %v", prefix, i, err)
		}
		if err := res[0].Err(); err != nil {
			t.Fatalf("create %s-%d: %v", prefix, i, err)
		}
	}
}

func TestOutOfOrderStepsAreRefused(t *testing.T) {
	c, _ := startZK(t, "mig-order")
	ctx := context.Background()
	o := migrate.Options{Timeout: time.Minute}
	for name, step := range map[string]func() error{
		"roll":     func() error { return migrate.Roll(ctx, c, nil, o) },
		"finalize": func() error { return migrate.Finalize(ctx, c, o) },
		"rollback": func() error { return migrate.Rollback(ctx, c, o) },
	} {
		err := step()
		var se *migrate.StepError
		if !errors.As(err, &se) || se.Phase != migrate.PhaseZK {
			t.Errorf("%s on a ZooKeeper cluster: got %v, want a refusal in phase zk", name, err)
		}
	}
}

func TestMigrateEndToEnd(t *testing.T) {
	c, adm := startZK(t, "mig-e2e")
	createTopics(t, adm, "before", 5)
	ctx := context.Background()
	o := migrate.Options{Timeout: 40 * time.Second, Event: func(n string, d time.Duration) { t.Logf("%s: %v", n, d) }}
	if err := migrate.Start(ctx, c, o); err != nil {
		t.Fatal(err)
	}
	st, err := migrate.ReadState(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after start:\n%s", st)
	if st.Phase != migrate.PhaseDualWrite || !st.DualWrite {
		t.Fatalf("after start: phase %s dual write %v", st.Phase, st.DualWrite)
	}
	createTopics(t, adm, "dual", 3)
	converged(t, c, adm, append(names("before", 5), names("dual", 3)...))
	if err := migrate.Finalize(ctx, c, o); err == nil {
		t.Fatal("finalize with ZooKeeper-mode brokers left was accepted")
	}
	if err := migrate.Roll(ctx, c, nil, o); err != nil {
		t.Fatal(err)
	}
	createTopics(t, adm, "kraft", 3)
	all := append(append(names("before", 5), names("dual", 3)...), names("kraft", 3)...)
	converged(t, c, adm, all)
	if err := migrate.Finalize(ctx, c, o); err != nil {
		t.Fatal(err)
	}
	converged(t, c, adm, all)
	if err := migrate.Rollback(ctx, c, o); err == nil {
		t.Error("rollback after finalize was accepted")
	}
	st, _ = migrate.ReadState(ctx, c)
	t.Logf("after finalize:\n%s", st)
	if st.Phase != migrate.PhaseFinalized || st.DualWrite {
		t.Fatalf("after finalize: phase %s dual write %v", st.Phase, st.DualWrite)
	}
}

// converged waits until every broker serves one digest holding every topic
// in want, and fails the test otherwise.
func converged(t *testing.T, c cluster.Cluster, adm cluster.Admin, want []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		digests := map[string][]int32{}
		for _, n := range c.Nodes() {
			if n.Kind != "node" || !slices.Contains(n.Roles, cluster.RoleBroker) {
				continue
			}
			s, err := c.Status(context.Background(), n.ID)
			if err != nil {
				last = err.Error()
				continue
			}
			digests[s.Digest] = append(digests[s.Digest], n.ID)
		}
		md, err := adm.Metadata(context.Background())
		missing := []string{}
		if err == nil {
			for _, name := range want {
				if _, ok := md.Topics[name]; !ok {
					missing = append(missing, name)
				}
			}
		}
		if err == nil && len(digests) == 1 && len(missing) == 0 {
			return
		}
		last = fmt.Sprintf("digests %v, missing topics %v, metadata error %v", digests, missing, err)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("brokers did not converge: %s", last)
}

func names(prefix string, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

// A rollback before finalizing returns the cluster to ZooKeeper mode with
// nothing lost: the topics created before the migration, during dual write
// through ZooKeeper-mode brokers, and after some brokers went to KRaft mode
// are all served by a ZooKeeper-mode controller reloaded from ZooKeeper.
func TestRollbackBeforeFinalizeLosesNothing(t *testing.T) {
	c, adm := startZK(t, "mig-rollback")
	createTopics(t, adm, "before", 4)
	ctx := context.Background()
	o := migrate.Options{Timeout: 40 * time.Second}
	if err := migrate.Start(ctx, c, o); err != nil {
		t.Fatal(err)
	}
	createTopics(t, adm, "dual", 3)
	if err := migrate.Roll(ctx, c, []int32{1}, o); err != nil {
		t.Fatal(err)
	}
	createTopics(t, adm, "half", 3)
	want := append(append(names("before", 4), names("dual", 3)...), names("half", 3)...)
	converged(t, c, adm, want)
	if err := migrate.Rollback(ctx, c, o); err != nil {
		t.Fatal(err)
	}
	st, err := migrate.ReadState(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if st.Phase != migrate.PhaseZK || len(st.Controllers) != 0 {
		t.Fatalf("after rollback:\n%s", st)
	}
	for id, m := range st.Brokers {
		if m != "zk" {
			t.Errorf("broker %d runs %s mode after rollback", id, m)
		}
	}
	converged(t, c, adm, want)
	// The ZooKeeper-mode controller takes writes again.
	createTopics(t, adm, "after", 2)
	converged(t, c, adm, append(want, names("after", 2)...))
	if err := migrate.Roll(ctx, c, nil, o); err == nil {
		t.Error("roll after a rollback was accepted")
	}
}
