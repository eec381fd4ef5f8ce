package testbin

import "testing"

// NeedIntegration marks t as an integration test and skips it under -short.
// It is the one place that decides the tier: a test (or the shared harness
// it goes through) calls it before it starts a ZooKeeper server, a node
// process, a Raft quorum on disk with real network, a container or another
// real server, so that `make test-short` runs unit tests on fakes only and
// `make test` runs everything. starts says what the test would start.
func NeedIntegration(t testing.TB, starts string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("integration test (starts %s): skipped by -short; make test runs it", starts)
	}
}
