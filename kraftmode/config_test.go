package kraftmode

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func TestValidateNamesKafkaProperties(t *testing.T) {
	ok := Config{NodeID: 1, Roles: []cluster.Role{cluster.RoleController, cluster.RoleBroker},
		Voters: map[int32]string{1: "127.0.0.1:9093"}, MetadataLogDir: "/tmp/x",
		BrokerEndpoint: cluster.Endpoint{Host: "127.0.0.1", Port: 9092}}.WithDefaults()
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid combined config refused: %v", err)
	}
	for name, tc := range map[string]struct {
		mutate func(*Config)
		want   string
	}{
		"no voters":       {func(c *Config) { c.Voters = nil }, "controller.quorum.voters: empty"},
		"bad voter":       {func(c *Config) { c.Voters = map[int32]string{1: "nohostport"} }, "controller.quorum.voters: voter 1@nohostport"},
		"not a voter":     {func(c *Config) { c.NodeID = 2 }, "controller.quorum.voters: node.id 2"},
		"unknown role":    {func(c *Config) { c.Roles = []cluster.Role{"zookeeper"} }, "process.roles: unknown role"},
		"no roles":        {func(c *Config) { c.Roles = nil }, "process.roles"},
		"no endpoint":     {func(c *Config) { c.BrokerEndpoint = cluster.Endpoint{} }, "advertised.listeners"},
		"no dir":          {func(c *Config) { c.MetadataLogDir = "" }, "metadata.log.dir: must be set"},
		"session too low": {func(c *Config) { c.SessionTimeout = time.Second }, "broker.session.timeout.ms"},
		"negative id":     {func(c *Config) { c.NodeID = -1 }, "node.id"},
	} {
		c := ok
		c.Voters = map[int32]string{1: "127.0.0.1:9093"}
		tc.mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tc.want)
		}
	}
}

// Outside a candidacy hashicorp's timeouts sit above the fetch timeout and
// the election timeout (the watchdog lowers them to the election timeout to
// stand, election.go); the lease is capped by that lowered value.
func TestRaftConfigMapping(t *testing.T) {
	c := Config{NodeID: 3}.WithDefaults()
	rc := c.raftConfig()
	if rc.HeartbeatTimeout != 2*time.Second || rc.ElectionTimeout != 2*time.Second || rc.LeaderLeaseTimeout != time.Second {
		t.Fatalf("Kafka defaults mapped to heartbeat %v election %v lease %v", rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout)
	}
	c.ElectionTimeout, c.FetchTimeout = 3*time.Second, time.Second
	rc = c.raftConfig()
	if rc.ElectionTimeout != 3*time.Second+time.Millisecond || rc.HeartbeatTimeout != rc.ElectionTimeout ||
		rc.LeaderLeaseTimeout != 1500*time.Millisecond || rc.LocalID != "3" {
		t.Fatalf("election 3s / fetch 1s mapped to election %v heartbeat %v lease %v id %s",
			rc.ElectionTimeout, rc.HeartbeatTimeout, rc.LeaderLeaseTimeout, rc.LocalID)
	}
}

func TestFormat(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "meta")
	id := NewClusterID(rand.New(rand.NewPCG(1, 1)))
	if err := Format(dir, "not-a-uuid", 1); err == nil || !strings.Contains(err.Error(), "cluster.id") {
		t.Fatalf("bad cluster id accepted: %v", err)
	}
	if err := Format(dir, id, 1); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "meta.properties"))
	if !strings.Contains(string(b), "version=1\ncluster.id="+id+"\nnode.id=1\n") {
		t.Fatalf("meta.properties:\n%s", b)
	}
	if err := Format(dir, id, 1); err != nil {
		t.Fatalf("formatting again for the same cluster: %v", err)
	}
	other := NewClusterID(rand.New(rand.NewPCG(2, 2)))
	if err := Format(dir, other, 1); err == nil || !strings.Contains(err.Error(), "refusing to reformat") {
		t.Fatalf("reformat for another cluster: %v", err)
	}
	if got, err := checkFormatted(dir, 2); err == nil {
		t.Fatalf("directory of node 1 accepted for node 2 (%s)", got)
	}
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "raft.db"), []byte("x"), 0o644)
	if err := Format(foreign, id, 1); err == nil || !strings.Contains(err.Error(), "foreign") {
		t.Fatalf("format over foreign data: %v", err)
	}
}

func TestStartRefusesUnformattedDir(t *testing.T) {
	cfg := Config{NodeID: 1, Roles: []cluster.Role{cluster.RoleController},
		Voters: map[int32]string{1: "127.0.0.1:1"}, MetadataLogDir: t.TempDir()}
	_, err := Start(context.Background(), cfg, nil)
	if !errors.Is(err, ErrNotFormatted) {
		t.Fatalf("start on an unformatted dir: %v", err)
	}
}

// TestStartRefusesARaftBoltDBLog checks that a metadata.log.dir written by a
// kraftbench that kept the log in raft-boltdb is refused with a clear error,
// not silently started with an empty log.
func TestStartRefusesARaftBoltDBLog(t *testing.T) {
	dir := t.TempDir()
	clusterID := NewClusterID(rand.New(rand.NewPCG(1, 2)))
	if err := Format(dir, clusterID, 1); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, metadataDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, metadataDir, boltLogFile), []byte("bolt"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{NodeID: 1, Roles: []cluster.Role{cluster.RoleController},
		Voters: map[int32]string{1: "127.0.0.1:0"}, MetadataLogDir: dir}
	n, err := Start(context.Background(), cfg, nil)
	if err == nil {
		n.Close()
		t.Fatal("started on a raft-boltdb log")
	}
	if !strings.Contains(err.Error(), "raft-boltdb") || !strings.Contains(err.Error(), "format the directory again") {
		t.Fatalf("error does not say what to do: %v", err)
	}
}
