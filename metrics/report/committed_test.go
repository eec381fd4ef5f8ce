package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// committedResults is the repository's results folder, from this package.
const committedResults = "../../results"

// The committed answer page and workload reports are what the committed
// results render: a change to the report code or a new result file without
// `make report` fails here.
func TestCommittedReportsAreCurrent(t *testing.T) {
	out := t.TempDir()
	res, err := Generate(Options{In: committedResults, Out: out, Answers: true})
	if err != nil {
		t.Fatal(err)
	}
	files := []string{AnswerFile}
	for _, p := range res.Plots {
		files = append(files, filepath.Base(p))
	}
	sameFiles(t, committedResults, out, files)

	dirs, err := filepath.Glob(filepath.Join(committedResults, "*", ReportFile))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no committed workload reports under %s (%v)", committedResults, err)
	}
	for _, rep := range dirs {
		dir := filepath.Dir(rep)
		out := t.TempDir()
		if _, err := Generate(Options{In: dir, Out: out}); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		sameFiles(t, dir, out, []string{ReportFile})
	}
}

// sameFiles fails for each of files that differs between dirs want and got.
func sameFiles(t *testing.T, want, got string, files []string) {
	t.Helper()
	for _, f := range files {
		w, err := os.ReadFile(filepath.Join(want, f))
		if err != nil {
			t.Errorf("%s: %v (run make report and commit it)", f, err)
			continue
		}
		g, err := os.ReadFile(filepath.Join(got, f))
		if err != nil || !bytes.Equal(w, g) {
			t.Errorf("%s is stale: it differs from what the results under %s render now (%v); run make report and commit the result", filepath.Join(want, f), want, err)
		}
	}
}
