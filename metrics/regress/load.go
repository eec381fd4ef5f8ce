package regress

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/kraftbench/kraftbench/metrics"
)

// Load reads the results named by paths: a result JSON file, or a folder
// whose *.json files (not its subfolders) are all results.
func Load(paths ...string) ([]*metrics.Result, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, fmt.Errorf("results in %s: %w", p, err)
		}
		sort.Strings(m)
		files = append(files, m...)
	}
	out := make([]*metrics.Result, 0, len(files))
	for _, f := range files {
		r, err := metrics.ReadResult(f)
		if err != nil {
			return nil, fmt.Errorf("read result: %w", err)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no result files in %v", paths)
	}
	return out, nil
}
