package workloads

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/ready"
)

// statusRestarter is a fakeRestarter whose nodes serve /status from a fake
// HTTP endpoint that answers after delay.
type statusRestarter struct {
	*fakeRestarter
	addrs []string
}

func (c statusRestarter) Nodes() []cluster.NodeInfo {
	var out []cluster.NodeInfo
	for i, a := range c.addrs {
		out = append(out, cluster.NodeInfo{ID: int32(i + 1), Kind: "node", StatusAddr: a})
	}
	return append(out, cluster.NodeInfo{ID: 1, Kind: "zookeeper", Addr: "127.0.0.1:1"}) // no status endpoint
}

func fakeStatusServer(t *testing.T, delay time.Duration) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		w.Write([]byte(`{"node_id":1}`))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// A startup result states the readiness poll's interval and what one round
// of it (every node's status, concurrently) was measured to cost.
func TestStartupStatesTheReadinessPollsResolution(t *testing.T) {
	c := statusRestarter{fakeRestarter: &fakeRestarter{fakeCluster: fakeCluster{spec: cluster.Spec{Brokers: 3}}},
		addrs: []string{fakeStatusServer(t, 5*time.Millisecond), fakeStatusServer(t, 20*time.Millisecond)}}
	w, err := New("startup", Params{"topics": "0", "restarts": "2"})
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(newFakeAdmin(0, 0))
	env.Cluster = c
	out, err := w.Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Resolution) != 1 {
		t.Fatalf("resolution %+v, want the readiness poll's", out.Resolution)
	}
	r := out.Resolution[0]
	// readinessRoundsPerCheck rounds after each restart; a round waits for
	// the slower node (20 ms), asked concurrently with the other.
	if r.Poller != "readiness" || r.IntervalNs != int64(ready.Interval) || r.Rounds != 2*readinessRoundsPerCheck ||
		time.Duration(r.RoundP50Ns) < 20*time.Millisecond || time.Duration(r.RoundP50Ns) > 500*time.Millisecond ||
		!strings.Contains(r.Round, "2 nodes") {
		t.Errorf("resolution %+v: want readiness every %v, %d rounds of 2 nodes, p50 at least the slower node's 20ms",
			r, ready.Interval, 2*readinessRoundsPerCheck)
	}
}

// Without status endpoints (a fake cluster) nothing is claimed.
func TestStartupOnAFakeClaimsNoResolution(t *testing.T) {
	w, _ := New("startup", Params{"topics": "0", "restarts": "1"})
	env := testEnv(newFakeAdmin(0, 0))
	env.Cluster = &fakeRestarter{fakeCluster: fakeCluster{spec: cluster.Spec{Brokers: 3}}}
	out, err := w.Run(context.Background(), env)
	if err != nil || out.Resolution != nil {
		t.Fatalf("resolution %+v err %v, want none", out.Resolution, err)
	}
}

// The propagation result states its poll interval and the Metadata round
// trips it measured, one per poll.
func TestPropagationStatesItsResolution(t *testing.T) {
	w, _ := New("propagation", Params{"iterations": "3", "replication_factor": "1", "poll_interval": "3ms"})
	env := testEnv(newFakeAdmin(0, 10*time.Millisecond))
	out, err := w.Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	polls := env.Rec.Histogram("metadata").TotalCount()
	if len(out.Resolution) != 1 || out.Resolution[0].Poller != "propagation" ||
		out.Resolution[0].IntervalNs != int64(3*time.Millisecond) || out.Resolution[0].Rounds != polls || polls < 9 {
		t.Fatalf("resolution %+v with %d polls, want propagation every 3ms over every poll (at least 3 brokers x 3)", out.Resolution, polls)
	}
}
