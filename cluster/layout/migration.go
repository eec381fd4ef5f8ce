package layout

import (
	"fmt"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// MigrationControllers returns the KRaft controllers a migration adds to a
// ZooKeeper-mode plan: ids 1001..1000+n, controller role only.
func MigrationControllers(n int) []Node {
	out := make([]Node, n)
	for i := range out {
		out[i] = Node{ID: int32(ControllerIDBase + i + 1), Roles: []cluster.Role{cluster.RoleController}}
	}
	return out
}

// MigrationProperties returns node n's properties at a stage of a
// ZooKeeper-to-KRaft migration (KIP-866) of the ZooKeeper-mode spec s. p
// must hold the controllers added for the migration. zkConnect is the
// ensemble's connect string (the spec's store stays up until finalized).
func MigrationProperties(s cluster.Spec, p Plan, n Node, r Resolver, stage cluster.NodeStage) (map[string]string, error) {
	kraft := s
	kraft.Mode = cluster.ModeKRaft
	kraft.Combined = false
	t := s.Timeouts.WithDefaults()
	ms := func(d interface{ Milliseconds() int64 }) string { return fmt.Sprint(d.Milliseconds()) }
	voters := func() string {
		var vs []string
		for _, c := range p.Controllers() {
			vs = append(vs, fmt.Sprintf("%d@%s", c.ID, r.Advertise(c.ID, Controller)))
		}
		return strings.Join(vs, ",")
	}
	withZK := func(props map[string]string) map[string]string {
		props["zookeeper.metadata.migration.enable"] = "true"
		props["zookeeper.connect"] = r.ZKConnect()
		props["zookeeper.session.timeout.ms"] = ms(t.ZKSession)
		return props
	}
	switch stage {
	case cluster.StageZK:
		if !n.IsBroker() {
			return nil, fmt.Errorf("stage %s is for brokers, node %d is a controller", stage, n.ID)
		}
		return Properties(s, p, n, r), nil
	case cluster.StageZKMigration:
		if !n.IsBroker() {
			return nil, fmt.Errorf("stage %s is for brokers, node %d is a controller", stage, n.ID)
		}
		props := Properties(s, p, n, r)
		props["zookeeper.metadata.migration.enable"] = "true"
		props["controller.quorum.voters"] = voters()
		props["broker.heartbeat.interval.ms"] = ms(t.HeartbeatInterval)
		props["broker.session.timeout.ms"] = ms(t.BrokerSession)
		return props, nil
	case cluster.StageKRaftMigration:
		if !n.IsBroker() {
			return nil, fmt.Errorf("stage %s is for brokers, node %d is a controller", stage, n.ID)
		}
		return withZK(Properties(kraft, p, n, r)), nil
	case cluster.StageControllerMigration, cluster.StageController:
		if !n.IsController() {
			return nil, fmt.Errorf("stage %s is for controllers, node %d is a broker", stage, n.ID)
		}
		props := Properties(kraft, p, n, r)
		if stage == cluster.StageControllerMigration {
			withZK(props)
			props["inter.broker.listener.name"] = Internal
		}
		return props, nil
	}
	return nil, fmt.Errorf("unknown migration stage %q", stage)
}
