package main

import (
	"strings"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/external"
)

// The cluster file made for a running cluster parses strictly, lists its
// Kafka nodes (not its ZooKeeper servers) and gives each the faults its
// provider can do, undone through `cluster fault heal`.
func TestClusterFileDescribesARunningCluster(t *testing.T) {
	st := runState{
		Spec:      cluster.Spec{Name: "zk-a", Mode: cluster.ModeZK},
		Provider:  "local",
		Bootstrap: []string{"127.0.0.1:9001", "127.0.0.1:9002"},
		Nodes: []cluster.NodeInfo{
			{ID: 1, Kind: "node", Roles: []cluster.Role{cluster.RoleBroker}, Addr: "127.0.0.1:9001"},
			{ID: 2, Kind: "node", Roles: []cluster.Role{cluster.RoleBroker}, Addr: "127.0.0.1:9002"},
			{ID: 1, Kind: "zookeeper", Addr: "127.0.0.1:2181"},
		},
	}
	for _, provider := range []string{"local", "docker"} {
		st.Provider = provider
		text := clusterFileText(st, "/opt/kb/kraftbench", "/var/kb")
		f, err := external.Parse([]byte(text))
		if err != nil {
			t.Fatalf("%s: %v\n%s", provider, err, text)
		}
		if len(f.Nodes) != 2 || f.Name != "zk-a" || len(f.Bootstrap) != 2 || f.ZooKeeperConnect != "127.0.0.1:2181" {
			t.Fatalf("%s: %+v", provider, f)
		}
		n := f.Nodes[1]
		if n.Faults.Kill == nil || !strings.Contains(n.Faults.Kill.Run, "cluster fault kill --name zk-a --node 2") ||
			n.Faults.Start == nil || !strings.Contains(n.Faults.Start.Run, "cluster fault heal --name zk-a --node 2") ||
			!strings.Contains(n.Faults.Kill.Run, "KRAFTBENCH_HOME='/var/kb'") {
			t.Errorf("%s: node 2's faults %+v", provider, n.Faults)
		}
		if (n.Faults.Partition != nil) != (provider == "docker") {
			t.Errorf("%s: partition %+v: want one only where the provider can partition", provider, n.Faults.Partition)
		}
	}
}
