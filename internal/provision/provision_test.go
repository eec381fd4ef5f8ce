package provision

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestFreePortsAreDistinct(t *testing.T) {
	ports, err := FreePorts(20)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || seen[p] {
			t.Fatalf("ports %v", ports)
		}
		seen[p] = true
	}
}

func TestParallelRunsEveryIndexAndJoinsErrors(t *testing.T) {
	var ran atomic.Int32
	boom := errors.New("boom")
	err := Parallel(5, func(i int) error {
		ran.Add(1)
		if i == 3 {
			return boom
		}
		return nil
	})
	if ran.Load() != 5 || !errors.Is(err, boom) {
		t.Fatalf("ran %d, err %v", ran.Load(), err)
	}
}

func TestFreePortsAreBelowTheEphemeralRange(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		t.Skipf("no ephemeral range to compare with: %v", err)
	}
	var low int
	fmt.Sscan(string(b), &low)
	ports, err := FreePorts(16)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ports {
		if p >= low || p < minPort {
			t.Fatalf("port %d outside [%d, %d): a client's outgoing connection can take it", p, minPort, low)
		}
	}
}

// Another process's fresh reservation and a port something listens on are
// both skipped; a stale reservation is taken over.
func TestFreePortsSkipsReservedAndBusyPorts(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	bp := busy.Addr().(*net.TCPAddr).Port
	// a range of 8 around the busy port (kernel ports are free-ish nearby)
	lo := bp - 3
	dir := t.TempDir()
	oldDir, oldRange := reserveDir, drawRange
	reserveDir = func() string { return dir }
	drawRange = func() (int, int) { return lo, lo + 8 }
	defer func() { reserveDir, drawRange = oldDir, oldRange }()
	fresh, stale := lo, lo+1
	os.WriteFile(filepath.Join(dir, strconv.Itoa(fresh)), []byte("1\n"), 0o666)
	os.WriteFile(filepath.Join(dir, strconv.Itoa(stale)), []byte("1\n"), 0o666)
	old := time.Now().Add(-2 * reservationTTL)
	os.Chtimes(filepath.Join(dir, strconv.Itoa(stale)), old, old)

	// a stale file outside the range is swept away
	far := filepath.Join(dir, strconv.Itoa(lo+100))
	os.WriteFile(far, []byte("1\n"), 0o666)
	os.Chtimes(far, old, old)
	lastSweep = time.Time{}

	ports, err := FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(far); !os.IsNotExist(err) {
		t.Fatalf("a reservation older than %v was not swept: %v", reservationTTL, err)
	}
	got := map[int]bool{}
	for _, p := range ports {
		got[p] = true
		if p == fresh || p == bp || p < lo || p >= lo+8 {
			t.Fatalf("FreePorts gave %v: %d is reserved by another process, %d is in use, range [%d,%d)", ports, fresh, bp, lo, lo+8)
		}
		if _, err := os.Stat(filepath.Join(dir, strconv.Itoa(p))); err != nil {
			t.Fatalf("port %d handed out without a reservation file: %v", p, err)
		}
	}
	// every free port of the range is eventually handed out, the stale one too
	all := map[int]bool{}
	for p := range got {
		all[p] = true
	}
	for range 20 {
		ps, err := FreePorts(1)
		if err != nil {
			break // the range is used up
		}
		all[ps[0]] = true
	}
	if !all[stale] {
		t.Fatalf("the stale reservation of %d was never taken over; handed out %v", stale, all)
	}
	if all[fresh] || all[bp] {
		t.Fatalf("handed out %v, including a reserved (%d) or busy (%d) port", all, fresh, bp)
	}
}
