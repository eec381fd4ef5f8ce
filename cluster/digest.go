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
// leader epoch). Two brokers that serve the same Metadata answer have the same
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
		writeTopic(h, img.Topics[n], putInt, putStr, putInts)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func writeTopic(h hash.Hash, t *Topic, putInt func(int64), putStr func(string), putInts func([]int32)) {
	putStr(t.Name)
	h.Write(t.ID[:])
	putInt(int64(len(t.Partitions)))
	for _, p := range t.Partitions {
		putInt(int64(p.ID))
		putInts(p.Replicas)
		putInts(sortedCopy(p.ISR))
		putInt(int64(p.Leader))
		putInt(int64(p.LeaderEpoch))
	}
}

func sortedCopy(vs []int32) []int32 {
	c := slices.Clone(vs)
	slices.Sort(c)
	return c
}
