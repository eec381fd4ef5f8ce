package local

import (
	"fmt"
	"path/filepath"

	"github.com/kraftbench/kraftbench/cluster/layout"
	"github.com/kraftbench/kraftbench/internal/provision"
)

// resolver places every listener of every node on 127.0.0.1 with ports chosen
// before start; peers and clients use the same addresses.
type resolver struct {
	dir    string
	ports  map[int32]map[string]int // node -> listener -> port
	status map[int32]int
	zk     string
}

func newResolver(dir string, plan layout.Plan) (*resolver, error) {
	listeners := []string{layout.External, layout.Internal, layout.Controller}
	ports, err := provision.FreePorts(len(plan.Nodes) * (len(listeners) + 1))
	if err != nil {
		return nil, err
	}
	r := &resolver{dir: dir, ports: map[int32]map[string]int{}, status: map[int32]int{}}
	i := 0
	for _, n := range plan.Nodes {
		r.ports[n.ID] = map[string]int{}
		for _, l := range listeners {
			r.ports[n.ID][l] = ports[i]
			i++
		}
		r.status[n.ID] = ports[i]
		i++
	}
	return r, nil
}

func (r *resolver) Bind(id int32, l string) string { return r.Advertise(id, l) }
func (r *resolver) Advertise(id int32, l string) string {
	return fmt.Sprintf("127.0.0.1:%d", r.ports[id][l])
}
func (r *resolver) Status(id int32) string  { return fmt.Sprintf("127.0.0.1:%d", r.status[id]) }
func (r *resolver) DataDir(id int32) string { return filepath.Join(r.dir, nodeDirName(id), "data") }
func (r *resolver) ZKConnect() string       { return r.zk }

func nodeDirName(id int32) string { return fmt.Sprintf("node-%d", id) }
