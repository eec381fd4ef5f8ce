package report

import (
	"fmt"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// AnswerFile is the answer page's file name in the results folder.
const AnswerFile = "README.md"

// AnswerMarkdown renders the answer page: every seed claim with its verdict
// per Kafka version, the run group each rests on, the rule, the headline
// figures and a plot per claim.
func AnswerMarkdown(runs []*Run, answers []Answer, plots map[string]string) string {
	var m md
	byClaim := answersByClaim(answers)
	m.linef("# What kraftbench measured about the seed's claims")
	m.linef("")
	m.linef("Made by `kraftbench report results/` (`make report`) from the %d result files of its workload folders; do not edit it by hand: a test fails when it differs from what the committed results render. Each claim links the workload report with the percentiles, intervals, configurations and caveats.", len(runs))
	m.linef("")
	m.linef("**What these clusters are.** Both control planes are kraftbench's own Go programs, modelled on Kafka's source at %s (KRaft also at %s) behind one interface, with the same Go brokers, placement and workloads: ZooKeeper mode runs on a real Apache ZooKeeper ensemble (the JVM), KRaft mode on a Raft quorum (hashicorp/raft) with Kafka's timers and linger. They are not Kafka: no JVM brokers or controllers, no data plane (no produce, fetch or partition data to recover or re-replicate), and every node of a cluster runs on one shared machine, over loopback or one host's containers. What each mode models, with Kafka's source, and what still differs: [docs/fidelity.md](../docs/fidelity.md).", cluster.DefaultKafkaVersion, cluster.Kafka41)
	m.linef("")
	writeAnswerTable(&m, byClaim)
	m.linef("## How a verdict is decided")
	m.linef("")
	m.linef("- **Rule**: %s", VerdictRule())
	m.linef("- **Kafka versions**: ZooKeeper mode exists up to Kafka %s, so every answer compares against ZooKeeper mode at %s; the KRaft %s answer compares KRaft %s with it, using ZooKeeper-mode runs of the same run group.", cluster.DefaultKafkaVersion, cluster.DefaultKafkaVersion, cluster.Kafka41, cluster.Kafka41)
	m.linef("- **Run groups**: runs are compared only within a group: the same build revision (`build.revision`), the same kind of machine, the same timeout profile (`profile`) and the same provider. The kind of machine is cores, memory rounded to whole GiB, OS and architecture, container or not, and the CPU model where the result records it; hostname and kernel build string are left out, since identical sessions get new ones. A verdict uses, among the groups with at least %d runs in each mode (else among all), the newest revision (by its latest run), and within it the group with the most runs (the earlier on a tie). Every other group that measures the claim is listed under it with its own figures and verdict, and the table counts those that disagree, so runs from another machine show up beside the verdict instead of moving it silently; re-measuring at a newer revision moves the verdict, and says so.", minGroupRuns)
	m.linef("- **Which results**: runs in a folder named after their workload (`startup/`, `topics/`, ...), as the `make bench-*` targets write them; other folders (CI's `baseline/` and `ci/`, scratch folders) are not used.")
	m.linef("")
	writeHeadlines(&m, byClaim)
	for _, as := range byClaim {
		writeAnswerClaim(&m, as, plots[as[0].Title])
	}
	return strings.TrimRight(m.String(), "\n") + "\n"
}

// writeAnswerTable writes one row per claim and Kafka version.
func writeAnswerTable(m *md, byClaim [][]Answer) {
	m.linef("## Verdicts")
	m.linef("")
	m.header("llrlll", "claim", "KRaft profile", "claimed KRaft/ZK cost", "measured KRaft/ZK cost", "verdict", "rests on")
	for _, as := range byClaim {
		for _, a := range as {
			rests := a.Why
			if a.Measured {
				rests = fmt.Sprintf("[`%s`](%s/%s): %s; %s", a.Chosen.Workload, a.Chosen.Workload, ReportFile, groupRunsText(*a.Chosen), a.Chosen.Key)
				if len(a.Others) > 0 {
					rests += fmt.Sprintf(" (%d other group%s listed below", len(a.Others), plural(len(a.Others)))
					if n := a.Disagreeing(); n > 0 {
						rests += fmt.Sprintf(", %d with another verdict", n)
					}
					rests += ")"
				}
			}
			m.row(a.Title, "KRaft "+string(a.Version), times(a.Claimed), measuredCell(a.ClaimResult), string(a.Verdict), rests)
		}
	}
	m.linef("")
}

// writeHeadlines writes the figures behind the verdicts: per claim (per
// part for a claim judged on several), each series' median over the runs
// of the group its verdict rests on.
func writeHeadlines(m *md, byClaim [][]Answer) {
	m.linef("## Headline figures")
	m.linef("")
	m.linef("Medians over the runs of the group each verdict rests on; ZooKeeper mode's are those of the %s verdict's group. KRaft/ZK is the across-runs cost ratio with its interval, as in the verdicts: below 1x KRaft is better (for a throughput, ZooKeeper's over KRaft's).", cluster.DefaultKafkaVersion)
	m.linef("")
	cols := []string{"figure", "workload", cluster.ModeZK.Title() + " " + string(cluster.DefaultKafkaVersion)}
	for _, v := range cluster.KafkaVersions() {
		cols = append(cols, cluster.ModeKRaft.Title()+" "+string(v))
	}
	for _, v := range cluster.KafkaVersions() {
		cols = append(cols, "KRaft "+string(v)+"/ZK")
	}
	m.header("llrrrll", cols...)
	for _, as := range byClaim {
		for i := 0; i < headlineRows(as); i++ {
			writeHeadline(m, as, i)
		}
	}
	m.linef("")
}

// headlineRows is how many rows a claim has: one per part, else one (none
// when unmeasured).
func headlineRows(as []Answer) int {
	n := 0
	for _, a := range as {
		if a.Measured {
			n = max(n, 1, len(a.Parts))
		}
	}
	return n
}

// writeHeadline writes row i of a claim.
func writeHeadline(m *md, as []Answer, i int) {
	var zk, workload, figure string
	var kraft, ratios []string
	for _, a := range as {
		vals, cost, ok := a.Values, a.Cost, a.Measured
		if ok && len(a.Parts) > 0 {
			ok = i < len(a.Parts)
			if ok {
				vals, cost = a.Parts[i].Values, a.Parts[i].Cost
			}
		}
		if !ok {
			kraft, ratios = append(kraft, "-"), append(ratios, "-")
			continue
		}
		if zk == "" || a.Version == cluster.DefaultKafkaVersion {
			zk, workload, figure = vals.Format(medianOf(vals.ZK)), a.Chosen.Workload, vals.Figure
		}
		kraft = append(kraft, vals.Format(medianOf(vals.KRaft)))
		ratios = append(ratios, ratioCell(cost, true))
	}
	m.row(append(append([]string{figure, workload, zk}, kraft...), ratios...)...)
}

// writeAnswerClaim writes one claim: the seed's words, its plot and each
// version's answer.
func writeAnswerClaim(m *md, as []Answer, plot string) {
	c := as[0]
	m.linef("## %s", c.Title)
	m.linef("")
	m.linef("Seed, %s: %s Claimed KRaft/ZK cost: %s.", c.Where, c.Translation, times(c.Claimed))
	m.linef("")
	if plot != "" {
		m.image(c.Title+": each mode's figure and the seed's claim", plot)
	}
	for _, a := range as {
		writeAnswer(m, a)
		if a.Measured {
			m.linef("Details, caveats and every run: [`%s/%s`](%s/%s).", a.Chosen.Workload, ReportFile, a.Chosen.Workload, ReportFile)
			m.linef("")
		}
	}
}
