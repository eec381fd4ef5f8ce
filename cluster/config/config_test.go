package config

import (
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func load(t *testing.T, text string) (*Node, error) {
	t.Helper()
	p, err := ParseProperties(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return Load(p)
}

func TestParsePropertiesFormat(t *testing.T) {
	p, err := ParseProperties(strings.NewReader(`# comment
! also a comment
a=1
b : two words
c three
d = x,\
    y
e\=f = g\:h
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1", "b": "two words", "c": "three", "d": "x,y", "e=f": "g:h"}
	for k, v := range want {
		if got, ok := p.Get(k); !ok || got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(p.Keys()) != len(want) {
		t.Errorf("keys %v, want %d", p.Keys(), len(want))
	}
}

const kraftCombined = `
node.id=1
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093
controller.listener.names=CONTROLLER
controller.quorum.voters=1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097
log.dirs=/var/lib/kb/1
`

func TestLoadKRaftCombinedWithKafkaDefaults(t *testing.T) {
	n, err := load(t, kraftCombined)
	if err != nil {
		t.Fatal(err)
	}
	if n.Mode != cluster.ModeKRaft || n.NodeID != 1 || !n.HasRole(cluster.RoleBroker) || !n.HasRole(cluster.RoleController) {
		t.Fatalf("identity: %+v", n)
	}
	if n.ElectionTimeout != time.Second || n.FetchTimeout != 2*time.Second ||
		n.HeartbeatInterval != 2*time.Second || n.SessionTimeout != 9*time.Second {
		t.Fatalf("timeouts are not Kafka's defaults: %+v", n)
	}
	if n.MetadataLogDir != "/var/lib/kb/1" || len(n.Voters) != 3 || n.VoterMap()[2] != "127.0.0.1:9095" {
		t.Fatalf("dirs/voters: %+v", n)
	}
	b, adv, ok := n.BrokerListener()
	c, _, okc := n.ControllerListener()
	if !ok || !okc || b.Port != 9092 || adv.Host != "127.0.0.1" || c.Port != 9093 {
		t.Fatalf("listeners: %+v %+v", b, c)
	}
}

func TestLoadZKModeDefaults(t *testing.T) {
	n, err := load(t, "broker.id=3\nzookeeper.connect=127.0.0.1:2181\nlisteners=PLAINTEXT://:19092\n")
	if err != nil {
		t.Fatal(err)
	}
	if n.Mode != cluster.ModeZK || n.NodeID != 3 || n.ZKSessionTimeout != 18*time.Second || n.ZKConnectionTimeout != 18*time.Second {
		t.Fatalf("%+v", n)
	}
	if n.ZKMaxInFlight != 10 || !n.ReplicaLogs {
		t.Fatalf("zookeeper.max.in.flight.requests %d, kraftbench.replica.logs %v; want Kafka's 10 and true", n.ZKMaxInFlight, n.ReplicaLogs)
	}
	if _, adv, _ := n.BrokerListener(); adv.Addr() != "127.0.0.1:19092" {
		t.Fatalf("advertised %v", adv)
	}
}

func TestLoadErrorsNameThePropertyAndValue(t *testing.T) {
	cases := []struct{ text, want string }{
		{"node.id=1\nzookeeper.connect=x:1\nfoo.bar=7\n", `unknown property foo.bar="7" (line 3)`},
		{"node.id=abc\nzookeeper.connect=x:1\n", `node.id="abc" (line 1): not an integer`},
		{"node.id=1\n", "neither process.roles"},
		{"zookeeper.connect=x:1\n", "node.id is required"},
		{"node.id=1\nzookeeper.connect=x:1\nprocess.roles=broker\ncontroller.quorum.voters=1@h:1\n", "zookeeper.connect"},
		{"node.id=1\nprocess.roles=broker,banana\ncontroller.quorum.voters=1@h:1\n", `process.roles="broker,banana" (line 2): unknown role "banana"`},
		{"node.id=1\nprocess.roles=broker\ncontroller.quorum.voters=1@h\n", `controller.quorum.voters="1@h" (line 3): entry "1@h"`},
		{"node.id=1\nprocess.roles=broker\n", "controller.quorum.voters=\"\": KRaft mode needs at least one voter"},
		{strings.Replace(kraftCombined, "node.id=1", "node.id=4", 1), "node.id=4 has the controller role but is not a voter"},
		{strings.Replace(kraftCombined, "controller.listener.names=CONTROLLER\n", "", 1), "controller.listener.names=\"\": required"},
		{"node.id=1\nzookeeper.connect=x:1\nlisteners=PLAINTEXT://h:99999\n", `listeners="PLAINTEXT://h:99999" (line 3): entry`},
		{"node.id=1\nzookeeper.connect=x:1\nzookeeper.session.timeout.ms=0\n", "zookeeper.session.timeout.ms=\"0\" (line 3): must be at least 1"},
		{"node.id=1\nzookeeper.connect=x:1\nauto.create.topics.enable=true\n", "auto.create.topics.enable=\"true\" (line 3)"},
		{"node.id=1\nzookeeper.connect=x:1\nnum.partitions=0\n", "num.partitions=\"0\" (line 3): must be at least 1"},
		{"node.id=1\nzookeeper.connect=x:1\nlisteners=SSL://h:1\n", "no entry for listener SSL"},
		{"node.id=1\nprocess.roles=broker\ncontroller.quorum.voters=1@h:1\nbroker.heartbeat.interval.ms=9000\n", "must be below broker.session.timeout.ms=9000"},
	}
	for _, c := range cases {
		_, err := load(t, c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("config %q:\n got  %v\n want an error containing %q", c.text, err, c.want)
		}
	}
}

func TestDocListsEveryProperty(t *testing.T) {
	if len(Doc()) != len(defs) {
		t.Fatalf("Doc has %d lines for %d properties", len(Doc()), len(defs))
	}
}

func TestLoadLeaderRebalanceProperties(t *testing.T) {
	n, err := load(t, "broker.id=3\nzookeeper.connect=127.0.0.1:2181\n")
	if err != nil {
		t.Fatal(err)
	}
	if !n.AutoLeaderRebalance || n.LeaderImbalanceCheckInterval != 300*time.Second || n.LeaderImbalancePerBrokerPercentage != 10 {
		t.Fatalf("auto.leader.rebalance.enable %v, leader.imbalance.check.interval.seconds %v, leader.imbalance.per.broker.percentage %d; want Kafka's true, 300 s, 10",
			n.AutoLeaderRebalance, n.LeaderImbalanceCheckInterval, n.LeaderImbalancePerBrokerPercentage)
	}
	n, err = load(t, "broker.id=3\nzookeeper.connect=127.0.0.1:2181\nauto.leader.rebalance.enable=false\nleader.imbalance.check.interval.seconds=2\nleader.imbalance.per.broker.percentage=0\n")
	if err != nil {
		t.Fatal(err)
	}
	if n.AutoLeaderRebalance || n.LeaderImbalanceCheckInterval != 2*time.Second || n.LeaderImbalancePerBrokerPercentage != 0 {
		t.Fatalf("set values not read: %+v", n)
	}
	if _, err := load(t, "broker.id=3\nzookeeper.connect=127.0.0.1:2181\nleader.imbalance.check.interval.seconds=0\n"); err == nil ||
		!strings.Contains(err.Error(), "leader.imbalance.check.interval.seconds") {
		t.Fatalf("interval 0 accepted or not named: %v", err)
	}
}
