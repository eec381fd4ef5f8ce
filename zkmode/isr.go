package zkmode

import "slices"

// ISR expansion. In Kafka a follower that returns fetches from its leader
// and, once caught up, the leader asks the controller to add it back to the
// ISR (AlterPartition, Kafka >= 2.7), which writes the state znode (the
// leader epoch unchanged) and sends UpdateMetadata. kraftbench has no data
// plane, so a returning replica is caught up at once: the controller adds
// every live replica outside the ISR of a partition that has a live leader
// back in the event that sees a broker start (or loads the cluster after a
// failover), one state write per partition. Every live broker counts, not
// only the one that started: a partition whose leader was gone gets one
// when its ISR member returns, and only then can the others rejoin. Without
// this an ISR would only ever shrink and, after a few stops, leadership
// could no longer move. KRaft mode does the same when it unfences a broker
// (kraftmode/fencing.go).

// expandISRs adds every live broker that is not shutting down and is a
// replica outside the ISR of a partition with a live leader to that ISR, and
// adds the pushes to b.
func (c *controller) expandISRs(b *requestBatch) error {
	var changes []leaderChange
	for _, name := range c.cc.sortedTopicNames() {
		t := c.cc.topics[name]
		if t.deleting {
			continue
		}
		for i := range t.parts {
			p := &t.parts[i]
			if !p.hasState || !c.cc.isLive(p.Leader) {
				continue
			}
			var add []int32
			for _, r := range p.Replicas {
				// A reassignment's new replicas join through its catch-up
				// (reassign.go), once their brokers have made the logs.
				if c.cc.canLead(r) && !slices.Contains(p.ISR, r) && !slices.Contains(p.Adding, r) {
					add = append(add, r)
				}
			}
			if len(add) > 0 {
				isr := append(slices.Clone(p.ISR), add...)
				changes = append(changes, leaderChange{p: tp{name, p.ID}, leader: p.Leader, isr: isr, isrOnly: true})
			}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	c.log.Info("replicas back in sync", "partitions", len(changes))
	// Kafka's processAlterPartition (3.9 KafkaController.scala) writes the
	// states from its context, without a re-read, and tells every broker
	// with UpdateMetadata only: the leader asked for the change.
	retry, err := c.writeStates(changes, b, func(tp) []int32 { return nil })
	if err != nil {
		return err
	}
	live := c.cc.liveIDs()
	for _, ch := range changes {
		if !slices.Contains(retry, ch.p) {
			b.addUpdateMetadata(live, ch.p)
		}
	}
	return nil
}
