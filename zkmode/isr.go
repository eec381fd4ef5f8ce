package zkmode

import "slices"

// ISR expansion. In Kafka a follower that returns fetches from its leader
// and, once caught up, the leader asks the controller to add it back to the
// ISR (AlterPartition, Kafka >= 2.7), which writes the state znode (the
// leader epoch unchanged) and sends UpdateMetadata. kraftbench has no data
// plane, so a returning replica is caught up at once: the controller adds it
// back in the same event that sees it start (or that loads the cluster after
// a failover), one state write per partition. Without this an ISR would only
// ever shrink and, after a few stops, leadership could no longer move. KRaft
// mode does the same when it unfences a broker (kraftmode/fencing.go).

// expandISRs adds every broker of ids that is live, not shutting down and a
// replica outside the ISR of a partition with a live leader to that ISR, and
// adds the pushes to b.
func (c *controller) expandISRs(ids []int32, b *requestBatch) error {
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
				if slices.Contains(ids, r) && c.cc.canLead(r) && !slices.Contains(p.ISR, r) {
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
	c.log.Info("replicas back in sync", "brokers", ids, "partitions", len(changes))
	return c.updateStates(changes, b)
}
