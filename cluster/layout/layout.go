// Package layout turns a cluster.Spec into the nodes to start and the Kafka
// properties of each, the same for every provider: node ids, roles,
// listeners, voters and timeouts are decided here once, and a provider only
// says where each listener lives (Resolver).
//
// Every node has these listeners:
//
//	EXTERNAL    the client listener, advertised as reachable from the host
//	            (brokers only; first, so it is the one clients are given)
//	INTERNAL    the listener peers use: ZooKeeper-mode pushes, inter-broker
//	            traffic (brokers only; inter.broker.listener.name)
//	CONTROLLER  the KRaft controller listener (controllers only)
//
// Two broker listeners are Kafka's answer to the container trap: clients
// must be given an address they can reach (127.0.0.1:PORT published from the
// container), while peers must be given one they can reach (the container's
// name on the cluster network).
package layout

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// Listener names.
const (
	External   = "EXTERNAL"
	Internal   = "INTERNAL"
	Controller = "CONTROLLER"
)

// ControllerIDBase numbers separate KRaft controllers 1001, 1002, ...;
// brokers are 1..N, ZooKeeper servers have their own 1..N.
const ControllerIDBase = 1000

// Node is one kbnode process or container to start.
type Node struct {
	ID    int32
	Roles []cluster.Role
}

// IsBroker reports whether the node has the broker role.
func (n Node) IsBroker() bool { return n.has(cluster.RoleBroker) }

// IsController reports whether the node has the KRaft controller role.
func (n Node) IsController() bool { return n.has(cluster.RoleController) }

func (n Node) has(r cluster.Role) bool {
	for _, x := range n.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Name is the node's name within the run: "broker-1", "controller-1001",
// "node-1" (combined).
func (n Node) Name() string {
	switch {
	case n.IsBroker() && n.IsController():
		return fmt.Sprintf("node-%d", n.ID)
	case n.IsController():
		return fmt.Sprintf("controller-%d", n.ID)
	}
	return fmt.Sprintf("broker-%d", n.ID)
}

// Plan is what a spec starts.
type Plan struct {
	ZooKeepers []int // ZooKeeper server ids (myid), empty in KRaft mode
	Nodes      []Node
}

// NewPlan lays out a validated spec.
func NewPlan(s cluster.Spec) Plan {
	var p Plan
	for i := 1; i <= s.ZKServers && s.Mode == cluster.ModeZK; i++ {
		p.ZooKeepers = append(p.ZooKeepers, i)
	}
	if s.Mode == cluster.ModeKRaft && !s.Combined {
		for i := 1; i <= s.Controllers; i++ {
			p.Nodes = append(p.Nodes, Node{ID: int32(ControllerIDBase + i), Roles: []cluster.Role{cluster.RoleController}})
		}
	}
	for i := 1; i <= s.Brokers; i++ {
		n := Node{ID: int32(i), Roles: []cluster.Role{cluster.RoleBroker}}
		if s.Mode == cluster.ModeKRaft && s.Combined && i <= s.Controllers {
			n.Roles = append(n.Roles, cluster.RoleController)
		}
		p.Nodes = append(p.Nodes, n)
	}
	return p
}

// Controllers returns the KRaft voters.
func (p Plan) Controllers() []Node { return p.filter(Node.IsController) }

// Brokers returns the broker nodes.
func (p Plan) Brokers() []Node { return p.filter(Node.IsBroker) }

func (p Plan) filter(keep func(Node) bool) []Node {
	var out []Node
	for _, n := range p.Nodes {
		if keep(n) {
			out = append(out, n)
		}
	}
	return out
}

// Resolver says where a provider puts each node's listeners.
type Resolver interface {
	// Bind is the host:port the node binds for a listener.
	Bind(id int32, listener string) string
	// Advertise is the host:port others use for a listener: EXTERNAL as the
	// host reaches it, INTERNAL and CONTROLLER as peers reach them.
	Advertise(id int32, listener string) string
	// Status is the host:port the node's HTTP status endpoint binds.
	Status(id int32) string
	// DataDir is the node's data directory (log.dirs, metadata.log.dir).
	DataDir(id int32) string
	// ZKConnect is zookeeper.connect (ZooKeeper mode).
	ZKConnect() string
}

// Properties returns node n's Kafka properties.
func Properties(s cluster.Spec, p Plan, n Node, r Resolver) map[string]string {
	t := s.Timeouts.WithDefaults()
	ms := func(d interface{ Milliseconds() int64 }) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	props := map[string]string{
		"node.id":                    strconv.Itoa(int(n.ID)),
		"log.dirs":                   r.DataDir(n.ID),
		"kraftbench.status.listener": r.Status(n.ID),
		"kraftbench.seed":            strconv.FormatInt(s.Seed, 10),
		"kafka.version":              string(s.KafkaVersion.OrDefault()),
	}
	var listeners, advertised, protos []string
	add := func(name string) {
		listeners = append(listeners, name+"://"+r.Bind(n.ID, name))
		advertised = append(advertised, name+"://"+r.Advertise(n.ID, name))
		protos = append(protos, name+":PLAINTEXT")
	}
	if n.IsBroker() {
		add(External)
		add(Internal)
		props["inter.broker.listener.name"] = Internal
	}
	if s.Mode == cluster.ModeZK {
		props["zookeeper.connect"] = r.ZKConnect()
		props["zookeeper.session.timeout.ms"] = ms(t.ZKSession)
		// Only a broker that cannot hand its leaderships over (the last one
		// of a whole-cluster stop) waits out this backoff, twice (before
		// each of its two retries): Kafka's 5000 would add 10 s to every
		// such stop, which nothing
		// measures (docs/decisions.md).
		props["controlled.shutdown.retry.backoff.ms"] = "500"
	} else {
		if n.IsController() {
			add(Controller)
			props["controller.listener.names"] = Controller
		}
		roles := make([]string, len(n.Roles))
		for i, role := range n.Roles {
			roles[i] = string(role)
		}
		props["process.roles"] = strings.Join(roles, ",")
		props["metadata.log.dir"] = r.DataDir(n.ID)
		var voters []string
		for _, c := range p.Controllers() {
			voters = append(voters, fmt.Sprintf("%d@%s", c.ID, r.Advertise(c.ID, Controller)))
		}
		props["controller.quorum.voters"] = strings.Join(voters, ",")
		props["controller.quorum.election.timeout.ms"] = ms(t.Election)
		props["controller.quorum.fetch.timeout.ms"] = ms(t.Fetch)
		props["broker.heartbeat.interval.ms"] = ms(t.HeartbeatInterval)
		props["broker.session.timeout.ms"] = ms(t.BrokerSession)
	}
	props["listeners"] = strings.Join(listeners, ",")
	props["advertised.listeners"] = strings.Join(advertised, ",")
	props["listener.security.protocol.map"] = strings.Join(protos, ",")
	return props
}

// PropertiesFile renders properties in sorted server.properties form.
func PropertiesFile(props map[string]string) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# generated by kraftbench\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	return b.String()
}
