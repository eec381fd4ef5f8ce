package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// testCommitDelayEnv names a TEST-ONLY environment variable: a comma-separated
// list of mode:duration (e.g. "kraft:5ms" or "zk:5ms,kraft:2ms") that makes
// that mode's node wait this long before committing each CreateTopics. The
// regression tests of `kraftbench compare` set it to check that a slower
// commit path in one mode is flagged for that mode and not the other. Never
// set it in a benchmark: a node that honours it says so in its log.
const testCommitDelayEnv = "KRAFTBENCH_TEST_COMMIT_DELAY"

// testCommitDelay returns the test-only commit delay the environment asks
// for mode, zero when KRAFTBENCH_TEST_COMMIT_DELAY is unset or names only
// other modes.
func testCommitDelay(mode cluster.Mode) (time.Duration, error) {
	v := os.Getenv(testCommitDelayEnv)
	if v == "" {
		return 0, nil
	}
	var d time.Duration
	for _, item := range strings.Split(v, ",") {
		m, ds, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			return 0, fmt.Errorf("%s=%q: want mode:duration, e.g. kraft:5ms", testCommitDelayEnv, v)
		}
		dd, err := time.ParseDuration(ds)
		if err != nil || dd < 0 {
			return 0, fmt.Errorf("%s=%q: bad duration %q", testCommitDelayEnv, v, ds)
		}
		pm, err := cluster.ParseMode(m)
		if err != nil {
			return 0, fmt.Errorf("%s=%q: %w", testCommitDelayEnv, v, err)
		}
		if pm == mode {
			d = dd
		}
	}
	return d, nil
}
