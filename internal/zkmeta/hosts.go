package zkmeta

import (
	"errors"
	"math/rand/v2"
	"sync"
)

// lazyHosts is the session's host provider: it hands out the servers of
// zookeeper.connect by name, round robin, and leaves resolving each to the
// dial. ZooKeeper 3.8's client, which Kafka 3.9 uses (gradle/dependencies.gradle:
// zookeeper 3.8.4), resolves a server when it is next tried and skips one
// that does not resolve (StaticHostProvider, ZOOKEEPER-1576, -2184), so a
// broker starts while one server's name is gone; go-zookeeper's default
// DNSHostProvider resolves every server once, in Init, and fails the whole
// connect when one name does not resolve (a stopped ZooKeeper container has
// no name on its network: the chaos soak saw a restarted broker exit on it).
type lazyHosts struct {
	mu      sync.Mutex
	servers []string
	curr    int // the server Next returned last
	last    int // the server of the last connection
}

// Init keeps the servers, shuffled as both ZooKeeper's StaticHostProvider
// and go-zookeeper's DNSHostProvider shuffle them, so sessions spread over
// the ensemble.
func (h *lazyHosts) Init(servers []string) error {
	if len(servers) == 0 {
		return errors.New("no ZooKeeper servers to connect to")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.servers = append([]string(nil), servers...)
	rand.Shuffle(len(h.servers), func(i, j int) { h.servers[i], h.servers[j] = h.servers[j], h.servers[i] })
	h.curr, h.last = -1, -1
	return nil
}

func (h *lazyHosts) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.servers)
}

// Next returns the next server; retryStart is true once every server was
// tried without a connection (go-zookeeper then backs off before the next
// round), with DNSHostProvider's bookkeeping.
func (h *lazyHosts) Next() (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.curr = (h.curr + 1) % len(h.servers)
	retry := h.curr == h.last
	if h.last == -1 {
		h.last = 0
	}
	return h.servers[h.curr], retry
}

func (h *lazyHosts) Connected() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = h.curr
}
