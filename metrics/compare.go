package metrics

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/kraftbench/kraftbench/cluster"
)

// Merged is one (workload, op, mode) with the histograms of every run
// merged, the input to a side-by-side comparison.
type Merged struct {
	Workload, Op string
	Mode         cluster.Mode
	Runs         int
	Hist         *hdr.Histogram
	Errors       int64
}

// Merge groups results by (workload, op, mode) and merges their histograms.
func Merge(results []*Result) ([]*Merged, error) {
	idx := map[[3]string]*Merged{}
	var out []*Merged
	for _, r := range results {
		for _, o := range r.Ops {
			k := [3]string{r.Workload, o.Op, string(r.Mode)}
			m, ok := idx[k]
			if !ok {
				m = &Merged{Workload: r.Workload, Op: o.Op, Mode: r.Mode, Hist: NewHistogram()}
				idx[k] = m
				out = append(out, m)
			}
			h, err := o.DecodeHistogram()
			if err != nil {
				return nil, err
			}
			m.Hist.Merge(h)
			m.Runs++
			m.Errors += o.Latency.Errors
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Workload != b.Workload {
			return a.Workload < b.Workload
		}
		if a.Op != b.Op {
			return a.Op < b.Op
		}
		return a.Mode < b.Mode
	})
	return out, nil
}

// FloorOp is the op name of store-floor samples (a bare ZooKeeper create or
// Raft commit measured in the same run).
const FloorOp = "floor"

// modePair is one (workload, op) in both modes.
type modePair struct{ zk, kraft *Merged }

// pairs groups merged results by (workload, op), in order.
func pairs(merged []*Merged) ([][2]string, map[[2]string]*modePair) {
	rows := map[[2]string]*modePair{}
	var keys [][2]string
	for _, m := range merged {
		k := [2]string{m.Workload, m.Op}
		p, ok := rows[k]
		if !ok {
			p = &modePair{}
			rows[k] = p
			keys = append(keys, k)
		}
		switch m.Mode {
		case cluster.ModeZK:
			p.zk = m
		case cluster.ModeKRaft:
			p.kraft = m
		}
	}
	return keys, rows
}

// WriteComparison prints, per workload and op, ZooKeeper mode's and KRaft
// mode's p50 and p99 side by side with the KRaft/ZK ratio (below 1 means
// KRaft is faster), from every run's merged histogram; then, where the runs
// measured their store's floor, each op's p50 as a multiple of it.
func WriteComparison(w io.Writer, results []*Result) error {
	merged, err := Merge(results)
	if err != nil {
		return err
	}
	keys, rows := pairs(merged)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\top\tn zk\tn kraft\tp50 zk\tp50 kraft\tkraft/zk\tp99 zk\tp99 kraft\tkraft/zk\terrors zk\terrors kraft\t")
	for _, k := range keys {
		p := rows[k]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", k[0], k[1],
			count(p.zk), count(p.kraft), q(p.zk, 50), q(p.kraft, 50), ratio(p.zk, p.kraft, 50),
			q(p.zk, 99), q(p.kraft, 99), ratio(p.zk, p.kraft, 99), errs(p.zk), errs(p.kraft))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeFloorRatios(w, keys, rows)
}

// writeFloorRatios prints each op's p50 as a multiple of its mode's store
// floor (p50) from the same runs: how far above the raw store cost each
// control plane sits.
func writeFloorRatios(w io.Writer, keys [][2]string, rows map[[2]string]*modePair) error {
	var lines [][3]string
	for _, k := range keys {
		f, ok := rows[[2]string{k[0], FloorOp}]
		if !ok || k[1] == FloorOp {
			continue
		}
		p := rows[k]
		lines = append(lines, [3]string{k[0] + "\t" + k[1], ratio(f.zk, p.zk, 50), ratio(f.kraft, p.kraft, 50)})
	}
	if len(lines) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\np50 as a multiple of the store floor measured in the same run (zk: bare ZooKeeper create; kraft: bare Raft commit):")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\top\tzk / floor\tkraft / floor\t")
	for _, l := range lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", l[0], l[1], l[2])
	}
	return tw.Flush()
}

func count(m *Merged) string {
	if m == nil {
		return "-"
	}
	return fmt.Sprint(m.Hist.TotalCount())
}

func errs(m *Merged) string {
	if m == nil {
		return "-"
	}
	return fmt.Sprint(m.Errors)
}

func q(m *Merged, p float64) string {
	if m == nil || m.Hist.TotalCount() == 0 {
		return "-"
	}
	return FormatDuration(m.Hist.ValueAtQuantile(p))
}

// ratio is b's quantile p over a's, "-" when either is missing.
func ratio(a, b *Merged, p float64) string {
	if a == nil || b == nil || a.Hist.TotalCount() == 0 || b.Hist.TotalCount() == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", float64(b.Hist.ValueAtQuantile(p))/float64(a.Hist.ValueAtQuantile(p)))
}

// FormatDuration prints a nanosecond latency with three significant digits
// in s, ms or µs, the form every kraftbench table uses.
func FormatDuration(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3gs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3gms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3gµs", float64(d)/float64(time.Microsecond))
	}
}
