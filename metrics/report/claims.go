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
	// improvement, or a larger one, is within the interval (lo <= c).
	Supported Verdict = "supported"
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
}

// ClaimPart is one figure of a claim judged on several.
type ClaimPart struct {
	Workload, Figure string
	Cost             Ratio
	Verdict          Verdict
}

// Judge evaluates every seed claim against the grouped results.
func Judge(ws []*Workload) []ClaimResult {
	out := make([]ClaimResult, 0, len(seedClaims))
	for _, c := range seedClaims {
		out = append(out, judgeClaim(ws, c))
	}
	return out
}

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
		r, ok = EstimateRatio(op.Mode(cluster.ModeZK).values(perRunThroughput), op.Mode(cluster.ModeKRaft).values(perRunThroughput))
		r = invert(r)
		res.How += fmt.Sprintf("workload %s, op %s, per-run throughput, as a cost ratio (ZK throughput over KRaft throughput)", c.Workload, c.Op)
	default:
		r, ok = EstimateRatio(op.Mode(cluster.ModeZK).values(perRunP50), op.Mode(cluster.ModeKRaft).values(perRunP50))
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

// resourceClaimFigures are the figures a resources claim is judged on, all
// processes of the cluster together: what each mode costs.
var resourceClaimFigures = []resourceFigure{figCPUPerOp, figPeakRSS}

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
		res.Verdict, res.Cost = parts[0].Verdict, parts[0].Cost
		for _, p := range parts[1:] {
			if verdictRank(p.Verdict) < verdictRank(res.Verdict) {
				res.Verdict, res.Cost = p.Verdict, p.Cost
			}
		}
		res.How = fmt.Sprintf("workload %s, per-run totals over every node and ZooKeeper server", w.Name)
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
		r, ok := resourceRatio(w, kindAll, f)
		if !ok {
			return nil, false
		}
		parts = append(parts, ClaimPart{Workload: w.Name, Figure: f.name, Cost: r, Verdict: judge(r, claimed)})
	}
	return parts, true
}

// verdictRank orders verdicts from the weakest support of a claim up.
func verdictRank(v Verdict) int {
	switch v {
	case Refuted:
		return 0
	case Inconclusive:
		return 1
	case Partly:
		return 2
	case Supported:
		return 3
	}
	return -1
}
