package cluster

import (
	"errors"
	"strings"
	"testing"
)

// Every kind parses back to itself; anything else is refused with the list.
func TestParseFaultKind(t *testing.T) {
	for _, k := range FaultKinds() {
		got, err := ParseFaultKind(" " + string(k) + " ")
		if err != nil || got != k {
			t.Errorf("ParseFaultKind(%q) = %q, %v", k, got, err)
		}
	}
	_, err := ParseFaultKind("explode")
	if err == nil || !strings.Contains(err.Error(), "kill, stop, pause, partition, restart") {
		t.Errorf("unknown kind: %v, want an error listing the kinds", err)
	}
	if errors.Is(err, ErrFaultUnsupported) {
		t.Errorf("an unknown kind is a mistake, not a provider's limit: %v", err)
	}
	if FaultRestart.Heals() || !FaultPause.Heals() {
		t.Error("a restart is over when it returns; a pause stays until healed")
	}
}

type checkingCluster struct {
	Cluster
	refuse FaultKind
}

func (c checkingCluster) CanFault(k FaultKind) error {
	if k == c.refuse {
		return ErrFaultUnsupported
	}
	return nil
}

// CanFault asks a cluster that can answer, takes any other at its word, and
// refuses unknown kinds itself.
func TestCanFault(t *testing.T) {
	c := checkingCluster{refuse: FaultPartition}
	if err := CanFault(c, FaultPartition); !errors.Is(err, ErrFaultUnsupported) {
		t.Errorf("refused kind: %v", err)
	}
	if err := CanFault(c, FaultKill); err != nil {
		t.Errorf("supported kind: %v", err)
	}
	if err := CanFault(checkingCluster{}.Cluster, FaultPartition); err != nil {
		t.Errorf("a cluster that cannot say: %v, want nil (its Fault decides)", err)
	}
	if err := CanFault(c, "explode"); err == nil {
		t.Error("unknown kind accepted")
	}
}

type storeCluster struct {
	checkingCluster
}

func (c storeCluster) CanFaultStore(k FaultKind) error { return c.CanFault(k) }

// A store fault is asked of a cluster that says it can fault its ZooKeeper
// servers; one that cannot say is taken to fault none, so an old provider
// never reads a ZooKeeper server's id as a node's.
func TestCanFaultStore(t *testing.T) {
	c := storeCluster{checkingCluster{refuse: FaultPartition}}
	if err := CanFaultStore(c, FaultKill); err != nil {
		t.Errorf("supported kind: %v", err)
	}
	if err := CanFaultStore(c, FaultPartition); !errors.Is(err, ErrFaultUnsupported) {
		t.Errorf("refused kind: %v", err)
	}
	if err := CanFaultStore(checkingCluster{}, FaultKill); !errors.Is(err, ErrFaultUnsupported) {
		t.Errorf("a cluster that cannot say: %v, want ErrFaultUnsupported", err)
	}
	if err := CanFaultStore(c, "explode"); err == nil || errors.Is(err, ErrFaultUnsupported) {
		t.Errorf("unknown kind: %v, want an error that is not ErrFaultUnsupported", err)
	}
	if k := (Fault{Kind: FaultKill, Node: 1, Store: true}).NodeKind(); k != NodeKindZooKeeper {
		t.Errorf("store fault's node kind %q", k)
	}
	if k := (Fault{Kind: FaultKill, Node: 1}).NodeKind(); k != NodeKindNode {
		t.Errorf("node fault's node kind %q", k)
	}
}
