package main

import (
	"fmt"
	"github.com/kraftbench/kraftbench/cluster"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/metrics/regress"
	"github.com/kraftbench/kraftbench/metrics/report"
)

// writeRuns writes one result file per p50 (in ms) of op "create": every
// sample of run i takes p50s[i].
func writeRuns(t *testing.T, dir, mode string, p50s []float64) {
	t.Helper()
	for i, ms := range p50s {
		base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		rec := metrics.NewRecorder(metrics.RecorderOptions{Base: base})
		for j := 0; j < 5; j++ {
			at := base.Add(time.Duration(j) * time.Second)
			rec.Record(metrics.Sample{Op: "create", Start: at, End: at.Add(time.Duration(ms * float64(time.Millisecond)))})
		}
		ops, err := rec.Results()
		if err != nil {
			t.Fatal(err)
		}
		r := &metrics.Result{Schema: metrics.SchemaVersion, Workload: "topics", Mode: cluster.Mode(mode),
			Started: base, Finished: base.Add(time.Minute), Ops: ops}
		if _, err := r.WriteFiles(dir); err != nil {
			t.Fatal(err)
		}
	}
}

// p50s reads back the per-run p50s of a folder, as both commands take them.
func p50s(t *testing.T, dir string) []float64 {
	t.Helper()
	rs, err := regress.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var v []float64
	for _, r := range rs {
		v = append(v, float64(r.Ops[0].Latency.P50Ns))
	}
	return v
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The same per-run values give the same interval in `kraftbench report`
// (ZooKeeper runs against KRaft runs) and in `kraftbench compare` (the same
// values as baseline runs against new runs): both take it from
// internal/stats. 3 against 3 is where the two old copies differed (the
// report gave a 90% interval, compare none); 21 against 21 (441 pairs) is
// past the exact distribution's range.
func TestReportAndCompareGiveTheSameInterval(t *testing.T) {
	reportLine := regexp.MustCompile(`p50 KRaft/ZK across runs: ([\d.]+)x \[([\d.]+)x, ([\d.]+)x\] \((\d+)% CI`)
	compareCell := regexp.MustCompile(`\| topics \| create \| zk \| p50 \|[^\n]*\[([-+][\d.]+)%, ([-+][\d.]+)%\] \(([\d.]+)%\)`)
	seq := func(n int, f func(i int) float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	for _, c := range []struct {
		name      string
		zk, kraft []float64
	}{
		{"3v3", []float64{40, 42, 38}, []float64{10, 11, 9}},
		{"21v21", seq(21, func(i int) float64 { return 40 + float64(i) }), seq(21, func(i int) float64 { return 10 + 1.7*float64(i) })},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			both, zk, asNew := filepath.Join(dir, "both"), filepath.Join(dir, "zk"), filepath.Join(dir, "new")
			writeRuns(t, both, "zk", c.zk)
			writeRuns(t, both, "kraft", c.kraft)
			writeRuns(t, zk, "zk", c.zk)
			writeRuns(t, asNew, "zk", c.kraft) // KRaft's values, as new runs of the same series

			if _, _, err := reportCLI(both, "--out", filepath.Join(dir, "report")); err != nil {
				t.Fatal(err)
			}
			md, err := os.ReadFile(filepath.Join(dir, "report", "report.md"))
			if err != nil {
				t.Fatal(err)
			}
			rm := reportLine.FindStringSubmatch(string(md))
			if rm == nil {
				t.Fatalf("report.md has no p50 interval:\n%s", md)
			}
			var out strings.Builder
			rep, err := runCompare(&out, zk, asNew, compareFlags{threshold: "10%", on: "none", format: "markdown", alpha: 0.05, stats: []string{"p50"}})
			if err != nil {
				t.Fatal(err)
			}
			cm := compareCell.FindStringSubmatch(out.String())
			if cm == nil {
				t.Fatalf("compare printed no interval for topics/create/p50:\n%s", out.String())
			}
			// Printed: the report's ratios and compare's changes agree to
			// their printed precision, and so do the confidences.
			for i, pair := range [][2]string{{rm[2], cm[1]}, {rm[3], cm[2]}} {
				if r, ch := parseFloat(t, pair[0]), 1+parseFloat(t, pair[1])/100; math.Abs(r-ch) > 0.0015 {
					t.Errorf("bound %d: report %sx, compare %s%% (= %.4fx)", i, pair[0], pair[1], ch)
				}
			}
			if rm[4] != fmt.Sprintf("%.0f", parseFloat(t, cm[3])) {
				t.Errorf("confidence: report %s%%, compare %s%%", rm[4], cm[3])
			}
			// Exact: the numbers behind both are the same.
			r, ok := report.EstimateRatio(p50s(t, zk), p50s(t, asNew))
			var row *regress.Row
			for i := range rep.Rows {
				if k := rep.Rows[i].Key; k.Op == "create" && k.Stat == "p50" && k.Basis == regress.Absolute {
					row = &rep.Rows[i]
				}
			}
			if !ok || row == nil || !row.HasCI || math.Abs(r.Lo-(1+row.Lo)) > 1e-12 || math.Abs(r.Hi-(1+row.Hi)) > 1e-12 || r.Confidence != row.CIConfidence {
				t.Errorf("report %+v, compare %+v", r, row)
			}
		})
	}
}
