package docker

import (
	"bufio"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kraftbench/kraftbench/internal/textutil"
)

// modulePath is kraftbench's Go module, to recognise its source tree.
const modulePath = "github.com/kraftbench/kraftbench"

// kbnodeBinary returns the path of a kbnode to put in the node image, and a
// cleanup for a temporary build: $KRAFTBENCH_KBNODE; else a fresh static
// build from the source tree around the working directory (tests and `make
// images` then always ship the current code); else kbnode next to the running
// executable or on PATH.
func kbnodeBinary(ctx context.Context, logf Logf) (string, func(), error) {
	none := func() {}
	if p := os.Getenv("KRAFTBENCH_KBNODE"); p != "" {
		return p, none, nil
	}
	if root, ok := sourceRoot(); ok {
		if _, err := exec.LookPath("go"); err == nil {
			return buildKbnode(ctx, root, logf)
		}
	}
	if exe, err := os.Executable(); err == nil {
		cand := filepath.Join(filepath.Dir(exe), "kbnode")
		if st, err := os.Stat(cand); err == nil && !st.IsDir() {
			return cand, none, nil
		}
	}
	if p, err := exec.LookPath("kbnode"); err == nil {
		return p, none, nil
	}
	return "", none, errors.New("no kbnode: set KRAFTBENCH_KBNODE to a static kbnode, run inside the kraftbench source tree, or put kbnode next to this executable (make build)")
}

// sourceRoot finds the kraftbench module root at or above the working
// directory.
func sourceRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func isModuleRoot(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == modulePath
		}
	}
	return false
}

// buildKbnode builds a static kbnode as the Makefile does (CGO_ENABLED=0,
// -trimpath, the git revision stamped) into a temporary directory.
func buildKbnode(ctx context.Context, root string, logf Logf) (string, func(), error) {
	dir, err := os.MkdirTemp("", "kb-kbnode")
	if err != nil {
		return "", func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	out := filepath.Join(dir, "kbnode")
	rev := gitRevision(ctx, root)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-X "+modulePath+"/internal/buildinfo.Revision="+rev,
		"-o", out, "./cmd/kbnode")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	logf.printf("node image: building kbnode (CGO_ENABLED=0) in %s", root)
	if msg, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return "", func() {}, fmt.Errorf("go build ./cmd/kbnode: %w\n%s", err, textutil.LastLines(string(msg), 20))
	}
	return out, cleanup, nil
}

// gitRevision is what the Makefile stamps: the commit, +dirty for a tree
// with uncommitted changes, "unknown" outside a checkout.
func gitRevision(ctx context.Context, root string) string {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "HEAD")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	diff := exec.CommandContext(ctx, "git", "diff", "--quiet", "HEAD")
	diff.Dir = root
	if diff.Run() != nil {
		rev += "+dirty"
	}
	return rev
}

// checkStatic refuses a binary that needs a dynamic loader: the node image is
// FROM scratch.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("kbnode %s: not a Linux executable: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("kbnode %s is dynamically linked; the node image is FROM scratch: build it with CGO_ENABLED=0", path)
		}
	}
	return nil
}
