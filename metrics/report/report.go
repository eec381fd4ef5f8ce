package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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
}

// Output lists what Generate wrote.
type Output struct {
	Report string   // path of report.md
	Plots  []string // paths of the plot files, sorted
	Runs   int      // result files read
}

// Generate reads the results under o.In and writes report.md and its plots
// into o.Out.
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
	text := Markdown(runs, ws, Judge(ws), plots)
	if err := os.WriteFile(out.Report, []byte(text), 0o644); err != nil {
		return out, fmt.Errorf("write report: %w", err)
	}
	return out, nil
}
