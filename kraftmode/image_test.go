package kraftmode

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// sameImage reports whether two images hold the same brokers (with fencing
// and epochs), topics (with configs) and digest.
func sameImage(a, b *cluster.Image) bool {
	if a.Digest() != b.Digest() || len(a.Brokers) != len(b.Brokers) || len(a.Topics) != len(b.Topics) {
		return false
	}
	for id, x := range a.Brokers {
		y, ok := b.Brokers[id]
		if !ok || x.Epoch != y.Epoch || x.Fenced != y.Fenced || x.Rack != y.Rack || !slices.Equal(x.Endpoints, y.Endpoints) {
			return false
		}
	}
	for n, t := range a.Topics {
		u := b.Topics[n]
		if u == nil || len(t.Configs) != len(u.Configs) {
			return false
		}
		for k, v := range t.Configs {
			if u.Configs[k] != v {
				return false
			}
		}
	}
	return true
}

// assignments fingerprints what must survive any restart: every topic's name,
// id, configs and replica assignment. Leaders, ISRs and fencing are left
// out: brokers that restart re-register, and Kafka moves leadership off a
// broker that comes back with a new incarnation.
func assignments(img *cluster.Image) string {
	var b strings.Builder
	for _, n := range img.TopicNames() {
		t := img.Topics[n]
		fmt.Fprintf(&b, "%s %s %v:", n, t.ID, t.Configs)
		for _, p := range t.Partitions {
			fmt.Fprintf(&b, " %d%v", p.ID, p.Replicas)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
