package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// Answer is what the results say about one seed claim for one Kafka
// version profile of KRaft mode. ZooKeeper mode is always at
// cluster.DefaultKafkaVersion (3.9, the last release with it), so the 4.1
// answer compares KRaft 4.1 with ZooKeeper mode at 3.9.
type Answer struct {
	Version cluster.KafkaVersion
	// ClaimResult is the verdict of the chosen group; NotMeasured with Why
	// when no group measures the claim.
	ClaimResult
	// Chosen is the group the verdict rests on, nil when none; Others are
	// the other groups that measure the claim, each with its own figures.
	Chosen *GroupAnswer
	Others []GroupAnswer
}

// GroupAnswer is a claim judged on the runs of one workload in one group.
type GroupAnswer struct {
	Workload      string
	Key           GroupKey
	ZKRuns, KRuns int
	Result        ClaimResult
	// Newest is the latest start among the group's runs.
	Newest time.Time
}

// minGroupRuns is how many runs per mode a group needs to be preferred for
// a verdict: the fewest that give an interval.
const minGroupRuns = 2

// Answers judges every seed claim for every Kafka version, each on one
// group of runs: among the groups of the claim's workload that measure it
// (for the resources claim: of the first workload, claim's own first, that
// has any), the newest with at least minGroupRuns runs per mode, else the
// newest. Runs is every run the verdicts may use.
func Answers(runs []*Run) ([]Answer, error) {
	byWorkload := map[string][]*Run{}
	var names []string
	for _, r := range runs {
		if byWorkload[r.Workload] == nil {
			names = append(names, r.Workload)
		}
		byWorkload[r.Workload] = append(byWorkload[r.Workload], r)
	}
	slices.Sort(names)
	var out []Answer
	for _, c := range seedClaims {
		for _, v := range cluster.KafkaVersions() {
			a, err := answer(c, v, names, byWorkload)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	return out, nil
}

func answer(c Claim, v cluster.KafkaVersion, names []string, byWorkload map[string][]*Run) (Answer, error) {
	a := Answer{Version: v, ClaimResult: ClaimResult{Claim: c, Verdict: NotMeasured}}
	if c.Metric == metricNone {
		a.Why = c.Unmeasured
		return a, nil
	}
	cands := []string{c.Workload}
	if c.Metric == metricResources {
		cands = orderFirst(names, c.Workload)
	}
	var all []GroupAnswer
	var whys []string
	for _, name := range cands {
		for _, g := range groupRuns(byWorkload[name]) {
			ga, why, err := judgeGroup(c, v, name, g)
			if err != nil {
				return a, err
			}
			if why != "" {
				whys = append(whys, why)
				continue
			}
			ga.Newest = g.Newest
			all = append(all, ga)
		}
	}
	if len(all) == 0 {
		a.Why = noAnswerWhy(c, v, byWorkload, whys)
		return a, nil
	}
	pick := choose(all)
	chosen := all[pick]
	a.Chosen = &chosen
	a.ClaimResult = chosen.Result
	a.Others = slices.Delete(slices.Clone(all), pick, pick+1)
	return a, nil
}

// orderFirst puts first at the front of names, keeping the others' order.
func orderFirst(names []string, first string) []string {
	out := []string{}
	if slices.Contains(names, first) {
		out = append(out, first)
	}
	for _, n := range names {
		if n != first {
			out = append(out, n)
		}
	}
	return out
}

// choose picks the group a verdict rests on. Candidates come in workload
// order; the first workload with any decides. Among its groups with at
// least minGroupRuns runs in both modes (else among all of them): the
// newest revision (by its latest run), and within it the group with the
// most runs, the earlier one on a tie. So re-measuring at a new revision
// moves the verdict to it, while a few runs of the same revision from
// another machine are listed beside the verdict rather than replacing the
// group it used.
func choose(all []GroupAnswer) int {
	first := all[0].Workload
	enough := false
	revNewest := map[string]time.Time{}
	for _, g := range all {
		if g.Workload == first && min(g.ZKRuns, g.KRuns) >= minGroupRuns {
			enough = true
		}
	}
	var idx []int
	for i, g := range all {
		if g.Workload != first || enough && min(g.ZKRuns, g.KRuns) < minGroupRuns {
			continue
		}
		idx = append(idx, i)
		if g.Newest.After(revNewest[g.Key.Revision]) {
			revNewest[g.Key.Revision] = g.Newest
		}
	}
	best := idx[0]
	for _, i := range idx[1:] {
		a, b := all[i], all[best]
		ra, rb := revNewest[a.Key.Revision], revNewest[b.Key.Revision]
		switch {
		case !ra.Equal(rb):
			if ra.After(rb) {
				best = i
			}
		case min(a.ZKRuns, a.KRuns) != min(b.ZKRuns, b.KRuns):
			if min(a.ZKRuns, a.KRuns) > min(b.ZKRuns, b.KRuns) {
				best = i
			}
		case a.Newest.Before(b.Newest):
			best = i
		}
	}
	return best
}

// Disagreeing counts the other groups whose verdict differs from the
// chosen one: what a reader must see beside the verdict.
func (a Answer) Disagreeing() int {
	n := 0
	for _, g := range a.Others {
		if g.Result.Verdict != a.Verdict {
			n++
		}
	}
	return n
}

// judgeGroup judges claim c on group g of one workload: ZooKeeper-mode runs
// at the default version against KRaft runs at v. why says, when not empty,
// why the group does not measure the claim.
func judgeGroup(c Claim, v cluster.KafkaVersion, workload string, g *runGroup) (GroupAnswer, string, error) {
	ga := GroupAnswer{Workload: workload, Key: g.Key}
	var cmp []*Run
	for _, r := range g.Runs {
		switch {
		case r.Mode == cluster.ModeZK && runVersion(r) == cluster.DefaultKafkaVersion:
			ga.ZKRuns++
			cmp = append(cmp, r)
		case r.Mode == cluster.ModeKRaft && runVersion(r) == v:
			ga.KRuns++
			cmp = append(cmp, asDefaultVersion(r))
		}
	}
	if ga.ZKRuns == 0 || ga.KRuns == 0 {
		return ga, fmt.Sprintf("%s: %d ZooKeeper-mode runs, %d KRaft %s runs", g.Key, ga.ZKRuns, ga.KRuns, v), nil
	}
	ws, err := Group(cmp)
	if err != nil {
		return ga, "", fmt.Errorf("group %s results: %w", workload, err)
	}
	ga.Result = judgeClaim(ws, c)
	if !ga.Result.Measured {
		return ga, fmt.Sprintf("%s: %s", g.Key, ga.Result.Why), nil
	}
	return ga, "", nil
}

// asDefaultVersion is a KRaft run of another Kafka version presented as the
// default one, so the judging code, which compares the default version's
// series, compares it with ZooKeeper mode. The result is a shallow copy:
// the run itself is unchanged.
func asDefaultVersion(r *Run) *Run {
	if runVersion(r) == cluster.DefaultKafkaVersion {
		return r
	}
	res := *r.Result
	res.KafkaVersion = string(cluster.DefaultKafkaVersion)
	return &Run{Path: r.Path, Result: &res}
}

// noAnswerWhy explains a claim no group measures.
func noAnswerWhy(c Claim, v cluster.KafkaVersion, byWorkload map[string][]*Run, whys []string) string {
	if c.Metric != metricResources && len(byWorkload[c.Workload]) == 0 {
		return fmt.Sprintf("no %s results", c.Workload)
	}
	kraft := 0
	for _, rs := range byWorkload {
		for _, r := range rs {
			if r.Mode == cluster.ModeKRaft && runVersion(r) == v && (c.Metric == metricResources || r.Workload == c.Workload) {
				kraft++
			}
		}
	}
	if kraft == 0 {
		if c.Metric == metricResources {
			return fmt.Sprintf("no KRaft %s runs", v)
		}
		return fmt.Sprintf("no KRaft %s runs of %s", v, c.Workload)
	}
	return "no run group measures it in both modes (" + strings.Join(whys, "; ") + ")"
}
