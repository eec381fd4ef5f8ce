package safety

import (
	"fmt"

	"github.com/anishathalye/porcupine"

	"github.com/kraftbench/kraftbench/cluster"
)

// input and output are what the model sees of an op.
type input struct {
	kind  Kind
	topic string
}

type output struct {
	outcome Outcome
	code    int16
	present bool // FinalRead
}

// topicModel is the sequential specification of Kafka's topic set, one
// partition per topic name: a topic either exists or not, and starts absent.
//
//	create -> OK       absent -> exists (an OK create of an existing topic is illegal)
//	create -> Exists   any    -> exists
//	delete -> OK       exists -> absent (an OK delete of an absent topic is illegal)
//	delete -> Absent   any    -> absent
//	create -> Unknown  any    -> exists, returning "never" (see below)
//	delete -> Unknown  any    -> absent, returning "never"
//	final read         legal only if it saw the state
//
// Unknown outcomes use porcupine's usual device: their return time is set
// after every other event, so the checker may place the write anywhere after
// its call, including after the last final read, which is the same as it
// never having happened. Placed earlier, "any -> exists" covers both a create
// that took effect and one that found the topic there (and so did nothing).
// Rejected ops are not given to the model at all.
var topicModel = porcupine.Model{
	Partition: partitionByTopic,
	Init:      func() any { return false },
	Step: func(state, in, out any) (bool, any) {
		exists := state.(bool)
		i, o := in.(input), out.(output)
		switch i.kind {
		case Create:
			return o.outcome != OK || !exists, true
		case Delete:
			return o.outcome != OK || exists, false
		case FinalRead:
			return o.present == exists, exists
		}
		return false, exists
	},
	DescribeOperation: func(in, out any) string {
		i, o := in.(input), out.(output)
		switch {
		case i.kind == FinalRead && o.present:
			return fmt.Sprintf("final-read(%s) -> present", i.topic)
		case i.kind == FinalRead:
			return fmt.Sprintf("final-read(%s) -> absent", i.topic)
		case o.code != 0:
			return fmt.Sprintf("%s(%s) -> %s (%s)", i.kind, i.topic, o.outcome, cluster.ErrorName(o.code))
		}
		return fmt.Sprintf("%s(%s) -> %s", i.kind, i.topic, o.outcome)
	},
	DescribeState: func(state any) string {
		if state.(bool) {
			return "exists"
		}
		return "absent"
	},
	DescribeOperationMetadata: func(m any) string {
		if m == nil {
			return ""
		}
		return m.(string)
	},
}

// partitionByTopic splits a history into one sub-history per topic, in order
// of first appearance: a history is linearizable if and only if every
// topic's is, since no op touches two topics.
func partitionByTopic(history []porcupine.Operation) [][]porcupine.Operation {
	index := map[string]int{}
	var parts [][]porcupine.Operation
	for _, op := range history {
		t := op.Input.(input).topic
		i, ok := index[t]
		if !ok {
			i = len(parts)
			index[t] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], op)
	}
	return parts
}

// operations turns one topic's ops into porcupine's, with never as the
// return time of Unknown outcomes. It reports how many it left out as
// Rejected and how many were Unknown.
func operations(ops []Op, never int64) (out []porcupine.Operation, rejected, unknown int) {
	for _, op := range ops {
		if op.Outcome == Rejected {
			rejected++
			continue
		}
		ret := op.Return
		if op.Outcome == Unknown {
			ret = never
			unknown++
		}
		var meta any
		if op.Err != "" {
			meta = op.Err
		}
		out = append(out, porcupine.Operation{
			Input:    input{kind: op.Kind, topic: op.Topic},
			Output:   output{outcome: op.Outcome, code: op.Code, present: op.Present},
			Call:     op.Call,
			Return:   ret,
			Metadata: meta,
		})
	}
	return out, rejected, unknown
}
