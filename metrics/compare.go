package metrics

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Merged is one (workload, op, mode) with the histograms of every run
// merged, the input to a side-by-side comparison.
type Merged struct {
	Workload, Op, Mode string
	Runs               int
	Hist               *hdr.Histogram
	Errors             int64
}

// Merge groups results by (workload, op, mode) and merges their histograms.
func Merge(results []*Result) ([]*Merged, error) {
	idx := map[[3]string]*Merged{}
	var out []*Merged
	for _, r := range results {
		for _, o := range r.Ops {
			k := [3]string{r.Workload, o.Op, r.Mode}
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

// WriteComparison prints, per workload and op, ZooKeeper mode's and KRaft
// mode's p50 and p99 side by side with the KRaft/ZK ratio (below 1 means
// KRaft is faster), from every run's merged histogram.
func WriteComparison(w io.Writer, results []*Result) error {
	merged, err := Merge(results)
	if err != nil {
		return err
	}
	type pair struct{ zk, kraft *Merged }
	rows := map[[2]string]*pair{}
	var keys [][2]string
	for _, m := range merged {
		k := [2]string{m.Workload, m.Op}
		p, ok := rows[k]
		if !ok {
			p = &pair{}
			rows[k] = p
			keys = append(keys, k)
		}
		switch m.Mode {
		case "zk":
			p.zk = m
		case "kraft":
			p.kraft = m
		}
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\top\tn zk\tn kraft\tp50 zk\tp50 kraft\tkraft/zk\tp99 zk\tp99 kraft\tkraft/zk\terrors zk\terrors kraft\t")
	for _, k := range keys {
		p := rows[k]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", k[0], k[1],
			count(p.zk), count(p.kraft), q(p.zk, 50), q(p.kraft, 50), ratio(p.zk, p.kraft, 50),
			q(p.zk, 99), q(p.kraft, 99), ratio(p.zk, p.kraft, 99), errs(p.zk), errs(p.kraft))
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
	return fmtDur(m.Hist.ValueAtQuantile(p))
}

func ratio(zk, kraft *Merged, p float64) string {
	if zk == nil || kraft == nil || zk.Hist.TotalCount() == 0 || kraft.Hist.TotalCount() == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", float64(kraft.Hist.ValueAtQuantile(p))/float64(zk.Hist.ValueAtQuantile(p)))
}

// fmtDur prints a nanosecond value with three significant digits.
func fmtDur(ns int64) string {
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
