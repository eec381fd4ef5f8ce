package report

import (
	"fmt"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// md accumulates Markdown.
type md struct{ strings.Builder }

func (m *md) linef(format string, args ...any) {
	fmt.Fprintf(&m.Builder, format, args...)
	m.WriteByte('\n')
}

// row writes one table row.
func (m *md) row(cells ...string) {
	for i := range cells {
		cells[i] = cell(cells[i])
	}
	m.linef("| %s |", strings.Join(cells, " | "))
}

// header writes a table header; align has one letter per column, 'l' for
// left (text) and 'r' for right (numbers).
func (m *md) header(align string, cells ...string) {
	m.row(cells...)
	seps := make([]string, len(cells))
	for i := range seps {
		seps[i] = "---"
		if i < len(align) && align[i] == 'r' {
			seps[i] = "---:"
		}
	}
	m.linef("| %s |", strings.Join(seps, " | "))
}

// image links a plot's PNG inline and its SVG beside it.
func (m *md) image(alt, base string) {
	m.linef("![%s](%s.png)", alt, base)
	m.linef("")
	m.linef("([SVG](%s.svg))", base)
	m.linef("")
}

// Markdown renders the whole report.
func Markdown(runs []*Run, ws []*Workload, answers []Answer, plots Plots) string {
	var m md
	m.linef("# kraftbench report")
	m.linef("")
	m.linef("Made by `kraftbench report` from %d result files:", len(runs))
	m.linef("")
	for _, w := range ws {
		m.linef("- `%s`: %s", w.Name, runCounts(w))
	}
	m.linef("")
	writeGroups(&m, ws)
	writeCalibration(&m, ws)
	writeMethod(&m)
	writeClaims(&m, answers, ws)
	for _, w := range ws {
		writeWorkload(&m, w, plots)
	}
	return strings.TrimRight(m.String(), "\n") + "\n"
}

// runCounts is "3 zk runs, 3 kraft runs".
func runCounts(w *Workload) string {
	var parts []string
	var last cluster.Mode
	n := 0
	flush := func() {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s run%s", n, last, plural(n)))
		}
	}
	for _, r := range w.Runs { // sorted by mode
		if r.Mode != last {
			flush()
			last, n = r.Mode, 0
		}
		n++
	}
	flush()
	return strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func writeMethod(m *md) {
	m.linef("## How to read it")
	m.linef("")
	m.linef("- **Percentiles** (p50, p90, p99, p99.9, max) come from the HdrHistograms of every run of a mode merged (nanosecond resolution, 3 significant digits). They describe the pooled distribution and carry no uncertainty of their own. Errors are counted apart, by Kafka error code, and never enter the latencies.")
	m.linef("- **KRaft/ZK** is KRaft mode's figure over ZooKeeper mode's: below 1x KRaft is faster (for latencies), above 1x it does more (for throughput).")
	m.linef("- **Across runs**: the run is the unit of replication (samples of one run share a cluster and a moment of a noisy machine). For p50, p99 and throughput the report takes one value per run, and gives the Hodges-Lehmann ratio (the median of every KRaft-run/ZK-run ratio) with the distribution-free confidence interval that inverts the Mann-Whitney U test (Moses), at 95%% where the number of runs allows it and otherwise at the highest confidence it allows, which is stated (3 runs against 3: 90%%; 2 against 2: 67%%). The p-value is benchmath's Mann-Whitney U test, as benchstat reports it. With fewer than 2 runs in a mode: \"too few runs for a CI\".")
	m.linef("- **Kafka version**: each run records the `kafka.version` its nodes modelled (%s); runs of different versions are separate series (\"KRaft 4.1\" beside \"KRaft\", which is 3.9) and separate failover sections, never pooled. The seed's claims are judged on both modes at %s, the last release that has both. What each mode models of Kafka, with Kafka's source, and what still differs, with its direction and size: the fidelity ledger, [docs/fidelity.md](../../docs/fidelity.md).", versionList(), cluster.DefaultKafkaVersion)
	m.linef("- **Floor**: where a run also measured its store's floor (op `floor`: a bare ZooKeeper create on the same ensemble, or in KRaft mode a NoOpRecord committed through the controller's append accumulator, so with Kafka's `controller.quorum.append.linger.ms` wait; op `floor_raw` is the bare Raft commit under it), an op's p50 is also given as a multiple of that run's floor p50 (median over runs): how far above the floor of its own write path each control plane sits, Kafka's own waits excluded. Such same-run ratios are less sensitive to the machine than absolute times.")
	m.linef("- **Resources**, where the provider reports them: CPU seconds, CPU per successful operation, the sum of peak RSS and network bytes of the cluster's processes during each run's workload, split into nodes and ZooKeeper servers; each mode's median over its runs, and KRaft/ZK across runs with the same interval as latencies (below 1x KRaft uses less).")
	m.linef("- **Verdicts**: %s", VerdictRule())
	m.linef("")
}

// VerdictRule spells out how a verdict follows from a measured ratio; both
// the workload reports and the answer page print it.
func VerdictRule() string {
	return fmt.Sprintf("each compares the measured KRaft/ZK cost ratio (time per operation; a throughput ratio is inverted) with the claimed one, c, using the interval [lo, hi] (the point estimate when there is no CI) and the point estimate. *%s*: KRaft is measurably better (hi < 1), the claimed improvement or a larger one is within the interval (lo <= c), and the point estimate shows at least half the claimed effect on a log scale (point <= sqrt(c); for \"45%% faster\", c = 0.55, at most 0.74x). *%s*: the same, except that the point estimate shows less than half the claimed effect (point > sqrt(c)): only a wide interval keeps the claim, the measurement does not show its size. *%s*: lo <= c but hi >= 1, the interval holds both the claim and no difference. *%s*: KRaft is measurably better but by less than claimed (lo > c), though by at least half the claimed effect on a log scale (lo <= sqrt(c): for \"4x faster\", at least 2x). *%s*: otherwise (less than half the claimed effect, none, or the reverse). A claim judged on several figures gets the weakest of their verdicts. Each verdict uses one run group (same revision, kind of machine, timeout profile and provider), never runs pooled across groups.",
		Supported, DirectionOnly, Inconclusive, Partly, Refuted)
}

// writeGroups lists a workload's run groups when it has more than one: the
// tables below pool every run of a mode, the verdicts use one group.
func writeGroups(m *md, ws []*Workload) {
	for _, w := range ws {
		gs := groupRuns(w.Runs)
		if len(gs) < 2 {
			continue
		}
		m.linef("`%s` has runs from %d run groups (revision, kind of machine, timeout profile, provider); the tables below pool them per mode and Kafka version, while each verdict uses one group and lists the others:", w.Name, len(gs))
		m.linef("")
		for _, g := range gs {
			m.linef("- %s: %s", g.Key, runCounts(&Workload{Runs: g.Runs}))
		}
		m.linef("")
	}
}

// versionList is the modelled Kafka versions as "3.9, 4.1".
func versionList() string {
	var out []string
	for _, v := range cluster.KafkaVersions() {
		out = append(out, string(v))
	}
	return strings.Join(out, ", ")
}
