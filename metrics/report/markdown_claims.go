package report

import (
	"fmt"
	"math"
	"strings"
)

// writeClaims writes the seed-claims section: a summary table, then each
// claim with its quote, translation, measurement and caveats.
func writeClaims(m *md, claims []ClaimResult) {
	m.linef("## Seed claims")
	m.linef("")
	m.linef("Quantitative claims of the seed document (`%s`, a KRaft tutorial in Chinese), each with what these results say. The document states no method, hardware or load for any of them beyond the startup test's cluster size.", SeedDocument)
	m.linef("")
	m.header("llrll", "claim", "seed says (abridged)", "claimed KRaft/ZK cost", "measured KRaft/ZK cost", "verdict")
	for _, c := range claims {
		m.row(c.Title, c.Short, times(c.Claimed), measuredCell(c), string(c.Verdict))
	}
	m.linef("")
	for _, c := range claims {
		writeClaim(m, c)
	}
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

func writeClaim(m *md, c ClaimResult) {
	m.linef("### %s: %s", c.Title, c.Verdict)
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
	if c.Measured && len(c.Parts) > 0 {
		writeClaimParts(m, c)
	} else if c.Measured {
		m.linef("Measured from %s: %s, %s. %s.", c.How, times(c.Cost.Point), ciText(c.Cost), effect(c.Cost.Point))
	} else {
		m.linef("Not measured here: %s.", c.Why)
	}
	m.linef("")
	if c.Measured && len(c.Parts) == 0 && c.Verdict == Supported && upper(c.Cost) < c.Claimed {
		m.linef("The whole interval lies beyond the claim: here KRaft does better than the seed claims.")
		m.linef("")
	}
	if c.Measured && !c.Cost.HasCI {
		m.linef("The verdict rests on a point estimate from a single run per mode; repeat the runs (`--repetitions`) for an interval.")
		m.linef("")
	}
	m.linef("Caveats:")
	m.linef("")
	for _, cv := range c.Caveats {
		m.linef("- %s", cv)
	}
	m.linef("- Both modes run on one shared machine (see the runs tables); absolute times are noisy, and what carries over is the ratio measured with everything else equal.")
	m.linef("")
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
