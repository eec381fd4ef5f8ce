package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// AnswerPage is the answer page's path from a workload report: the
// workload's folder sits beside it under results/.
const AnswerPage = "../README.md"

// writeClaims writes the seed claims a workload report measures: a summary
// table, then each claim with its quote, translation, measurement and
// caveats. Claims the results do not measure are left to the answer page,
// which covers all of them.
func writeClaims(m *md, answers []Answer, ws []*Workload) {
	shown := shownClaims(answers, ws)
	m.linef("## Seed claims")
	m.linef("")
	m.linef("Quantitative claims of the seed document (`%s`, a KRaft tutorial in Chinese) that these results measure; every claim, across every workload, is on the [answer page](%s). The document states no method, hardware or load for any of them beyond the startup test's cluster size.", SeedDocument, AnswerPage)
	m.linef("")
	if len(shown) == 0 {
		m.linef("These results measure none of the seed's claims.")
		m.linef("")
		return
	}
	m.header("lllrll", "claim", "seed says (abridged)", "KRaft profile", "claimed KRaft/ZK cost", "measured KRaft/ZK cost", "verdict")
	for _, as := range shown {
		for _, a := range as {
			m.row(a.Title, a.Short, "KRaft "+string(a.Version)+" vs ZooKeeper "+string(cluster.DefaultKafkaVersion), times(a.Claimed), measuredCell(a.ClaimResult), string(a.Verdict))
		}
	}
	m.linef("")
	for _, as := range shown {
		writeClaim(m, as)
	}
}

// shownClaims keeps the claims measured here or assigned to a workload of
// these results.
func shownClaims(answers []Answer, ws []*Workload) [][]Answer {
	var out [][]Answer
	for _, as := range answersByClaim(answers) {
		keep := false
		for _, a := range as {
			keep = keep || a.Measured
		}
		for _, w := range ws {
			keep = keep || (w.Name == as[0].Workload && as[0].Metric != metricResources)
		}
		if keep {
			out = append(out, as)
		}
	}
	return out
}

// answersByClaim splits answers (as Answers orders them) into one slice per
// claim, one answer per Kafka version in each.
func answersByClaim(answers []Answer) [][]Answer {
	var out [][]Answer
	for i := 0; i < len(answers); {
		j := i
		for j < len(answers) && answers[j].Title == answers[i].Title {
			j++
		}
		out = append(out, answers[i:j])
		i = j
	}
	return out
}

func measuredCell(c ClaimResult) string {
	if !c.Measured {
		return "-"
	}
	if len(c.Parts) > 0 {
		parts := make([]string, len(c.Parts))
		for i, p := range c.Parts {
			parts[i] = p.Figure + " " + ratioCell(p.Cost, true)
		}
		return strings.Join(parts, "; ")
	}
	return ratioCell(c.Cost, true)
}

// writeClaim writes one claim with its answer for each Kafka version.
func writeClaim(m *md, as []Answer) {
	c := as[0]
	m.linef("### %s", c.Title)
	m.linef("")
	m.linef("Seed, %s:", c.Where)
	m.linef("")
	// A fence keeps the seed's Markdown (table pipes, bold, backticks)
	// verbatim.
	m.linef("> ```text")
	m.linef("> %s", c.Quote)
	m.linef("> ```")
	m.linef("")
	m.linef("Translation: %s", c.Translation)
	m.linef("")
	m.linef("Claimed KRaft/ZK cost ratio: %s.", times(c.Claimed))
	m.linef("")
	for _, a := range as {
		writeAnswer(m, a)
	}
	m.linef("Caveats:")
	m.linef("")
	for _, cv := range c.Caveats {
		m.linef("- %s", cv)
	}
	m.linef("- Both modes run on one shared machine (see the runs tables); absolute times are noisy, and what carries over is the ratio measured with everything else equal.")
	m.linef("")
}

