package safety

import (
	"fmt"
	"math"
	"time"
)

// Violation is one safety property a run broke.
type Violation struct {
	// Check names the property: CheckLostCreate, CheckResurrectedDelete or
	// CheckSplitBrain.
	Check string
	Topic string // the topic checks
	// Epoch and Nodes: the controller epoch that had more than one active
	// controller, and those controllers (CheckSplitBrain).
	Epoch  int64
	Nodes  []int32
	Detail string
}

// The checks a Violation can come from.
const (
	CheckLostCreate        = "lost-create"        // an acknowledged create is missing at the end
	CheckResurrectedDelete = "resurrected-delete" // an acknowledged delete is undone at the end
	CheckSplitBrain        = "split-brain"        // two active controllers in one epoch
)

func (v Violation) String() string { return v.Check + ": " + v.Detail }

// CheckAcknowledged checks the final topic set against the acknowledged
// writes: every topic a create was acknowledged for (OK) exists in final,
// unless a delete that may have succeeded (OK, Absent or Unknown) could have
// come after it; every topic a delete was acknowledged for is absent, unless
// a create that may have succeeded (OK, Exists or Unknown) could have come
// after it. "Could have come after" is "had not returned before the
// acknowledged write was called"; an Unknown write counts as never
// returning. final must be read after every write returned (see
// History.FinalRead). Topics skipped because the history was full are not
// checked.
//
// It is weaker than CheckLinearizable (duplicate acknowledgements, for one,
// are not its business) but needs no search, so it always finishes, and its
// findings are easy to read.
func CheckAcknowledged(h *History, final map[string]bool) []Violation {
	s := h.snapshot()
	var out []Violation
	for _, t := range s.topics {
		if v, ok := checkTopic(h, t, s.byTopic[t], final[t]); ok {
			out = append(out, v)
		}
	}
	return out
}

// checkTopic returns the violation of topic t's latest contradicted
// acknowledged write, if any.
func checkTopic(h *History, t string, ops []Op, present bool) (Violation, bool) {
	want, check := Create, CheckLostCreate // the acknowledged kind the final state contradicts
	if present {
		want, check = Delete, CheckResurrectedDelete
	}
	var found *Op
	for i := range ops {
		a := &ops[i]
		if a.Kind != want || a.Outcome != OK || undoneLater(ops, a) {
			continue
		}
		if found == nil || a.Return > found.Return {
			found = a
		}
	}
	if found == nil {
		return Violation{}, false
	}
	state := "missing from"
	if present {
		state = "present in"
	}
	return Violation{Check: check, Topic: t, Detail: fmt.Sprintf(
		"%s of %q acknowledged (called %s, answered %s) but the topic is %s the final state, and no %s that may have succeeded came after it",
		found.Kind, t, h.clock(found.Call), h.clock(found.Return), state, opposite(want))}, true
}

// undoneLater reports whether a write of the opposite kind that may have
// taken effect could have come after a.
func undoneLater(ops []Op, a *Op) bool {
	for _, b := range ops {
		if b.Kind != opposite(a.Kind) || !mayHaveTakenEffect(b) {
			continue
		}
		end := b.Return
		if b.Outcome == Unknown {
			end = math.MaxInt64
		}
		if end >= a.Call {
			return true
		}
	}
	return false
}

// mayHaveTakenEffect: every outcome but Rejected may hide a write (Exists
// and Absent through a client retry, see Outcome).
func mayHaveTakenEffect(op Op) bool { return op.Outcome != Rejected }

func opposite(k Kind) Kind {
	if k == Create {
		return Delete
	}
	return Create
}

// clock formats a time on the history's clock as seconds since its start.
func (h *History) clock(at int64) string {
	return fmt.Sprintf("+%.3fs", time.Duration(at).Seconds())
}
