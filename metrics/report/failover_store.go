package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// The loss of each mode's metadata quorum, side by side: what clients saw
// while a failover run held a majority of ZooKeeper servers (zk-quorum) or of
// KRaft voters (controller-quorum) down, and how long writes took to come
// back after the heal (workloads/failover_store.go takes the figures).

// quorumKey is one quorum-loss fault in one mode.
type quorumKey struct {
	Kind   string
	Mode   cluster.Mode
	Target string
}

// quorumLoss gathers, per fault kind and mode, the fractions of each "seen"
// label, the failover measures of the quorum targets, and the first note on
// what creates met.
type quorumLoss struct {
	seen     map[quorumKey]map[string][]float64
	measures map[quorumKey]map[string][]float64
	creates  map[quorumKey]string
}

func collectQuorumLoss(w *Workload) quorumLoss {
	q := quorumLoss{seen: map[quorumKey]map[string][]float64{}, measures: map[quorumKey]map[string][]float64{}, creates: map[quorumKey]string{}}
	add := func(m map[quorumKey]map[string][]float64, k quorumKey, label string, v float64) {
		if m[k] == nil {
			m[k] = map[string][]float64{}
		}
		m[k][label] = append(m[k][label], v)
	}
	for _, r := range w.Runs {
		for _, m := range r.MeasuresNamed(metrics.MeasureQuorumLoss) {
			add(q.seen, quorumKey{m.Labels["fault"], r.Mode, m.Labels["target"]}, m.Labels["seen"], m.Value)
		}
		for _, m := range r.MeasuresNamed(metrics.MeasureFailover) {
			k := quorumKey{m.Labels["fault"], r.Mode, m.Labels["target"]}
			if _, ok := q.seen[k]; ok {
				add(q.measures, k, m.Labels["measure"], m.Value)
			}
		}
		for _, n := range r.Notes {
			// "kill of the zk-quorum (...): creates while the quorum was lost: 90 of 100 failed or stalled (NOT_CONTROLLER x90, ...)"
			head, rest, ok := strings.Cut(n, ": creates while the quorum was lost: ")
			if !ok {
				continue
			}
			kind, target, _ := strings.Cut(head, " of the ")
			target, _, _ = strings.Cut(target, " (")
			k := quorumKey{kind, r.Mode, target}
			if _, seen := q.creates[k]; !seen {
				q.creates[k] = rest
			}
		}
	}
	return q
}

// writeQuorumLoss writes the side-by-side table, when the runs held a
// quorum loss.
func writeQuorumLoss(m *md, w *Workload) {
	q := collectQuorumLoss(w)
	if len(q.seen) == 0 {
		return
	}
	m.linef("#### Loss of the metadata quorum, side by side")
	m.linef("")
	m.linef("A majority of the store is taken away and held (`quorum_hold`), then healed: two of three ZooKeeper servers in ZooKeeper mode (`zk-quorum`, followers first, so the leader is left without a quorum), two of three KRaft voters in KRaft mode (`controller-quorum`, standbys first, so the active controller is left without a majority). **creates failed** is the fraction of the probe's creates started during the loss that failed or stalled; **Metadata answered** the fraction of brokers that, asked at the end of the loss, answered Metadata (from their caches: neither mode's brokers drop metadata when the store goes; the runs' notes say how many of the topics each still served); **writable after heal** runs from the heal to the first successful create. Medians over the runs.")
	m.linef("")
	m.header("lllrrrrrl", "fault", "mode", "target", "creates failed", "Metadata answered", "unavailable", "writable after heal", "converged", "what creates met (first run)")
	keys := slices.SortedFunc(maps.Keys(q.seen), func(a, b quorumKey) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return slices.Index(cluster.Modes(), a.Mode) - slices.Index(cluster.Modes(), b.Mode) // ZooKeeper first
	})
	frac := func(v []float64) string {
		if len(v) == 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f%%", 100*medianOf(v))
	}
	for _, k := range keys {
		s, ms := q.seen[k], q.measures[k]
		m.row(k.Kind, k.Mode.Title(), k.Target, frac(s[string(metrics.QuorumCreatesFailed)]), frac(s[string(metrics.QuorumMetadataAnswered)]),
			secs(ms[string(metrics.FailoverUnavailable)]), secs(ms[string(metrics.FailoverWritableAfterHeal)]),
			secs(ms[string(metrics.FailoverConverged)]), q.creates[k])
	}
	m.linef("")
}