// writeAnswer writes one Kafka version's answer: the verdict, the group it
// rests on, what was measured, and the other groups' figures.
func writeAnswer(m *md, a Answer) {
	m.linef("**KRaft %s against ZooKeeper mode at %s: %s.**", a.Version, cluster.DefaultKafkaVersion, a.Verdict)
	m.linef("")
	if !a.Measured {
		m.linef("Not measured: %s.", a.Why)
		m.linef("")
		return
	}
	m.linef("Rests on %s of workload `%s` (%s).", groupRunsText(*a.Chosen), a.Chosen.Workload, a.Chosen.Key)
	m.linef("")
	if len(a.Parts) > 0 {
		writeClaimParts(m, a.ClaimResult)
	} else {
		m.linef("Measured from %s: %s, %s. %s.", a.How, times(a.Cost.Point), ciText(a.Cost), effect(a.Cost.Point))
	}
	m.linef("")
	if len(a.Parts) == 0 && a.Verdict == Supported && upper(a.Cost) < a.Claimed {
		m.linef("The whole interval lies beyond the claim: here KRaft does better than the seed claims.")
		m.linef("")
	}
	if a.Verdict == DirectionOnly {
		m.linef("The interval reaches the claim, so it is not refuted, but the point estimate shows less than half the claimed effect (on a log scale): KRaft is better here, by much less than the seed says.")
		m.linef("")
	}
	if !a.Cost.HasCI {
		m.linef("The verdict rests on a point estimate from a single run per mode; repeat the runs (`--repetitions`) for an interval.")
		m.linef("")
	}
	if len(a.Ensemble) > 0 {
		writeEnsemble(m, a.Ensemble)
	}
	if len(a.Others) > 0 {
		m.linef("Other run groups, not in the verdict:")
		m.linef("")
		for _, g := range a.Others {
			m.linef("- `%s`, %s (%s): %s, %s.", g.Workload, g.Key, groupRunsText(g), measuredCell(g.Result), g.Result.Verdict)
		}
		m.linef("")
	}
}

// writeEnsemble reports ZooKeeper mode's ZooKeeper servers on their own.
func writeEnsemble(m *md, fs []EnsembleFigure) {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s %s (%.0f%% of ZooKeeper mode's whole cluster)", f.Figure, f.Format(f.Median), 100*f.Share))
	}
	m.linef("The ZooKeeper ensemble on its own, the cost of running a second system (the real JVM ZooKeeper, which KRaft mode does not need): %s, median over runs. It is not in the verdict: against it KRaft has nothing, and our Go nodes against a JVM say nothing about Kafka's JVM controllers, so how much a whole Kafka cluster saves cannot be concluded here.", strings.Join(parts, "; "))
	m.linef("")
}

// groupRunsText is "3 ZooKeeper-mode runs and 3 KRaft 4.1 runs".
func groupRunsText(g GroupAnswer) string {
	return fmt.Sprintf("%d ZooKeeper-mode run%s and %d KRaft run%s", g.ZKRuns, plural(g.ZKRuns), g.KRuns, plural(g.KRuns))
}

// effect puts a cost ratio in words: "KRaft 48% faster".
func effect(cost float64) string {
	switch {
	case cost <= 0 || math.IsNaN(cost):
		return "no estimate"
	case cost < 1:
		return fmt.Sprintf("KRaft takes %.0f%% less time (%.2fx as fast)", 100*(1-cost), 1/cost)
	case cost > 1:
		return fmt.Sprintf("KRaft takes %.0f%% more time", 100*(cost-1))
	}
	return "no difference"
}

// upper is the upper end of a ratio's interval, the point without one.
func upper(r Ratio) float64 {
	if r.HasCI {
		return r.Hi
	}
	return r.Point
}

// writeClaimParts writes the figures of a claim judged on several: those
// that decide the verdict, then the same in other workloads.
func writeClaimParts(m *md, c ClaimResult) {
	m.linef("Measured from %s, each figure against the claimed ratio; the verdict is the weakest of them:", c.How)
	m.linef("")
	for _, p := range c.Parts {
		m.linef("- %s: %s, %s. %s: %s.", p.Figure, times(p.Cost.Point), ciText(p.Cost), usage(p.Cost.Point), p.Verdict)
	}
	if len(c.Others) > 0 {
		m.linef("")
		m.linef("The same figures in other workloads (not in the verdict):")
		m.linef("")
		for _, p := range c.Others {
			m.linef("- `%s`, %s: %s, %s. %s: %s.", p.Workload, p.Figure, times(p.Cost.Point), ciText(p.Cost), usage(p.Cost.Point), p.Verdict)
		}
	}
}

// usage puts a resource ratio in words: "KRaft uses 20% less".
func usage(cost float64) string {
	switch {
	case cost <= 0 || math.IsNaN(cost):
		return "No estimate"
	case cost < 1:
		return fmt.Sprintf("KRaft uses %.0f%% less", 100*(1-cost))
	case cost > 1:
		return fmt.Sprintf("KRaft uses %.0f%% more", 100*(cost-1))
	}
	return "No difference"
}
