package safety

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// Result is the verdict of a linearizability check.
type Result string

const (
	Linearizable    Result = "ok"        // a linearization exists for every topic
	NotLinearizable Result = "violation" // some topic's history has none
	TimedOut        Result = "timed-out" // porcupine's Unknown: no verdict in time
)

// visualizeTimeout bounds the search WriteVisualization makes to draw the
// linearizations.
const visualizeTimeout = 30 * time.Second

// maxListed bounds how many illegal topics a Report names and visualizes.
const maxListed = 20

// Report is the outcome of CheckLinearizable.
type Report struct {
	Result Result
	// Ops is how many ops the model was given: creates and deletes (less
	// the Rejected ones) plus one final read per topic and FinalRead call.
	Ops      int
	Topics   int // topics checked
	Unknown  int // writes whose outcome was Unknown
	Rejected int // writes left out as Rejected
	// FinalReads is the number of FinalRead calls. Without one, a lost
	// write cannot be seen: only contradictions among the answers can.
	FinalReads int
	// Skipped is the number of topics left out because the history was full
	// when one of their writes came (see History).
	Skipped int
	// Illegal names up to 20 topics whose history is not linearizable;
	// IllegalCount is how many were found in the time given.
	Illegal      []string
	IllegalCount int
	Took         time.Duration

	ops     []porcupine.Operation // every op given to the model
	illegal []porcupine.Operation // the ops of the topics in Illegal
}

// OK reports whether the check found a linearization.
func (r *Report) OK() bool { return r.Result == Linearizable }

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "linearizability: %s (%d ops on %d topics, %d unknown outcomes, %d final reads, in %v)",
		r.Result, r.Ops, r.Topics, r.Unknown, r.FinalReads, r.Took.Round(time.Millisecond))
	if r.Skipped > 0 {
		fmt.Fprintf(&b, "; %d topics skipped, history full", r.Skipped)
	}
	if r.IllegalCount > 0 {
		fmt.Fprintf(&b, "; %d topics not linearizable: %s", r.IllegalCount, strings.Join(r.Illegal, ", "))
	}
	return b.String()
}

// CheckLinearizable checks h against the topic-set model (see topicModel)
// with porcupine, one partition per topic, giving up after timeout (which
// must be positive: porcupine's search is exponential in the worst case).
// On a violation it checks the topics one by one, with the same time again,
// to name the illegal ones; the Report can then draw them.
//
// An error means the check could not be made; a violation is not an error.
func CheckLinearizable(h *History, timeout time.Duration) (*Report, error) {
	if h == nil {
		return nil, errors.New("check linearizability: no history")
	}
	if timeout <= 0 {
		return nil, fmt.Errorf("check linearizability: timeout must be positive, got %v", timeout)
	}
	start := time.Now()
	s := h.snapshot()
	never := s.latest() + 1
	r := &Report{Topics: len(s.topics), FinalReads: s.finals, Skipped: s.skipped}
	byTopic := make(map[string][]porcupine.Operation, len(s.topics))
	for _, t := range s.topics {
		ops, rej, unk := operations(s.byTopic[t], never)
		byTopic[t] = ops
		r.ops = append(r.ops, ops...)
		r.Rejected += rej
		r.Unknown += unk
	}
	r.Ops = len(r.ops)

	switch porcupine.CheckOperationsTimeout(topicModel, r.ops, timeout) {
	case porcupine.Ok:
		r.Result = Linearizable
	case porcupine.Unknown:
		r.Result = TimedOut
	default:
		r.Result = NotLinearizable
		r.findIllegal(s.topics, byTopic, time.Now().Add(timeout))
	}
	r.Took = time.Since(start)
	return r, nil
}

// findIllegal checks each topic alone until deadline, naming the illegal
// ones.
func (r *Report) findIllegal(topics []string, byTopic map[string][]porcupine.Operation, deadline time.Time) {
	for _, t := range topics {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		if porcupine.CheckOperationsTimeout(topicModel, byTopic[t], left) != porcupine.Illegal {
			continue
		}
		r.IllegalCount++
		if len(r.Illegal) < maxListed {
			r.Illegal = append(r.Illegal, t)
			r.illegal = append(r.illegal, byTopic[t]...)
		}
	}
}

// WriteVisualization writes porcupine's HTML view of the history to path:
// on a violation, the topics named in Illegal with their longest partial
// linearizations; otherwise every op checked (large for long runs). Each row
// of the view is a lane of ops that do not overlap in time; Unknown outcomes
// reach to the end of the history.
func (r *Report) WriteVisualization(path string) error {
	ops := r.ops
	if len(r.illegal) > 0 {
		ops = r.illegal
	}
	if len(ops) == 0 {
		return errors.New("write visualization: no ops to draw")
	}
	ops = assignLanes(ops)
	// The partial linearizations drawn come from a second, bounded search.
	_, info := porcupine.CheckOperationsVerbose(topicModel, ops, visualizeTimeout)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write visualization: %w", err)
	}
	if err := porcupine.VisualizePath(topicModel, info, path); err != nil {
		return fmt.Errorf("write visualization %s: %w", filepath.Base(path), err)
	}
	return nil
}

// assignLanes returns a copy of ops whose ClientIds put ops that overlap in
// time on different lanes, using as few lanes as a greedy pass in call order
// can (porcupine draws one row per ClientId).
func assignLanes(ops []porcupine.Operation) []porcupine.Operation {
	out := slices.Clone(ops)
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(out[a].Call, out[b].Call)
	})
	var laneFree []int64 // the return time of each lane's last op
	for _, i := range order {
		lane := -1
		for l, free := range laneFree {
			if free < out[i].Call {
				lane = l
				break
			}
		}
		if lane < 0 {
			lane = len(laneFree)
			laneFree = append(laneFree, 0)
		}
		laneFree[lane] = out[i].Return
		out[i].ClientId = lane
	}
	return out
}

// latest is the latest time any op of the snapshot touches.
func (s snapshot) latest() int64 {
	var t int64
	for _, ops := range s.byTopic {
		for _, op := range ops {
			t = max(t, op.Call, op.Return)
		}
	}
	return t
}
