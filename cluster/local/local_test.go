package local

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/kraftbench/kraftbench/cluster/clustertest"
	"github.com/kraftbench/kraftbench/internal/testbin"
)

// fast are failure-detection timeouts short enough for tests; the defaults
// are Kafka's and belong to benchmarks.
var fast = cluster.Timeouts{ZKSession: 4 * time.Second, Election: 300 * time.Millisecond,
	Fetch: 600 * time.Millisecond, HeartbeatInterval: 300 * time.Millisecond, BrokerSession: 1500 * time.Millisecond}

func startLocal(t *testing.T, spec cluster.Spec) cluster.Cluster {
	t.Helper()
	testbin.NeedIntegration(t, "ZooKeeper and kbnode processes")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	if spec.Timeouts == (cluster.Timeouts{}) {
		spec.Timeouts = fast
	}
	p := New(Options{Kbnode: bin, Dir: t.TempDir(), NoZKFsync: true, ReadyTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := p.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	return c
}

func conformance(t *testing.T, spec cluster.Spec) {
	clustertest.Run(t, func(t *testing.T) clustertest.Cluster {
		c := startLocal(t, spec)
		adm, err := admin.New(c.Bootstrap(), admin.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(adm.Close)
		var brokers []int32
		for _, n := range c.Nodes() {
			for _, r := range n.Roles {
				if r == cluster.RoleBroker {
					brokers = append(brokers, n.ID)
				}
			}
		}
		return clustertest.Cluster{Admin: adm, Brokers: brokers, Bootstrap: c.Bootstrap(),
			ControllerPerAnswer: spec.Mode == cluster.ModeKRaft}
	})
}

func TestConformanceKRaftSeparated(t *testing.T) {
	conformance(t, cluster.Spec{Name: "kr", Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 3, Seed: 1})
}

func TestConformanceKRaftCombined(t *testing.T) {
	conformance(t, cluster.Spec{Name: "kc", Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 3, Combined: true, Seed: 1})
}

func TestConformanceZooKeeper(t *testing.T) {
	conformance(t, cluster.Spec{Name: "zk", Mode: cluster.ModeZK, ZKServers: 3, Brokers: 3, Seed: 1})
}

// kcat, a Kafka client nobody here wrote, lists the brokers of a cluster the
// local provider started, for each mode.
func TestKcatListsBrokersOfEachMode(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Fatal("kcat is not installed (scripts/install-deps.sh installs it)")
	}
	for _, spec := range []cluster.Spec{
		{Name: "kcat-kraft", Mode: cluster.ModeKRaft, Controllers: 1, Brokers: 2},
		{Name: "kcat-zk", Mode: cluster.ModeZK, ZKServers: 1, Brokers: 2},
	} {
		t.Run(string(spec.Mode), func(t *testing.T) {
			c := startLocal(t, spec)
			out, err := exec.Command("kcat", "-L", "-b", strings.Join(c.Bootstrap(), ","), "-m", "10").CombinedOutput()
			if err != nil {
				t.Fatalf("kcat: %v\n%s", err, out)
			}
			for i, addr := range c.Bootstrap() {
				if want := fmt.Sprintf("broker %d at %s", i+1, addr); !strings.Contains(string(out), want) {
					t.Errorf("kcat output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}
