package local

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// Usage of a local cluster is read from /proc for each kbnode process and
// each ZooKeeper server JVM (a ZooKeeper-mode cluster is charged for its
// ensemble):
//
//   - CPU: utime+stime of /proc/<pid>/stat, in clock ticks (AT_CLKTCK from
//     the auxiliary vector, 100 where it cannot be read). Children are not
//     counted: neither kbnode nor ZooKeeper's JVM starts any.
//   - memory: VmRSS and VmHWM (the kernel's high-water mark of VmRSS) of
//     /proc/<pid>/status.
//   - incarnation: starttime of /proc/<pid>/stat after the boot time.
//
// Network bytes are NotMeasured. /proc has no per-process network counters:
// /proc/<pid>/net/dev shows the network namespace's interfaces (here the
// loopback every node shares), and /proc/<pid>/io counts read and write
// calls on files and sockets alike. Per-socket TCP counters (tcp_info through
// sock_diag) exist but lose every connection closed between two samples, so
// they would undercount without saying by how much. The docker provider,
// where every node has its own interfaces, measures network bytes.
var _ cluster.ResourceReporter = (*localCluster)(nil)

// usageTarget is one process whose usage Usage reads.
type usageTarget struct {
	name  string
	pid   int
	kind  string
	roles []cluster.Role
}

// Usage reads every running node's and ZooKeeper server's usage from /proc.
func (c *localCluster) Usage(ctx context.Context) (map[string]cluster.NodeUsage, error) {
	targets, err := c.usageTargets()
	if err != nil {
		return nil, err
	}
	out := make(map[string]cluster.NodeUsage, len(targets))
	var errs []error
	for _, t := range targets {
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("usage: %w", err)
		}
		u, err := readProcUsage(t.pid)
		if errors.Is(err, fs.ErrNotExist) {
			continue // exited since usageTargets: not running, so absent
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("usage of %s (pid %d): %w", t.name, t.pid, err))
			continue
		}
		u.Kind, u.Roles = t.kind, t.roles
		out[t.name] = u
	}
	return out, errors.Join(errs...)
}

// usageTargets lists the running kbnode processes, then the running
// ZooKeeper servers.
func (c *localCluster) usageTargets() ([]usageTarget, error) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return nil, fmt.Errorf("usage: cluster %s is stopped", c.spec.Name)
	}
	var out []usageTarget
	for _, n := range c.plan.Nodes {
		if p := c.procs[n.ID]; p != nil && p.running() {
			out = append(out, usageTarget{name: n.Name(), pid: p.pid(), kind: "node", roles: n.Roles})
		}
	}
	c.mu.Unlock()
	if c.zk != nil {
		for i, pid := range c.zk.Pids() {
			if pid != 0 {
				out = append(out, usageTarget{name: cluster.ZooKeeperName(i + 1), pid: pid, kind: "zookeeper"})
			}
		}
	}
	return out, nil
}

// readProcUsage reads one process's CPU time, start time and memory.
func readProcUsage(pid int) (cluster.NodeUsage, error) {
	u := cluster.NodeUsage{NetRxBytes: cluster.NotMeasured, NetTxBytes: cluster.NotMeasured}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, err
	}
	ticks, start, err := parseStat(string(b))
	if err != nil {
		return u, err
	}
	hz := clockTicks()
	boot, err := bootTime()
	if err != nil {
		return u, err
	}
	u.CPUSeconds = float64(ticks) / hz
	u.Started = boot.Add(time.Duration(float64(start) / hz * float64(time.Second)))
	b, err = os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	if u.RSSBytes, u.PeakRSSBytes, err = parseStatus(string(b)); err != nil {
		return u, err
	}
	return u, nil
}

// parseStat returns utime+stime and starttime, in clock ticks, from the text
// of /proc/<pid>/stat. Fields are counted after the command name, which is in
// parentheses and may itself hold spaces or parentheses.
func parseStat(s string) (cpuTicks, startTicks uint64, err error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, errors.New("/proc stat: no command name")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 20 {
		return 0, 0, fmt.Errorf("/proc stat: %d fields after the command name", len(f))
	}
	var v [3]uint64
	for k, field := range []int{14, 15, 22} { // utime, stime, starttime
		if v[k], err = strconv.ParseUint(f[field-3], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("/proc stat field %d: %w", field, err)
		}
	}
	return v[0] + v[1], v[2], nil
}

// parseStatus returns VmRSS and VmHWM, in bytes, from /proc/<pid>/status.
func parseStatus(s string) (rss, hwm int64, err error) {
	rss, hwm = -1, -1
	for _, line := range strings.Split(s, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || key != "VmRSS" && key != "VmHWM" {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc status %s: %w", key, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss < 0 || hwm < 0 {
		return 0, 0, errors.New("/proc status: no VmRSS or VmHWM (a kernel thread or a zombie?)")
	}
	return rss, hwm, nil
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: AT_CLKTCK from this
// process's auxiliary vector, or 100 (what Linux uses on every mainstream
// architecture) when that cannot be read.
var clockTicks = sync.OnceValue(func() float64 {
	const atClkTck = 17
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil || strconv.IntSize != 64 {
		return 100
	}
	for ; len(b) >= 16; b = b[16:] { // (type, value) pairs of 64-bit words
		if binary.NativeEndian.Uint64(b) == atClkTck {
			if hz := binary.NativeEndian.Uint64(b[8:]); hz > 0 {
				return float64(hz)
			}
		}
	}
	return 100
})

// bootTime is when the kernel booted, the origin of a process's starttime:
// now less /proc/uptime, which has a resolution of 10 ms (/proc/stat's btime
// has whole seconds, too coarse to tell whether a node restarted just before
// or just after a measurement window opened).
var bootTime = sync.OnceValues(func() (time.Time, error) {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return time.Time{}, fmt.Errorf("boot time: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return time.Time{}, errors.New("boot time: /proc/uptime is empty")
	}
	up, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("boot time: %w", err)
	}
	return time.Now().Add(-time.Duration(up * float64(time.Second))).Round(10 * time.Millisecond), nil
})

// zkHeapMB is each ZooKeeper server's default -Xmx here: 512 MiB, as
// Kafka's zookeeper-server-start.sh gives it.
const zkHeapMB = 512

// zkHeapMB is the spec's ZooKeeper heap, or the default.
func (c *localCluster) zkHeapMB() int {
	if c.spec.ZKHeapMB > 0 {
		return c.spec.ZKHeapMB
	}
	return zkHeapMB
}

var _ cluster.ZKHeapReporter = (*localCluster)(nil)

// ZKHeapBytes is each ZooKeeper server's heap (0 in KRaft mode: none runs).
func (c *localCluster) ZKHeapBytes() int64 {
	if c.spec.Mode != cluster.ModeZK {
		return 0
	}
	return int64(c.zkHeapMB()) << 20
}
