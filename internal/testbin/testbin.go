// Package testbin holds what kraftbench's tests share beyond fakes: it
// decides which tier a test belongs to (NeedIntegration), and builds
// kraftbench's binaries once per test process, so tests that start real node
// processes run what the tree holds now. Only tests import it.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

var (
	once sync.Once
	dir  string
	err  error
)

// Kbnode returns the path of a kbnode binary built from this tree, building
// it on first use (static, as the node image needs it).
func Kbnode() (string, error) {
	once.Do(func() {
		dir, err = os.MkdirTemp("", "kraftbench-testbin-")
		if err != nil {
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "kbnode"), "./cmd/kbnode")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, e := cmd.CombinedOutput(); e != nil {
			err = fmt.Errorf("build kbnode: %v\n%s", e, out)
		}
	})
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "kbnode"), nil
}

var (
	cliOnce sync.Once
	cliDir  string
	cliErr  error
)

// CLI returns a folder holding kraftbench and kbnode built from this tree
// side by side (the local provider finds kbnode next to kraftbench),
// building them on first use.
func CLI() (string, error) {
	cliOnce.Do(func() {
		cliDir, cliErr = os.MkdirTemp("", "kraftbench-testcli-")
		if cliErr != nil {
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		for _, c := range []string{"kraftbench", "kbnode"} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(cliDir, c), "./cmd/"+c)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, e := cmd.CombinedOutput(); e != nil {
				cliErr = fmt.Errorf("build %s: %v\n%s", c, e, out)
				return
			}
		}
	})
	return cliDir, cliErr
}
