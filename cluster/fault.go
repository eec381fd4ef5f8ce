package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// FaultKind is what a fault does to a node. The kinds are listed once, in
// faultKinds; user input becomes a kind through ParseFaultKind only.
type FaultKind string

// Fault kinds. Not every provider can do every kind: one that cannot says so
// with an error wrapping ErrFaultUnsupported rather than faking it (a local
// provider cannot partition a process off the network).
const (
	FaultKill      FaultKind = "kill"      // SIGKILL; undo restarts the node
	FaultStop      FaultKind = "stop"      // SIGTERM and wait; undo restarts
	FaultPause     FaultKind = "pause"     // SIGSTOP / docker pause; undo resumes
	FaultPartition FaultKind = "partition" // cut from its peers; undo heals
	FaultRestart   FaultKind = "restart"   // stop then start again; no undo
)

// faultKinds is every kind, in the order runs inject them and reports list
// them. Adding a kind is a line here and a case in each provider's Fault.
var faultKinds = []FaultKind{FaultKill, FaultStop, FaultPause, FaultPartition, FaultRestart}

// FaultKinds returns every fault kind, in the order runs inject them.
func FaultKinds() []FaultKind { return append([]FaultKind(nil), faultKinds...) }

// Heals reports whether the fault stays in place until undone (a failover
// run holds it and then heals it); a restart is over when it returns.
func (k FaultKind) Heals() bool { return k != FaultRestart }

// ParseFaultKind returns the kind s names, or an error listing the kinds.
func ParseFaultKind(s string) (FaultKind, error) {
	k := FaultKind(strings.TrimSpace(s))
	for _, known := range faultKinds {
		if k == known {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown fault %q: want %s", s, JoinFaultKinds(faultKinds, ", "))
}

// JoinFaultKinds joins kinds' names with sep.
func JoinFaultKinds(kinds []FaultKind, sep string) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, sep)
}

// ErrFaultUnsupported is wrapped by a provider's error for a fault it cannot
// inject. Callers ask with errors.Is and skip the fault (etcd robustness's
// Failpoint.Available), rather than guessing from the provider's name.
var ErrFaultUnsupported = errors.New("fault not supported")

// FaultChecker is the optional extra of a cluster that can say, before a
// run, whether it can inject a kind of fault. Its Fault refuses the same
// kinds with the same error.
type FaultChecker interface {
	// CanFault returns nil, or an error wrapping ErrFaultUnsupported.
	CanFault(kind FaultKind) error
}

// CanFault asks c whether it can inject kind: an unknown kind is an error,
// one c cannot inject wraps ErrFaultUnsupported. A cluster that is no
// FaultChecker is taken to do every kind (its Fault still says otherwise).
func CanFault(c Cluster, kind FaultKind) error {
	if _, err := ParseFaultKind(string(kind)); err != nil {
		return err
	}
	if fc, ok := c.(FaultChecker); ok {
		return fc.CanFault(kind)
	}
	return nil
}

// Fault names a fault and its target: a kbnode node, or a ZooKeeper server
// when Store is set.
type Fault struct {
	Kind FaultKind
	Node int32
	// Store says Node is a ZooKeeper server's id (its myid, as Nodes lists
	// it with Kind "zookeeper") rather than a kbnode node's: the two count
	// from 1 alike, so the id alone is ambiguous. The zero value keeps the
	// old meaning. A cluster without a ZooKeeper ensemble refuses a store
	// fault with an error wrapping ErrFaultUnsupported.
	Store bool
}

// NodeKind is the NodeInfo.Kind of the node f targets.
func (f Fault) NodeKind() string {
	if f.Store {
		return NodeKindZooKeeper
	}
	return NodeKindNode
}

// The NodeInfo kinds.
const (
	NodeKindNode      = "node"      // a kbnode process or container
	NodeKindZooKeeper = "zookeeper" // a ZooKeeper server
)

// StoreFaultChecker is the optional extra of a cluster that can say, before
// a run, whether it can inject a kind of fault on a ZooKeeper server. A
// cluster that is no StoreFaultChecker is taken to do none: its Fault
// refuses store faults.
type StoreFaultChecker interface {
	// CanFaultStore returns nil, or an error wrapping ErrFaultUnsupported.
	CanFaultStore(kind FaultKind) error
}

// CanFaultStore asks c whether it can inject kind on a ZooKeeper server.
func CanFaultStore(c Cluster, kind FaultKind) error {
	if _, err := ParseFaultKind(string(kind)); err != nil {
		return err
	}
	if fc, ok := c.(StoreFaultChecker); ok {
		return fc.CanFaultStore(kind)
	}
	return fmt.Errorf("%w: this cluster cannot fault its ZooKeeper servers", ErrFaultUnsupported)
}

// FaultRecord is a fault's window on the run's clock: when it was injected
// and when it was undone. Undo is nil for faults that need none.
type FaultRecord struct {
	Fault   Fault
	Start   time.Time
	End     time.Time // zero until undone
	Undo    func(ctx context.Context) error
	Details string
}
