package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/metrics"
)

func TestWallTimeSumsRunsAndNamesTheRest(t *testing.T) {
	s := int64(time.Second)
	rs := []*metrics.Result{
		{Wall: &metrics.WallTime{SetupNs: 10 * s, WorkloadNs: 30 * s, TeardownNs: 5 * s}},
		{Wall: &metrics.WallTime{SetupNs: 10 * s, WorkloadNs: 30 * s, FloorNs: 2 * s, TeardownNs: 5 * s}},
		{}, // written before results had a wall time
	}
	var b bytes.Buffer
	writeWallTime(&b, rs, 100*time.Second)
	want := "wall time 1m40s over 3 run(s): setup 20s (20%), workload 1m0s (60%), floor 2s (2%), teardown 10s (10%), other 8s (8%)\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}
