package kraftmode

import (
	"slices"

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
