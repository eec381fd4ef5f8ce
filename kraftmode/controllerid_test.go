package kraftmode

import (
	"slices"
	"testing"
	"time"
)

// Metadata names a random live broker as the controller in each answer
// (KRaftMetadataCache.getControllerId): over many answers from one broker,
// more than one id, each a live broker.
func TestMetadataControllerIDIsARandomLiveBroker(t *testing.T) {
	c := newTCluster(t, false, nil)
	c.active(30 * time.Second)
	c.waitUnfenced(30 * time.Second)
	n := c.nodes[c.brokerIDs[0]]
	seen := map[int32]int{}
	for i := 0; i < 60; i++ {
		img := n.Image()
		if !slices.Contains(img.LiveBrokerIDs(), img.ControllerID) {
			t.Fatalf("answer %d names controller %d, not a live broker of %v", i, img.ControllerID, img.LiveBrokerIDs())
		}
		seen[img.ControllerID]++
	}
	if len(seen) < 2 {
		t.Fatalf("60 answers named only %v: want a random live broker per answer", seen)
	}
	t.Logf("controller ids over 60 answers: %v", seen)
}
