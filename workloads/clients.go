package workloads

import (
	"fmt"

	"github.com/kraftbench/kraftbench/cluster"
)

// maxPoolClients bounds how many Kafka clients one loop opens (each holds a
// connection per broker it talks to).
const maxPoolClients = 64

// clientPool holds Kafka clients of their own for a loop's concurrent
// calls. A Kafka broker reads one request per connection at a time and
// answers it before reading the next (SocketServer mutes a channel while
// its request is in flight, Kafka 3.9 SocketServer.scala), so workers that
// share one client share its connection and queue behind each other: with
// the KRaft append linger, four workers on one client took four lingers
// per create. Concurrency in a workload therefore means clients, as it
// does for an operator's separate admin tools.
type clientPool struct {
	free chan cluster.Admin
	own  []cluster.Admin // opened here, closed by close
}

// newClientPool gives n clients (at most maxPoolClients): the run's own
// Admin and n-1 more from env.NewAdmin. Without NewAdmin (a fake cluster in
// a unit test) the n slots all hold the run's Admin.
func newClientPool(env *Env, name string, n int) (*clientPool, error) {
	n = max(1, min(n, maxPoolClients))
	p := &clientPool{free: make(chan cluster.Admin, n)}
	p.free <- env.Admin
	for i := 1; i < n; i++ {
		if env.NewAdmin == nil {
			p.free <- env.Admin
			continue
		}
		c, err := env.NewAdmin(fmt.Sprintf("kraftbench-%s-%d", name, i))
		if err != nil {
			p.close()
			return nil, fmt.Errorf("%s: client %d of %d: %w", name, i+1, n, err)
		}
		p.own = append(p.own, c)
		p.free <- c
	}
	return p, nil
}

// size is how many clients the pool holds.
func (p *clientPool) size() int { return cap(p.free) }

// do runs op on a free client, waiting for one.
func (p *clientPool) do(op func(cluster.Admin) error) error {
	c := <-p.free
	defer func() { p.free <- c }()
	return op(c)
}

func (p *clientPool) close() {
	for _, c := range p.own {
		c.Close()
	}
}
