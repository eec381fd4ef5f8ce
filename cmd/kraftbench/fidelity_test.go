package main

import (
	"bytes"
	"strings"
	"testing"
)

// fidelity refuses a kill count outside its bound and an unknown
// kafka.version before it starts anything, and one kill on the 4.1 profile
// prints the measured distribution against Kafka's window.
func TestFidelityCommand(t *testing.T) {
	for _, args := range [][]string{{"--kills", "0"}, {"--kills", "201"}, {"--kafka-version", "9.9"}} {
		root := newRootCmd()
		root.SetArgs(append([]string{"fidelity"}, args...))
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		if err := root.Execute(); err == nil {
			t.Errorf("fidelity %v: no error", args)
		}
	}
	if testing.Short() {
		return
	}
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs([]string{"fidelity", "--kills", "1", "--kafka-version", "4.1"})
	root.SetOut(&out)
	root.SetErr(&bytes.Buffer{})
	err := root.Execute()
	for _, want := range []string{"kafka.version=4.1", "measured: n=1", "expected: every sample in [1.4s, 5s]"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q (err %v):\n%s", want, err, out.String())
		}
	}
}
