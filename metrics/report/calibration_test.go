package report

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// An external cluster's runs are a series of their own, never pooled with
// the model's, and the calibration table puts the two side by side with
// the external/model ratio: here the external cluster is twice as slow.
func TestCalibrationTablePutsExternalBesideTheModel(t *testing.T) {
	in := t.TempDir()
	for run := range 3 {
		model := synth(t, "topics", cluster.ModeKRaft, run, map[string]opSpec{"create": {lat: 30 * time.Millisecond, n: 50}}, nil)
		ext := synth(t, "topics", cluster.ModeKRaft, 10+run, map[string]opSpec{"create": {lat: 60 * time.Millisecond, n: 50}}, nil)
		ext.Provider = cluster.ProviderExternal
		writeResults(t, in, model, ext)
	}
	out, err := Generate(Options{In: in, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out.Report)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "## Model against external cluster")
	if i < 0 {
		t.Fatalf("no calibration section:\n%s", text)
	}
	var row string
	for _, l := range strings.Split(text[i:], "\n") {
		if strings.HasPrefix(l, "| `topics` | `create` | KRaft |") {
			row = l
			break
		}
	}
	if row == "" {
		t.Fatalf("no calibration row for topics/create:\n%s", text[i:])
	}
	cells := strings.Split(row, "|")
	if got := strings.TrimSpace(cells[4]); got != "3, 3" {
		t.Errorf("runs %q, want 3, 3", got)
	}
	if got := strings.TrimSpace(cells[5]); got != "local" {
		t.Errorf("model from %q, want local", got)
	}
	got := strings.TrimSpace(cells[8])
	x, err := strconv.ParseFloat(strings.TrimSuffix(strings.Fields(got)[0], "x"), 64)
	if err != nil || x < 1.8 || x > 2.2 || !strings.Contains(got, "CI") {
		t.Errorf("p50 external/model %q, want about 2x with a CI", got)
	}
	// The per-op table keeps them apart, labelled.
	if !strings.Contains(text, "| KRaft (external) |") {
		t.Errorf("no separate external series in the op tables:\n%s", text)
	}
	ws, err := Group(mustLoad(t, in))
	if err != nil {
		t.Fatal(err)
	}
	op := Find(ws, "topics", "create")
	if s := op.Mode(cluster.ModeKRaft); s == nil || s.External || len(s.Runs) != 3 {
		t.Errorf("the model series pools external runs: %+v", s)
	}
}

func mustLoad(t *testing.T, dir string) []*Run {
	t.Helper()
	runs, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}
