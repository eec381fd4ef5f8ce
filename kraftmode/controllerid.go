package kraftmode

import (
	"math/rand/v2"
	"sync"
)

// controllerPicker chooses the controller id a broker tells clients. Kafka's
// KRaft broker names a random alive (unfenced) broker in each Metadata and
// DescribeCluster answer, so that clients spread the requests meant for the
// controller over the brokers, which forward them (KIP-590;
// KRaftMetadataCache.getControllerId, core/.../KRaftMetadataCache.scala
// :449-466 at 3.9, ThreadLocalRandom over the alive brokers). kraftbench
// draws from a source seeded by kraftbench.seed and the node id, so a run
// can be repeated.
type controllerPicker struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newControllerPicker(seed int64, nodeID int32) *controllerPicker {
	return &controllerPicker{rng: rand.New(rand.NewPCG(uint64(seed), uint64(uint32(nodeID))<<8|0xc1))}
}

// pick returns one of live at random, or -1 when live is empty.
func (p *controllerPicker) pick(live []int32) int32 {
	if len(live) == 0 {
		return -1
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return live[p.rng.IntN(len(live))]
}
