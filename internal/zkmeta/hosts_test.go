package zkmeta

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/internal/zkensemble"
)

// Every server is handed out by name, each once per round, and a round
// without a connection says so; no name is resolved up front.
func TestLazyHostsRoundRobin(t *testing.T) {
	h := &lazyHosts{}
	servers := []string{"zk-1.peer:2181", "gone.invalid:2181", "zk-3.peer:2181"}
	if err := h.Init(servers); err != nil {
		t.Fatalf("Init with an unresolvable name: %v", err)
	}
	var round []string
	for range 3 {
		s, retry := h.Next()
		if retry {
			t.Errorf("retryStart within the first round")
		}
		round = append(round, s)
	}
	slices.Sort(round)
	want := slices.Sorted(slices.Values(servers))
	if !slices.Equal(round, want) {
		t.Errorf("first round %v, want each of %v once", round, want)
	}
	if _, retry := h.Next(); !retry {
		t.Error("no retryStart after a round without a connection")
	}
	h.Connected()
	if _, retry := h.Next(); retry {
		t.Error("retryStart right after a connection")
	}
	if err := (&lazyHosts{}).Init(nil); err == nil {
		t.Error("Init with no servers accepted")
	}
}

// A session comes up while one server of zookeeper.connect has no name,
// as Kafka's ZooKeeper client does (the name is skipped when tried).
func TestConnectWithAnUnresolvableServer(t *testing.T) {
	testbin.NeedIntegration(t, "a ZooKeeper server")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ens, err := zkensemble.Start(ctx, zkensemble.Options{Servers: 1, Dir: t.TempDir(), TickTime: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("ZooKeeper is needed for this test (CI installs Debian's zookeeper package): %v", err)
	}
	t.Cleanup(func() { ens.Stop() })
	c, err := Connect(ctx, "gone.invalid:2181,"+ens.Connect(), 4*time.Second, 20*time.Second, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatalf("connect with one unresolvable server: %v", err)
	}
	c.Close()
}
