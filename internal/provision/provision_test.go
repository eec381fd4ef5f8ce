package provision

import (
	"errors"
	"sync/atomic"
	"testing"
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
