package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/internal/testbin"
)

// TestBenchKeepFilesKeepsTheRunDirectory runs a small local bench with
// --keep-files: it prints where the run directories are, and they are
// still there afterwards with the nodes' files in them; without the flag
// the temporary directory under TMPDIR is gone.
func TestBenchKeepFilesKeepsTheRunDirectory(t *testing.T) {
	testbin.NeedIntegration(t, "a real cluster")
	bin := buildCLI(t)
	run := func(keep bool) (string, string) {
		tmp := t.TempDir()
		args := []string{"bench", "--provider", "local", "--modes", "kraft", "--workload", "floor",
			"--param", "samples=3", "--brokers", "1", "--controllers", "1", "--profile", "tuned", "--repetitions", "1",
			"-o", t.TempDir()}
		if keep {
			args = append(args, "--keep-files")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "KRAFTBENCH_HOME="+t.TempDir(), "TMPDIR="+tmp)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bench (keep %v): %v\n%s", keep, err, out)
		}
		return tmp, string(out)
	}
	tmp, out := run(true)
	m := regexp.MustCompile(`run directories kept \(--keep-files\) under (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no kept-directory line:\n%s", out)
	}
	var files int
	_ = filepath.WalkDir(m[1], func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files == 0 {
		t.Fatalf("%s holds no files after the run", m[1])
	}
	tmp, _ = run(false)
	left, _ := filepath.Glob(filepath.Join(tmp, "kraftbench-bench-*"))
	if len(left) != 0 {
		t.Errorf("without --keep-files the run left %v", left)
	}
}
