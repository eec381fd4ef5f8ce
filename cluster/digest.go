package cluster

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
)

// Digest returns a stable hash of what a client can see of this image through
// a Metadata request: the unfenced brokers (id, client endpoint, rack) and
// every topic (name, id, and each partition's replicas, ISR, leader and
// leader epoch). A leader that is not a live (registered, unfenced) broker is
// hashed as NoLeader, because that is what a Metadata answer reports for it
// (with LEADER_NOT_AVAILABLE). Two brokers that serve the same Metadata answer have the same
// digest, whatever mode they run, which is what convergence checks compare.
//
// Offsets, broker epochs, fenced brokers, topic configs and the controller id
// are left out: they are not part of a Metadata answer, and the controller id
// legitimately differs for a moment during a failover.
func (img *Image) Digest() string {
	h := sha256.New()
	var buf [8]byte
	putInt := func(v int64) {
		binary.BigEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	putStr := func(s string) {
		putInt(int64(len(s)))
		h.Write([]byte(s))
	}
	putInts := func(vs []int32) {
		putInt(int64(len(vs)))
		for _, v := range vs {
			putInt(int64(v))
		}
	}
	live := img.LiveBrokerIDs()
	isLive := make(map[int32]bool, len(live))
	for _, id := range live {
		isLive[id] = true
	}
	putInt(int64(len(live)))
	for _, id := range live {
		b := img.Brokers[id]
		putInt(int64(id))
		ep, _ := b.Addr()
		putStr(ep.Host)
		putInt(int64(ep.Port))
		putStr(b.Rack)
	}
	names := img.TopicNames()
	putInt(int64(len(names)))
	for _, n := range names {
		writeTopic(h, img.Topics[n], isLive, putInt, putStr, putInts)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func writeTopic(h hash.Hash, t *Topic, isLive map[int32]bool,
	putInt func(int64), putStr func(string), putInts func([]int32)) {
	putStr(t.Name)
	h.Write(t.ID[:])
	putInt(int64(len(t.Partitions)))
	for _, p := range t.Partitions {
		putInt(int64(p.ID))
		putInts(p.Replicas)
		putInts(sortedCopy(p.ISR))
		leader := p.Leader
		if !isLive[leader] {
			leader = NoLeader
		}
		putInt(int64(leader))
		putInt(int64(p.LeaderEpoch))
	}
}

func sortedCopy(vs []int32) []int32 {
	c := slices.Clone(vs)
	slices.Sort(c)
	return c
}
