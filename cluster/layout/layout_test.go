package layout

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/config"
)

// loopback places every listener on 127.0.0.1 with a distinct port.
type loopback struct{}

func (loopback) Bind(id int32, l string) string { return loopback{}.Advertise(id, l) }
func (loopback) Status(id int32) string         { return fmt.Sprintf("127.0.0.1:%d", 30000+id) }
func (loopback) DataDir(id int32) string        { return fmt.Sprintf("/data/%d", id) }
func (loopback) ZKConnect() string              { return "127.0.0.1:2181" }
func (loopback) Advertise(id int32, l string) string {
	return fmt.Sprintf("127.0.0.1:%d", 10000+int(id)*3+offset(l))
}

func offset(l string) int { return map[string]int{External: 0, Internal: 1, Controller: 2}[l] }

func TestPlansAndPropertiesLoadAsKafkaConfig(t *testing.T) {
	specs := []cluster.Spec{
		{Name: "zk", Mode: cluster.ModeZK, ZKServers: 3, Brokers: 3},
		{Name: "kr", Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 3},
		{Name: "kc", Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 4, Combined: true},
	}
	for _, s := range specs {
		if err := s.Validate(); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		p := NewPlan(s)
		if len(p.Brokers()) != s.Brokers || len(p.Controllers()) != s.Controllers || len(p.ZooKeepers) != s.ZKServers {
			t.Fatalf("%s: plan %+v", s.Name, p)
		}
		for _, n := range p.Nodes {
			props := Properties(s, p, n, loopback{})
			parsed, err := config.ParseProperties(strings.NewReader(PropertiesFile(props)))
			if err != nil {
				t.Fatal(err)
			}
			c, err := config.Load(parsed)
			if err != nil {
				t.Fatalf("%s %s: generated properties do not load:\n%v\n%s", s.Name, n.Name(), err, PropertiesFile(props))
			}
			if c.Mode != s.Mode || c.NodeID != n.ID || c.HasRole(cluster.RoleBroker) != n.IsBroker() {
				t.Fatalf("%s %s: loaded %+v", s.Name, n.Name(), c)
			}
			if n.IsBroker() {
				_, adv, _ := c.BrokerListener()
				_, ib, _ := c.InterBrokerListener()
				if adv.Name != External || ib.Name != Internal {
					t.Fatalf("%s %s: client listener %v, inter-broker %v", s.Name, n.Name(), adv, ib)
				}
			}
			if s.Mode == cluster.ModeKRaft && len(c.Voters) != s.Controllers {
				t.Fatalf("%s %s: voters %v", s.Name, n.Name(), c.Voters)
			}
		}
	}
}

func TestCombinedPlanPutsControllersInTheFirstBrokers(t *testing.T) {
	p := NewPlan(cluster.Spec{Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 5, Combined: true})
	var names []string
	for _, n := range p.Nodes {
		names = append(names, n.Name())
	}
	if got := strings.Join(names, ","); got != "node-1,node-2,node-3,broker-4,broker-5" {
		t.Fatalf("nodes %s", got)
	}
	sep := NewPlan(cluster.Spec{Mode: cluster.ModeKRaft, Controllers: 3, Brokers: 2})
	if sep.Nodes[0].Name() != "controller-1001" || len(sep.Nodes) != 5 {
		t.Fatalf("separated plan %+v", sep.Nodes)
	}
}
