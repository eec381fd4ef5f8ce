package report

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ReportFile is the Markdown report's file name.
const ReportFile = "report.md"

// Options configure Generate.
type Options struct {
	// In is the folder searched, recursively, for result JSON files.
	In string
	// Out is where report.md and its plots are written; In when empty.
	Out string
	// Warn receives warnings (skipped files); io.Discard when nil.
	Warn io.Writer
	// Answers writes the answer page (README.md: every seed claim, judged
	// on the runs that sit in a folder named after their workload) instead
	// of one report of every run.
	Answers bool
}

// Output lists what Generate wrote.
type Output struct {
	Report string   // path of report.md (README.md with Options.Answers)
	Plots  []string // paths of the plot files, sorted
	Runs   int      // result files read
}

// Generate reads the results under o.In and writes report.md and its plots
// into o.Out, or with o.Answers the answer page and its plots.
func Generate(o Options) (Output, error) {
	if o.Warn == nil {
		o.Warn = io.Discard
	}
	if o.Out == "" {
		o.Out = o.In
	}
	runs, err := Load(o.In, o.Warn)
	if err != nil {
		return Output{}, err
	}
	if o.Answers {
		return generateAnswers(o, runs)
	}
	ws, err := Group(runs)
	if err != nil {
		return Output{}, fmt.Errorf("group results: %w", err)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return Output{}, fmt.Errorf("report dir: %w", err)
	}
	plots, err := WritePlots(o.Out, ws)
	if err != nil {
		return Output{}, err
	}
	out := Output{Report: filepath.Join(o.Out, ReportFile), Runs: len(runs)}
	for _, f := range plots.Files() {
		out.Plots = append(out.Plots, filepath.Join(o.Out, f))
	}
	answers, err := Answers(runs)
	if err != nil {
		return out, err
	}
	text := Markdown(runs, ws, answers, plots)
	if err := os.WriteFile(out.Report, []byte(text), 0o644); err != nil {
		return out, fmt.Errorf("write report: %w", err)
	}
	return out, nil
}

// IsResultsRoot says whether dir is a results folder of workload folders
// (results/ with startup/, topics/, ...): it holds no result JSON itself
// and has subfolders. Such a folder gets the answer page (Options.Answers).
func IsResultsRoot(dir string) (bool, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", dir, err)
	}
	sub := false
	for _, e := range es {
		if e.IsDir() {
			sub = true
		} else if strings.EqualFold(filepath.Ext(e.Name()), ".json") {
			return false, nil
		}
	}
	return sub, nil
}

// generateAnswers writes the answer page and its plots into o.Out from the
// runs that sit in a folder named after their workload.
func generateAnswers(o Options, runs []*Run) (Output, error) {
	var used []*Run
	for _, r := range runs {
		if dir, _, _ := strings.Cut(r.Path, "/"); dir == r.Workload {
			used = append(used, r)
		}
	}
	answers, err := Answers(used)
	if err != nil {
		return Output{}, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return Output{}, fmt.Errorf("report dir: %w", err)
	}
	plots, err := writeClaimPlots(o.Out, answersByClaim(answers))
	if err != nil {
		return Output{}, err
	}
	out := Output{Report: filepath.Join(o.Out, AnswerFile), Runs: len(runs)}
	for _, b := range slices.Sorted(maps.Values(plots)) {
		for _, f := range plotFormats {
			out.Plots = append(out.Plots, filepath.Join(o.Out, b+"."+f))
		}
	}
	text := AnswerMarkdown(used, answers, plots)
	if err := os.WriteFile(out.Report, []byte(text), 0o644); err != nil {
		return out, fmt.Errorf("write answer page: %w", err)
	}
	return out, nil
}
