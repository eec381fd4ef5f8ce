package main

import (
	"bytes"
	"strings"
	"testing"
)

func predictCLI(args ...string) (string, error) {
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"predict"}, args...))
	err := root.Execute()
	return out.String() + errb.String(), err
}

// From the committed sweep: predictions with intervals, Confluent's 2M
// figures beside, the held-out table; a broker count the sweep did not
// measure and a results folder without a sweep are refused by name.
func TestPredictFromCommittedSweep(t *testing.T) {
	out, err := predictCLI("--results", "../../results/scale", "--partitions", "2000000", "--brokers", "3")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"Predicted at 2000000 partitions, 3 brokers (95% prediction intervals):",
		"ZooKeeper  controlled_shutdown", "KRaft      failover ",
		"Confluent's figures at 2,000,000 partitions beside the model's:",
		"recovery from an uncontrolled shutdown  failover",
		"Held out: each curve fitted without its largest count, predicted there:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := predictCLI("--results", "../../results/scale", "--brokers", "5"); err == nil || !strings.Contains(err.Error(), "--brokers 5") {
		t.Errorf("--brokers 5: %v, want a refusal naming the flag", err)
	}
	if _, err := predictCLI("--results", "../../results/operations"); err == nil || !strings.Contains(err.Error(), "no scale sweep") {
		t.Errorf("a folder without a sweep: %v", err)
	}
	if _, err := predictCLI("--results", "../../results/scale", "--level", "95"); err == nil || !strings.Contains(err.Error(), "--level") {
		t.Errorf("--level 95: %v", err)
	}
}
