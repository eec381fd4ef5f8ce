package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// reportCLI runs `kraftbench report args...` in process.
func reportCLI(args ...string) (string, string, error) {
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"report"}, args...))
	err := root.Execute()
	return out.String(), errb.String(), err
}

func TestReportCommand(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	for i, mode := range []string{"zk", "kraft"} {
		base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		rec := metrics.NewRecorder(metrics.RecorderOptions{Base: base})
		for j := 0; j < 5; j++ {
			at := base.Add(time.Duration(j) * time.Second)
			rec.Record(metrics.Sample{Op: "create", Start: at, End: at.Add(time.Duration(10*(2-i)+j) * time.Millisecond)})
		}
		ops, err := rec.Results()
		if err != nil {
			t.Fatal(err)
		}
		r := &metrics.Result{Schema: metrics.SchemaVersion, Workload: "topics", Mode: cluster.Mode(mode), Started: base, Finished: base.Add(time.Minute), Ops: ops}
		if _, err := r.WriteFiles(in); err != nil {
			t.Fatal(err)
		}
	}
	stdout, _, err := reportCLI(in, "--out", out)
	if err != nil || !strings.Contains(stdout, "read 2 result files") {
		t.Fatalf("report: %v, stdout %q", err, stdout)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil || !strings.Contains(string(md), "### `create`") {
		t.Errorf("report.md: %v\n%s", err, md)
	}
	// A folder of workload folders gets the answer page.
	root := t.TempDir()
	if err := os.Rename(in, filepath.Join(root, "topics")); err != nil {
		t.Fatal(err)
	}
	ans := t.TempDir()
	stdout, _, err = reportCLI(root, "--out", ans)
	if err != nil || !strings.Contains(stdout, "README.md") {
		t.Fatalf("report of a results root: %v, stdout %q", err, stdout)
	}
	page, err := os.ReadFile(filepath.Join(ans, "README.md"))
	if err != nil || !strings.Contains(string(page), "| Topic creation 4x faster | KRaft 3.9 |") {
		t.Errorf("answer page: %v\n%s", err, page)
	}
	if _, _, err := reportCLI(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no kraftbench result files") {
		t.Errorf("empty folder: %v, want a no-results error", err)
	}
}
