package workloads

import (
	"context"
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/ready"
	"github.com/kraftbench/kraftbench/metrics"
)

// readinessRoundsPerCheck is how many rounds readinessProbe.measure times
// each call: the first may pay for new connections, so a few show the
// spread.
const readinessRoundsPerCheck = 3

// readinessProbe measures what one round of the providers' readiness poll
// costs on this cluster: ready.HTTPPoller over every node's status endpoint,
// the round ready.Wait repeats every ready.Interval while it times the
// start-up phases. Measured from the harness right after each cold start,
// the same request the provider made during it.
type readinessProbe struct {
	poll  ready.Poller
	nodes int
	hist  *hdr.Histogram
}

// newReadinessProbe returns nil for a cluster none of whose nodes has a
// status endpoint (a fake).
func newReadinessProbe(c cluster.Cluster) *readinessProbe {
	addrs := map[int32]string{}
	for _, n := range c.Nodes() {
		if n.StatusAddr != "" {
			addrs[n.ID] = n.StatusAddr
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	return &readinessProbe{poll: ready.HTTPPoller(addrs), nodes: len(addrs), hist: metrics.NewHistogram()}
}

// measure times readinessRoundsPerCheck rounds; a round in which a node did
// not answer is not counted (its cost is a timeout, not the poll's).
func (p *readinessProbe) measure(ctx context.Context) {
	if p == nil {
		return
	}
	for range readinessRoundsPerCheck {
		t0 := time.Now()
		c := p.poll(ctx)
		d := time.Since(t0)
		if len(c.Errs) == 0 {
			p.hist.RecordValue(max(1, d.Nanoseconds()))
		}
	}
}

// resolution is what was measured, nil when nothing was.
func (p *readinessProbe) resolution() []metrics.Resolution {
	if p == nil || p.hist.TotalCount() == 0 {
		return nil
	}
	return []metrics.Resolution{metrics.NewResolution("readiness",
		fmt.Sprintf("GET /status of %d nodes, concurrently", p.nodes), ready.Interval, p.hist)}
}
