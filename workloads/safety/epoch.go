package safety

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// EpochWatch checks that no controller epoch had two active controllers. A
// workload polls cluster.Status on every node and feeds each answer to
// Observe; a node that reports Active claims the controller post for its
// ControllerEpoch (the ZooKeeper controller epoch, or the Raft term). Both
// modes promise at most one such claim per epoch: ZooKeeper mode through the
// conditional write of /controller_epoch, KRaft through Raft's one vote per
// term.
//
// A node that still reports Active for an older epoch after another node
// took a newer one is not flagged: a deposed controller learns of its
// deposition late by design, and the epoch fences its writes. That such
// writes are fenced is what the linearizability check tests.
//
// Observations are only as good as the polling: two claims in one epoch that
// never overlap a poll go unseen. It is safe for concurrent use, and its
// memory grows with the number of epochs and nodes, not observations.
type EpochWatch struct {
	mu     sync.Mutex
	claims map[int64]map[int32]Claim // epoch -> node -> first claim seen
	seen   int
}

// Claim is a node seen claiming to be the active controller in an epoch.
type Claim struct {
	Epoch int64
	Node  int32
	// First and Last are the first and last time the claim was observed.
	First, Last time.Time
}

func (c Claim) String() string {
	return fmt.Sprintf("epoch %d: node %d (%s..%s)", c.Epoch, c.Node,
		c.First.Format("15:04:05.000"), c.Last.Format("15:04:05.000"))
}

// NewEpochWatch returns an empty watch.
func NewEpochWatch() *EpochWatch { return &EpochWatch{claims: map[int64]map[int32]Claim{}} }

// Observe records node's status as polled at time at. Statuses that do
// not claim the active post (Active false) only count as observations.
func (w *EpochWatch) Observe(node int32, st cluster.Status, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen++
	if !st.Active {
		return
	}
	byNode := w.claims[st.ControllerEpoch]
	if byNode == nil {
		byNode = map[int32]Claim{}
		w.claims[st.ControllerEpoch] = byNode
	}
	c, ok := byNode[node]
	if !ok {
		c = Claim{Epoch: st.ControllerEpoch, Node: node, First: at, Last: at}
	}
	if at.Before(c.First) {
		c.First = at
	}
	if at.After(c.Last) {
		c.Last = at
	}
	byNode[node] = c
}

// Observations returns how many statuses were observed.
func (w *EpochWatch) Observations() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen
}

// Claims returns every claim seen, by epoch then node.
func (w *EpochWatch) Claims() []Claim {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Claim
	for _, e := range slices.Sorted(maps.Keys(w.claims)) {
		for _, n := range slices.Sorted(maps.Keys(w.claims[e])) {
			out = append(out, w.claims[e][n])
		}
	}
	return out
}

// Violations returns one CheckSplitBrain violation per epoch in which more
// than one node claimed the active post, in epoch order.
func (w *EpochWatch) Violations() []Violation {
	var out []Violation
	var cur []Claim
	flush := func() {
		if len(cur) < 2 {
			return
		}
		v := Violation{Check: CheckSplitBrain, Epoch: cur[0].Epoch}
		var desc []string
		for _, c := range cur {
			v.Nodes = append(v.Nodes, c.Node)
			desc = append(desc, fmt.Sprintf("node %d (seen %s..%s)", c.Node,
				c.First.Format("15:04:05.000"), c.Last.Format("15:04:05.000")))
		}
		v.Detail = fmt.Sprintf("controller epoch %d had %d active controllers: %s",
			v.Epoch, len(cur), strings.Join(desc, ", "))
		out = append(out, v)
	}
	for _, c := range w.Claims() {
		if len(cur) > 0 && cur[0].Epoch != c.Epoch {
			flush()
			cur = cur[:0]
		}
		cur = append(cur, c)
	}
	flush()
	return out
}
