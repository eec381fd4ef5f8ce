package report

import (
	"fmt"
	"math"

	"github.com/kraftbench/kraftbench/cluster"
)

// Verdict is what the data says about a seed claim.
type Verdict string

// Verdicts, decided on the interval [lo, hi] of the measured KRaft/ZK cost
// ratio (time per operation: lower means KRaft is better) against the
// claimed ratio c; with a single run per mode, lo = hi = the point estimate.
const (
	// Supported: KRaft is measurably better (hi < 1) and the claimed
	// improvement, or a larger one, is within the interval (lo <= c), and
	// the point estimate shows at least half the claimed effect on a log
	// scale (point <= sqrt(c)).
	Supported Verdict = "supported"
	// DirectionOnly: as Supported, but the point estimate shows less than
	// half the claimed effect on a log scale (point > sqrt(c)): a wide
	// interval holds the claim, the measurement itself does not (0.81x
	// against a claimed 0.55x).
	DirectionOnly Verdict = "direction supported, size not"
	// Partly: KRaft is measurably better, by less than claimed (lo > c),
	// but by at least half the claimed effect on a log scale (lo <= sqrt(c):
	// for "4x faster", at least 2x).
	Partly Verdict = "partly"
	// Inconclusive: the interval holds both the claim and no difference.
	Inconclusive Verdict = "inconclusive"
	// Refuted: the improvement is below half the claimed effect, absent,
	// or reversed.
	Refuted Verdict = "refuted"
	// NotMeasured: these results do not cover the claim.
	NotMeasured Verdict = "not measured here"
)

// judge decides a verdict from a measured cost ratio and the claimed one.
func judge(r Ratio, claimed float64) Verdict {
	lo, hi := r.Point, r.Point
	if r.HasCI {
		lo, hi = r.Lo, r.Hi
	}
	switch {
	case lo <= claimed && hi < 1 && r.Point > math.Sqrt(claimed):
		return DirectionOnly
	case lo <= claimed && hi < 1:
		return Supported
	case lo <= claimed:
		return Inconclusive
	case hi < 1 && lo <= math.Sqrt(claimed):
		return Partly
	default:
		return Refuted
	}
}

// metric is how a claim is measured.
type metric int

const (
	metricP50        metric = iota // per-run p50 latency
	metricThroughput               // per-run throughput, higher is better
	metricResources                // per-run CPU per operation and sum of peak RSS
	metricFailover                 // per-run recovery after kill -9 of the active controller
	metricNone                     // not measured by any workload yet
)

// Claim is one quantitative claim of the seed document.
type Claim struct {
	Title string
	// Quote is the seed's text (Chinese), Short an abridgement for tables,
	// Where its place, Translation an English rendering.
	Quote, Short, Where, Translation string
	// Claimed is the claimed KRaft/ZK cost ratio (0.55 for "45% faster").
	Claimed float64
	// Workload and Op name what measures it; Metric how.
	Workload, Op string
	Metric       metric
	// Unmeasured says why no workload measures the claim (metricNone).
	Unmeasured string
	// Caveats say what our model includes and omits.
	Caveats []string
}

// ClaimResult is a claim with what the data says.
type ClaimResult struct {
	Claim
	Verdict Verdict
	// Cost is the measured KRaft/ZK cost ratio when measured.
	Cost     Ratio
	Measured bool
	// How says what was compared; Why explains a missing measurement.
	How, Why string
	// Parts are the figures of a claim judged on several (resources), each
	// with its verdict; Verdict is the weakest of them and Cost the ratio
	// of the weakest. Others are the same figures in workloads that do not
	// decide the verdict, for comparison.
	Parts, Others []ClaimPart
	// Values are the per-run figures the Cost compares (of the weakest part
	// for a claim judged on several): what plots and headline tables show.
	Values ModeValues
	// Ensemble is, for the resources claim, ZooKeeper mode's ZooKeeper
	// servers on their own: the cost of running a second system, which has
	// no KRaft counterpart and so stays out of the verdict.
	Ensemble []EnsembleFigure
}

// ModeValues are one figure's per-run values in each mode.
type ModeValues struct {
	// Figure names the figure ("p50 latency"), Format prints one value.
	Figure    string
	Format    func(float64) string
	ZK, KRaft []float64
	// Rate says higher is better (a throughput): the claimed KRaft value
	// is then the ZooKeeper one divided by the claimed cost ratio.
	Rate bool
	// Unit is the plots' axis unit; a value times Scale is in it.
	Unit  string
	Scale float64
}

