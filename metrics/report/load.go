package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// Run is one result file.
type Run struct {
	// Path is the file's path relative to the folder it was found under,
	// with forward slashes.
	Path string
	*metrics.Result
}

// ErrNoResults is returned when a folder holds no result file.
var ErrNoResults = errors.New("no kraftbench result files found")

// probe is the part of a JSON file that tells a result from other JSON.
type probe struct {
	Schema   int             `json:"schema"`
	Workload string          `json:"workload"`
	Mode     string          `json:"mode"`
	Ops      json.RawMessage `json:"ops"`
}

// Load reads every result JSON under dir, recursively. JSON files that are
// not results are skipped with a warning written to warn; a result with a
// newer schema than this kraftbench reads is an error, since reading it
// would silently drop what it added. A nil warn discards warnings. Runs are returned sorted by (workload,
// mode, start time, path).
func Load(dir string, warn io.Writer) ([]*Run, error) {
	if warn == nil {
		warn = io.Discard
	}
	var runs []*Run
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".json") {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		r, err := loadFile(path)
		if errors.Is(err, errNotResult) {
			fmt.Fprintf(warn, "report: skipping %s: %v\n", path, err)
			return nil
		}
		if err != nil {
			return err
		}
		runs = append(runs, &Run{Path: filepath.ToSlash(rel), Result: r})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read results under %s: %w", dir, err)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("%s: %w (looked for <workload>-<mode>-<time>.json written by kraftbench bench)", dir, ErrNoResults)
	}
	sortRuns(runs)
	return runs, nil
}

var errNotResult = errors.New("not a kraftbench result")

// loadFile reads one JSON file, telling a result from other JSON first.
func loadFile(path string) (*metrics.Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p probe
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%w (%v)", errNotResult, err)
	}
	if p.Schema == 0 || p.Workload == "" || p.Mode == "" || len(p.Ops) == 0 {
		return nil, fmt.Errorf("%w (no schema, workload, mode or ops)", errNotResult)
	}
	if p.Schema > metrics.SchemaVersion {
		return nil, fmt.Errorf("%s: result schema %d is newer than this kraftbench reads (%d): use the kraftbench that wrote it, or a newer one",
			path, p.Schema, metrics.SchemaVersion)
	}
	r, err := metrics.ReadResult(path)
	if err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	return r, nil
}

func sortRuns(runs []*Run) {
	sort.SliceStable(runs, func(i, j int) bool {
		a, b := runs[i], runs[j]
		if a.Workload != b.Workload {
			return a.Workload < b.Workload
		}
		if a.Mode != b.Mode {
			return modeRank(a.Mode) < modeRank(b.Mode) || modeRank(a.Mode) == modeRank(b.Mode) && a.Mode < b.Mode
		}
		if !a.Started.Equal(b.Started) {
			return a.Started.Before(b.Started)
		}
		return a.Path < b.Path
	})
}

// modeRank orders ZooKeeper mode before KRaft mode before anything else.
func modeRank(mode cluster.Mode) int {
	switch mode {
	case cluster.ModeZK:
		return 0
	case cluster.ModeKRaft:
		return 1
	}
	return 2
}
