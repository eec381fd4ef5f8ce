package provision

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A port is chosen before the node that binds it starts, so something else
// can take it in between. Two things did, in CI: the kernel hands the same
// ephemeral range (net.ipv4.ip_local_port_range) to every bind(":0") and to
// every outgoing connection, and a bench's clients open many. FreePorts
// therefore draws from below that range, where only an explicit bind lands,
// and reserves each port it hands out for reservationTTL: in this process
// with a set, across processes (go test runs packages side by side) with a
// file created exclusively under os.TempDir()/kraftbench-ports. A node binds
// its ports within seconds of the choice, so a reservation older than
// reservationTTL is stale and is taken over.
const (
	reservationTTL = 2 * time.Minute
	// below the ephemeral range, draw from at most this many ports
	rangeWidth = 16384
	minPort    = 10000
)

var (
	reserveMu sync.Mutex
	reserved  = map[int]time.Time{} // port -> when this process handed it out
	// where reservation files go, and the range drawn from (tests narrow both)
	reserveDir = func() string { return filepath.Join(os.TempDir(), "kraftbench-ports") }
	drawRange  = portRange
	lastSweep  time.Time
)

// FreePorts returns n distinct TCP ports on 127.0.0.1 that were free when
// chosen, outside the kernel's ephemeral range and reserved against other
// kraftbench processes (see above). If the ephemeral range leaves no room
// below it, the ports come from the kernel (":0") as a fallback.
func FreePorts(n int) ([]int, error) {
	lo, hi := drawRange()
	if hi-lo < 4*n {
		return kernelPorts(n)
	}
	reserveMu.Lock()
	defer reserveMu.Unlock()
	now := time.Now()
	dir := reserveDir()
	if os.MkdirAll(dir, 0o777) != nil {
		dir = ""
	} else if now.Sub(lastSweep) > reservationTTL {
		lastSweep = now
		sweepStale(dir, now)
	}
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries > 50*n+1000 {
			return nil, fmt.Errorf("find %d free ports in %d-%d: only %d free after %d tries", n, lo, hi-1, len(ports), tries)
		}
		p := lo + rand.IntN(hi-lo)
		if at, ok := reserved[p]; ok && now.Sub(at) < reservationTTL {
			continue
		}
		if !reserveFile(dir, p, now) {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue // in use: its reservation file stays, which only skips it for a while
		}
		lns = append(lns, ln)
		reserved[p] = now
		ports = append(ports, p)
	}
	for p, at := range reserved {
		if now.Sub(at) >= reservationTTL {
			delete(reserved, p)
		}
	}
	return ports, nil
}

// reserveFile claims port p across processes: it creates dir/<p> exclusively,
// or takes over a file older than reservationTTL.
func reserveFile(dir string, p int, now time.Time) bool {
	if dir == "" {
		return true
	}
	path := filepath.Join(dir, strconv.Itoa(p))
	for range 2 {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			return true
		}
		if !os.IsExist(err) {
			return true // the directory is not usable: go on with the in-process set alone
		}
		st, err := os.Stat(path)
		if err != nil || now.Sub(st.ModTime()) < reservationTTL {
			return false
		}
		// stale: remove and try once more (a racing process may win it)
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return false
		}
	}
	return false
}

// sweepStale removes reservation files older than reservationTTL, so the
// directory holds only the ports chosen in the last few minutes.
func sweepStale(dir string, now time.Time) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) >= reservationTTL {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// portRange is the half-open range FreePorts draws from: up to rangeWidth
// ports just below the ephemeral range, not below minPort.
func portRange() (lo, hi int) {
	hi = 32768 // Linux's default ephemeral low bound
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil {
				hi = v
			}
		}
	}
	lo = max(hi-rangeWidth, minPort)
	return lo, hi
}

// kernelPorts asks the kernel for n ports (":0"), holding all n open at once
// so none repeats.
func kernelPorts(n int) ([]int, error) {
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