// EnsembleFigure is one resource figure of ZooKeeper mode's ZooKeeper
// servers: the median over runs and its share of the mode's whole cluster.
type EnsembleFigure struct {
	Figure string
	Median float64
	Share  float64
	Format func(float64) string
}

// ClaimPart is one figure of a claim judged on several.
type ClaimPart struct {
	Workload, Figure string
	Cost             Ratio
	Verdict          Verdict
	Values           ModeValues
}

// judgeClaim judges claim c on ws, which holds the runs of one group
// (Answers chooses it) with KRaft's runs presented at the default version.
func judgeClaim(ws []*Workload, c Claim) ClaimResult {
	res := ClaimResult{Claim: c, Verdict: NotMeasured}
	if c.Metric == metricNone {
		res.Why = c.Unmeasured
		return res
	}
	if c.Metric == metricResources {
		return judgeResources(ws, res)
	}
	if c.Metric == metricFailover {
		return judgeFailover(ws, res) // failover.go
	}
	op := Find(ws, c.Workload, c.Op)
	if op == nil || op.Mode(cluster.ModeZK) == nil || op.Mode(cluster.ModeKRaft) == nil {
		res.Why = fmt.Sprintf("no %s results with op %q in both modes", c.Workload, c.Op)
		return res
	}
	m := c.Metric
	if m == metricThroughput && openLoop(op) {
		// An open-loop run's throughput is the offered rate, not capacity.
		m = metricP50
		res.How = "open-loop runs: throughput is the offered rate, so latency is compared instead; "
	}
	var r Ratio
	var ok bool
	switch m {
	case metricThroughput:
		res.Values = ModeValues{Figure: c.Op + " throughput", Format: rate, Rate: true, Unit: "operations/s", Scale: 1,
			ZK: op.Mode(cluster.ModeZK).values(perRunThroughput), KRaft: op.Mode(cluster.ModeKRaft).values(perRunThroughput)}
		r, ok = EstimateRatio(res.Values.ZK, res.Values.KRaft)
		r = invert(r)
		res.How += fmt.Sprintf("workload %s, op %s, per-run throughput, as a cost ratio (ZK throughput over KRaft throughput)", c.Workload, c.Op)
	default:
		res.Values = ModeValues{Figure: c.Op + " p50 latency", Format: func(v float64) string { return dur(int64(v)) }, Unit: "ms", Scale: 1e-6,
			ZK: op.Mode(cluster.ModeZK).values(perRunP50), KRaft: op.Mode(cluster.ModeKRaft).values(perRunP50)}
		r, ok = EstimateRatio(res.Values.ZK, res.Values.KRaft)
		res.How += fmt.Sprintf("workload %s, op %s, per-run p50 latency", c.Workload, c.Op)
	}
	if !ok {
		res.Why = fmt.Sprintf("op %q has no successful operations in one of the modes", c.Op)
		return res
	}
	res.Cost, res.Measured, res.Verdict = r, true, judge(r, c.Claimed)
	return res
}

// invert turns a ratio of rates into a ratio of costs.
func invert(r Ratio) Ratio {
	r.Point = 1 / r.Point
	if r.HasCI {
		r.Lo, r.Hi = 1/r.Hi, 1/r.Lo
	}
	return r
}

// openLoop says whether any run of op was driven open loop.
func openLoop(op *Op) bool {
	for _, s := range op.Modes {
		for _, r := range s.Runs {
			if r.Run.Params["mode"] == "open" {
				return true
			}
		}
	}
	return false
}

// resourceClaimFigures are the figures a resources claim is judged on.
var resourceClaimFigures = []resourceFigure{figCPUPerOp, figPeakRSS}

// resourceClaimKind is the part of the cluster a resources verdict
// compares: the nodes (brokers and controllers), kraftbench's own Go
// processes in both modes. ZooKeeper mode's ZooKeeper servers are the real
// JVM and have no KRaft counterpart, so adding them would compare a JVM
// with Go rather than one design with the other; they are reported on
// their own (EnsembleFigure).
const resourceClaimKind = kindNode

