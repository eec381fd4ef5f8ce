package docker

import (
	"fmt"
	"strings"

	"github.com/kraftbench/kraftbench/cluster/layout"
	"github.com/kraftbench/kraftbench/internal/provision"
)

// Ports inside containers that are never published: peers use them on the
// peer network.
const (
	internalPort = 9093 // INTERNAL listener of brokers
	zkClientPort = 2181
	zkPeerPorts  = "2888:3888"
	nodeDataDir  = "/var/lib/kbnode"
	zkDataDir    = "/data"
)

// LabelRun is the label on every container, volume and network of a run;
// its value is the run's name.
const LabelRun = "kraftbench.run"

// names are the docker names of a run's objects.
type names struct{ run string }

func (n names) peerNet() string   { return "kb-" + n.run + "-peer" }
func (n names) clientNet() string { return "kb-" + n.run + "-client" }
func (n names) node(node layout.Node) string {
	return "kb-" + n.run + "-" + node.Name()
}
func (n names) zk(id int) string { return fmt.Sprintf("kb-%s-zk-%d", n.run, id) }

// alias is a container's name on the peer network. It exists on that network
// alone, so a peer resolves it only while both are on it (a container's own
// name resolves on every network it shares with the asker, and the client
// network drops traffic between containers).
func alias(container string) string { return container + ".peer" }

// resolver places listeners for layout: EXTERNAL, CONTROLLER and the status
// endpoint on host ports chosen before start, bound inside the container on
// the same number and published on 127.0.0.1; INTERNAL on a fixed port that
// only peers use. Data lives in a volume mounted at /var/lib/kbnode.
type resolver struct {
	names     names
	byID      map[int32]layout.Node
	ports     map[int32]map[string]int // node -> EXTERNAL/CONTROLLER -> port
	status    map[int32]int
	zkClient  map[int]int // ZooKeeper server id -> published client port
	zkServers []int
}

var _ layout.Resolver = (*resolver)(nil)

func newResolver(run string, plan layout.Plan) (*resolver, error) {
	ports, err := provision.FreePorts(3*len(plan.Nodes) + len(plan.ZooKeepers))
	if err != nil {
		return nil, err
	}
	next := func() int { p := ports[0]; ports = ports[1:]; return p }
	r := &resolver{names: names{run}, byID: map[int32]layout.Node{}, ports: map[int32]map[string]int{},
		status: map[int32]int{}, zkClient: map[int]int{}, zkServers: plan.ZooKeepers}
	for _, n := range plan.Nodes {
		r.byID[n.ID] = n
		r.ports[n.ID] = map[string]int{layout.External: next(), layout.Controller: next()}
		r.status[n.ID] = next()
	}
	for _, id := range plan.ZooKeepers {
		r.zkClient[id] = next()
	}
	return r, nil
}

func (r *resolver) container(id int32) string { return r.names.node(r.byID[id]) }

// Bind is where the node binds a listener inside its container.
func (r *resolver) Bind(id int32, l string) string {
	if l == layout.Internal {
		return fmt.Sprintf("0.0.0.0:%d", internalPort)
	}
	return fmt.Sprintf("0.0.0.0:%d", r.ports[id][l])
}

// Advertise: EXTERNAL as the host reaches it, the others by peer alias.
func (r *resolver) Advertise(id int32, l string) string {
	switch l {
	case layout.External:
		return fmt.Sprintf("127.0.0.1:%d", r.ports[id][l])
	case layout.Internal:
		return fmt.Sprintf("%s:%d", alias(r.container(id)), internalPort)
	}
	return fmt.Sprintf("%s:%d", alias(r.container(id)), r.ports[id][l])
}

func (r *resolver) Status(id int32) string  { return fmt.Sprintf("0.0.0.0:%d", r.status[id]) }
func (r *resolver) DataDir(id int32) string { return nodeDataDir }

// ZKConnect lists the ensemble by peer alias.
func (r *resolver) ZKConnect() string {
	var hosts []string
	for _, id := range r.zkServers {
		hosts = append(hosts, fmt.Sprintf("%s:%d", alias(r.names.zk(id)), zkClientPort))
	}
	return strings.Join(hosts, ",")
}

// zkServers is the official image's ZOO_SERVERS for the ensemble.
func (r *resolver) zooServers() string {
	var s []string
	for _, id := range r.zkServers {
		s = append(s, fmt.Sprintf("server.%d=%s:%s;%d", id, alias(r.names.zk(id)), zkPeerPorts, zkClientPort))
	}
	return strings.Join(s, " ")
}

// hostStatus is the node's status endpoint as the host reaches it.
func (r *resolver) hostStatus(id int32) string { return fmt.Sprintf("127.0.0.1:%d", r.status[id]) }

// hostAddr is what NodeInfo.Addr gives: EXTERNAL for brokers, CONTROLLER for
// controller-only nodes, both published on 127.0.0.1.
func (r *resolver) hostAddr(n layout.Node) string {
	l := layout.External
	if !n.IsBroker() {
		l = layout.Controller
	}
	return fmt.Sprintf("127.0.0.1:%d", r.ports[n.ID][l])
}

// published are the container ports of node n published on the same host
// port.
func (r *resolver) published(n layout.Node) []int {
	out := []int{r.status[n.ID]}
	if n.IsBroker() {
		out = append(out, r.ports[n.ID][layout.External])
	}
	if n.IsController() {
		out = append(out, r.ports[n.ID][layout.Controller])
	}
	return out
}
