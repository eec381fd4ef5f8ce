package external

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/kraftbench/kraftbench/internal/textutil"
)

// boundCommand is a command of the file with what names it in messages:
// its key (nodes[2].faults.kill), the node it acts on and its timeout.
type boundCommand struct {
	Key     string
	Node    int32
	Run     string
	Timeout time.Duration
}

// String is how a plan and an error show the command.
func (c boundCommand) String() string {
	return fmt.Sprintf("%s (timeout %v): bash -c %s", c.Key, c.Timeout, strconv.Quote(c.Run))
}

// run runs the command with bash -c in its own process group, bounded by its
// timeout; on timeout or when ctx ends the whole group is killed. The
// command's environment adds KRAFTBENCH_NODE_ID. The error names the key,
// the command, how it ended and the last lines of its output.
func (c boundCommand) run(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", c.Run)
	cmd.Env = append(os.Environ(), "KRAFTBENCH_NODE_ID="+strconv.Itoa(int(c.Node)))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start).Round(time.Millisecond)
	if err == nil {
		return out.String(), nil
	}
	why := err.Error()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		why = fmt.Sprintf("timed out after %v", c.Timeout)
	} else if ctx.Err() != nil {
		why = "interrupted: " + ctx.Err().Error()
	}
	msg := fmt.Sprintf("%s failed after %v: %s", c, took, why)
	if tail := textutil.LastLines(out.String(), 10); tail != "" {
		msg += "; output:\n" + tail
	}
	return out.String(), errors.New(msg)
}
