package report

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// WriteSummary prints the short text table `kraftbench bench` ends with:
// per (workload, op), each mode's runs, merged p50 and p99 and errors, and
// the KRaft/ZK ratio of the per-run p50s and p99s with its interval, the
// same figures the Markdown report gives (one grouping, one statistics
// owner); then, where runs measured their store's floor, each op's p50 as
// a multiple of it.
func WriteSummary(w io.Writer, results []*metrics.Result) error {
	runs := make([]*Run, len(results))
	for i, r := range results {
		runs[i] = &Run{Result: r}
	}
	sortRuns(runs)
	ws, err := Group(runs)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\top\truns zk\truns kraft\tp50 zk\tp50 kraft\tp50 kraft/zk\tp99 zk\tp99 kraft\tp99 kraft/zk\terrors zk\terrors kraft")
	var floors [][2]string
	for _, wl := range ws {
		for _, op := range wl.Ops {
			zk, kr := op.Mode(cluster.ModeZK), anyVersion(op, cluster.ModeKRaft)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", wl.Name, op.Name,
				runCount(zk), runCount(kr), quantileOf(zk, 50), quantileOf(kr, 50), summaryRatio(zk, kr, perRunP50),
				quantileOf(zk, 99), quantileOf(kr, 99), summaryRatio(zk, kr, perRunP99), errorCount(zk), errorCount(kr))
			if f := floorText(op); f != "" && !isFloor(op) {
				floors = append(floors, [2]string{wl.Name + "/" + op.Name, f})
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(floors) > 0 {
		fmt.Fprintln(w, "\np50 as a multiple of the store floor measured in the same run (median of runs; zk: bare ZooKeeper create, kraft: a commit through the append linger):")
	}
	for _, f := range floors {
		fmt.Fprintf(w, "  %s: %s\n", f[0], f[1])
	}
	return nil
}

// anyVersion is mode's series at the default Kafka version, else at the
// first other version the runs have: a bench of KRaft 4.1 alone still
// fills the KRaft columns (the report keeps versions apart; one bench runs
// one version); kraftbench's own clusters first, else an external one's.
func anyVersion(op *Op, mode cluster.Mode) *Series {
	if s := op.Mode(mode); s != nil {
		return s
	}
	for _, s := range op.Modes {
		if s.Mode == mode && !s.External {
			return s
		}
	}
	// A bench on an external cluster alone still fills its mode's columns.
	for _, s := range op.Modes {
		if s.Mode == mode {
			return s
		}
	}
	return nil
}

// summaryRatio is the KRaft/ZK estimate of one per-run statistic with its
// interval when the runs allow one: "0.25x [0.214x, 0.289x] 90%".
func summaryRatio(zk, kr *Series, f func(RunOp) float64) string {
	r, ok := EstimateRatio(zk.values(f), kr.values(f))
	if !ok {
		return "-"
	}
	if !r.HasCI {
		return times(r.Point)
	}
	return fmt.Sprintf("%s [%s, %s] %.0f%%", times(r.Point), times(r.Lo), times(r.Hi), 100*r.Confidence)
}

func runCount(s *Series) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprint(len(s.Runs))
}

func errorCount(s *Series) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprint(s.ErrorTotal())
}

func quantileOf(s *Series, q float64) string {
	if s == nil {
		return "-"
	}
	return quantileText(s, q)
}
