package main

import (
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func TestTestCommitDelay(t *testing.T) {
	cases := []struct {
		env, mode string
		want      time.Duration
		bad       bool
	}{
		{"", "kraft", 0, false},
		{"kraft:5ms", "kraft", 5 * time.Millisecond, false},
		{"kraft:5ms", "zk", 0, false},
		{"zk:2ms, kraft:7ms", "zk", 2 * time.Millisecond, false},
		{"kraft", "kraft", 0, true},
		{"kraft:soon", "kraft", 0, true},
		{"kraft:-1ms", "kraft", 0, true},
		{"raft:5ms", "kraft", 0, true}, // not a mode
	}
	for _, c := range cases {
		t.Setenv(testCommitDelayEnv, c.env)
		got, err := testCommitDelay(cluster.Mode(c.mode))
		if got != c.want || (err != nil) != c.bad {
			t.Errorf("%s=%q mode %s: %v, %v; want %v, error %v", testCommitDelayEnv, c.env, c.mode, got, err, c.want, c.bad)
		}
	}
}