// judgeResources judges a resources claim on one workload: the claim's own
// when it has resource figures for both modes, else the first that does, by
// name. Each figure is judged against the claimed ratio; the claim, which
// asserts them all, gets the weakest verdict.
func judgeResources(ws []*Workload, res ClaimResult) ClaimResult {
	var decided bool
	seen := false
	for _, w := range resourceOrder(ws, res.Workload) {
		seen = seen || hasResources(w)
		parts, ok := resourceParts(w, res.Claimed)
		if !ok {
			continue
		}
		if decided {
			res.Others = append(res.Others, parts...)
			continue
		}
		decided, res.Parts, res.Measured = true, parts, true
		res.Verdict, res.Cost, res.Values = parts[0].Verdict, parts[0].Cost, parts[0].Values
		for _, p := range parts[1:] {
			if verdictRank(p.Verdict) < verdictRank(res.Verdict) {
				res.Verdict, res.Cost, res.Values = p.Verdict, p.Cost, p.Values
			}
		}
		res.Ensemble = ensembleFigures(w)
		res.How = fmt.Sprintf("workload %s, per-run totals over the nodes, kraftbench's Go processes in both modes (ZooKeeper mode: %s; KRaft: %s; the ZooKeeper servers apart, below)",
			w.Name, modeProcesses(w, cluster.ModeZK), modeProcesses(w, cluster.ModeKRaft))
	}
	if !decided && seen {
		res.Why = "no workload has resource figures, and successful operations, in both modes"
	} else if !decided {
		res.Why = res.Unmeasured
	}
	return res
}

// resourceOrder puts the named workload first, the others after it by name.
func resourceOrder(ws []*Workload, first string) []*Workload {
	out := make([]*Workload, 0, len(ws))
	for _, w := range ws {
		if w.Name == first {
			out = append(out, w)
		}
	}
	for _, w := range ws { // sorted by name
		if w.Name != first {
			out = append(out, w)
		}
	}
	return out
}

// resourceParts judges each resource claim figure in w; ok is false when
// one of them lacks values in either mode.
func resourceParts(w *Workload, claimed float64) ([]ClaimPart, bool) {
	var parts []ClaimPart
	for _, f := range resourceClaimFigures {
		r, ok := resourceRatio(w, resourceClaimKind, f)
		if !ok {
			return nil, false
		}
		zk, _ := resourceValues(w.Runs, cluster.ModeZK, resourceClaimKind, f)
		kr, _ := resourceValues(w.Runs, cluster.ModeKRaft, resourceClaimKind, f)
		vals := ModeValues{Figure: claimFigureName(f), Format: f.format, ZK: zk, KRaft: kr, Unit: "ms", Scale: 1e3}
		if f.name == figPeakRSS.name {
			vals.Unit, vals.Scale = "MiB", 1.0/(1<<20)
		}
		parts = append(parts, ClaimPart{Workload: w.Name, Figure: claimFigureName(f), Cost: r, Verdict: judge(r, claimed), Values: vals})
	}
	return parts, true
}

// claimFigureName names a resource figure as the claim judges it: of the
// nodes (resourceClaimKind).
func claimFigureName(f resourceFigure) string { return "nodes' " + f.name }

// ensembleFigures are the resource claim figures of ZooKeeper mode's
// ZooKeeper servers in w, each with its share of the mode's whole cluster;
// none when w's ZooKeeper-mode runs do not report them.
func ensembleFigures(w *Workload) []EnsembleFigure {
	var out []EnsembleFigure
	for _, f := range resourceClaimFigures {
		ens, _ := resourceValues(w.Runs, cluster.ModeZK, kindZK, f)
		all, _ := resourceValues(w.Runs, cluster.ModeZK, kindAll, f)
		if len(ens) == 0 || len(all) == 0 {
			continue
		}
		out = append(out, EnsembleFigure{Figure: f.name, Median: medianOf(ens), Share: medianOf(ens) / medianOf(all), Format: f.format})
	}
	return out
}

// verdictRank orders verdicts from the weakest support of a claim up.
func verdictRank(v Verdict) int {
	switch v {
	case Refuted:
		return 0
	case Inconclusive:
		return 1
	case DirectionOnly:
		return 2
	case Partly:
		return 3
	case Supported:
		return 4
	}
	return -1
}
