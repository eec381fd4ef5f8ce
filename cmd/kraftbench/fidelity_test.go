package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/internal/fidelity"
	"github.com/spf13/cobra"
)

// fidelity refuses counts outside their bounds, an unknown check and an
// unknown kafka.version before it starts anything; a short run of every
// check on the 4.1 profile prints each measured distribution against
// Kafka's window.
func TestFidelityCommand(t *testing.T) {
	for _, args := range [][]string{{"--kills", "0"}, {"--kills", "201"}, {"--samples", "0"}, {"--samples", "201"},
		{"--checks", "election,bogus"}, {"--checks", ""}, {"--kafka-version", "9.9"}} {
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
	root.SetArgs([]string{"fidelity", "--kills", "1", "--samples", "3", "--kafka-version", "4.1"})
	root.SetOut(&out)
	root.SetErr(&bytes.Buffer{})
	err := root.Execute()
	for _, want := range []string{
		"election after kill -9 of the active controller (3 voters, defaults) (kafka.version=4.1)",
		"measured: n=1 ", "expected: every sample in [1.4s, 5s]",
		"linger of a lone CreateTopics at controller.quorum.append.linger.ms=25 ",
		"expected: every sample in [25ms, 125ms], p50 in [25ms, 45ms]",
		"linger of a lone CreateTopics at controller.quorum.append.linger.ms=0 ",
		"expected: every sample in [0s, 100ms], p50 in [0s, 20ms]",
		"visibility of a new topic on every broker", "measured: n=3 ",
		"expected: every sample in [0s, 250ms], p50 in [0s, 25ms]",
	} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q (err %v):\n%s", want, err, out.String())
		}
	}
}

// A check whose distribution leaves Kafka's window fails the command, and
// only the selected checks run, in the listed order.
func TestFidelityFailsOutsideTheWindow(t *testing.T) {
	window := fidelity.Window{Min: 25 * time.Millisecond, Max: 125 * time.Millisecond}
	fake := func(name string, samples ...time.Duration) fidelityCheck {
		return fidelityCheck{name: name, run: func(_ context.Context, r checkRun) ([]fidelity.Check, error) {
			return []fidelity.Check{{Name: name + " check", Version: string(r.version), Expected: window, ExpectedMedian: window, Samples: samples}}, nil
		}}
	}
	all := []fidelityCheck{
		fake("inside", 30*time.Millisecond, 40*time.Millisecond),
		fake("outside", 30*time.Millisecond, 2*time.Millisecond, 40*time.Millisecond),
		fake("unpicked", time.Hour),
	}
	run := func(checks ...string) (string, error) {
		var out bytes.Buffer
		cmd := &cobra.Command{}
		cmd.SetContext(context.Background())
		cmd.SetOut(&out)
		cmd.SetErr(&bytes.Buffer{})
		o := fidelityOptions{checks: checks, kills: 1, samples: 1, versions: []string{"3.9"}, timeout: time.Minute}
		err := runFidelity(cmd, o, all)
		return out.String(), err
	}
	if out, err := run("inside"); err != nil || !strings.Contains(out, "inside check (kafka.version=3.9): PASS") {
		t.Fatalf("a distribution inside the window: err %v, output\n%s", err, out)
	}
	out, err := run("outside", "inside")
	if err == nil || !strings.Contains(err.Error(), "1 check(s) outside Kafka's window") {
		t.Fatalf("a sample outside the window: err %v, want 1 check outside", err)
	}
	if !strings.Contains(out, "outside check (kafka.version=3.9): DIFFERS") || strings.Contains(out, "unpicked") ||
		strings.Index(out, "inside check") > strings.Index(out, "outside check") {
		t.Fatalf("want inside then outside (DIFFERS), nothing unpicked; got\n%s", out)
	}
}
