package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/kraftbench/kraftbench"

// pkg is the part of go list -json this test reads.
type pkg struct {
	ImportPath   string
	Deps         []string // transitive, of the package's own files
	TestImports  []string
	XTestImports []string
}

// listModule returns every package of the module by import path.
func listModule(t *testing.T) map[string]*pkg {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs[p.ImportPath] = &p
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// deps returns what p depends on, directly or not, with its tests' imports
// and their dependencies included: a test that imports a mode breaks the
// rule as surely as the package itself would.
func deps(pkgs map[string]*pkg, p *pkg) []string {
	out := slices.Clone(p.Deps)
	for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
		out = append(out, imp)
		if q, ok := pkgs[imp]; ok {
			out = append(out, q.Deps...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// under reports whether path is the package dir of the module or below it.
func under(path, dir string) bool {
	full := module + "/" + dir
	return path == full || strings.HasPrefix(path, full+"/")
}

// TestDependencyDirection checks the rule for every package of the module:
// nothing under cluster/ or internal/ reaches zkmode or kraftmode, and
// neither mode reaches the other.
func TestDependencyDirection(t *testing.T) {
	pkgs := listModule(t)
	modes := []string{"zkmode", "kraftmode"}
	for _, mode := range modes {
		if _, ok := pkgs[module+"/"+mode]; !ok {
			t.Fatalf("go list did not list %s: the rule below would check nothing", mode)
		}
	}
	checked := 0
	for _, path := range slices.Sorted(maps.Keys(pkgs)) {
		p := pkgs[path]
		var forbidden []string
		switch {
		case under(path, "cluster") || under(path, "internal"):
			forbidden = modes
		case under(path, "zkmode"):
			forbidden = []string{"kraftmode"}
		case under(path, "kraftmode"):
			forbidden = []string{"zkmode"}
		default:
			continue
		}
		checked++
		for _, d := range deps(pkgs, p) {
			for _, f := range forbidden {
				if under(d, f) {
					t.Errorf("%s depends on %s: cluster/ depends on no mode and no mode on the other; move what both need to internal/", path, d)
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d packages checked: the module layout changed under this test", checked)
	}
}
