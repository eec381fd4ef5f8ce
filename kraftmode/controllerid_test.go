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

// A voter claims to be the active controller only in the term it became
// active in: a deposed leader whose Raft already took the new leader's term
// (its controller not yet deactivated) still reports its own, older term,
// so the epoch watch never sees two active controllers in one term.
func TestStatusClaimsTheTermItWon(t *testing.T) {
	for _, c := range []struct {
		name             string
		leader           int32
		raftTerm         uint64
		active           bool
		activeTerm       uint64
		wantID           int32
		wantTerm         int64
		wantActiveStatus bool
	}{
		{"active", 2, 6, true, 6, 2, 6, true},
		{"deposed, Raft ahead", 1, 7, true, 6, 2, 6, true},
		{"follower", 1, 7, false, 6, 1, 7, false},
		{"no leader", -1, 8, false, 0, -1, 8, false},
	} {
		id, term, active := claim(2, c.leader, c.raftTerm, c.active, c.activeTerm)
		if id != c.wantID || term != c.wantTerm || active != c.wantActiveStatus {
			t.Errorf("%s: claim = (%d, %d, %v), want (%d, %d, %v)", c.name, id, term, active, c.wantID, c.wantTerm, c.wantActiveStatus)
		}
	}
}
