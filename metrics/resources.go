package metrics

import (
	"context"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// Resources is what a run's cluster used while the workload ran: per node
// (kbnode processes and ZooKeeper servers, keyed by name as
// cluster.ResourceReporter names them) and in total. Figures are for the
// window between the first and last sample, not since the cluster started.
type Resources struct {
	WindowNs   int64 `json:"window_ns"`   // from the first sample to the last
	IntervalNs int64 `json:"interval_ns"` // between samples
	Samples    int   `json:"samples"`     // successful Usage calls
	Failed     int   `json:"failed_samples,omitempty"`
	// Nodes is each node's usage in the window.
	Nodes map[string]NodeResources `json:"nodes"`
	// Total sums every node and ZooKeeper server: what the mode cost.
	Total ResourceTotals `json:"total"`
	// ByKind sums "node" and "zookeeper" apart.
	ByKind map[string]ResourceTotals `json:"by_kind"`
	Notes  []string                  `json:"notes,omitempty"`
}

// NodeResources is one node's usage during the window.
type NodeResources struct {
	Kind  string   `json:"kind"` // "node" or "zookeeper"
	Roles []string `json:"roles,omitempty"`
	// CPUSeconds is the CPU time (user+system) used in the window.
	CPUSeconds float64 `json:"cpu_seconds"`
	// RSSBytes is resident memory at the last sample.
	RSSBytes int64 `json:"rss_bytes"`
	// PeakRSSBytes is the largest resident memory seen in the window: the
	// kernel's high-water mark where it rose during the window, else the
	// largest sample (PeakSampled), which can miss a spike between samples.
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	PeakSampled  bool  `json:"peak_sampled"`
	// NetRxBytes and NetTxBytes are bytes received and sent in the window;
	// -1 where the provider cannot measure them.
	NetRxBytes int64 `json:"net_rx_bytes"`
	NetTxBytes int64 `json:"net_tx_bytes"`
	// Restarts counts new incarnations seen in the window. Each loses the
	// usage of its predecessor between the last sample and its exit.
	Restarts int `json:"restarts,omitempty"`
}

// ResourceTotals sums nodes' usage. PeakRSSBytes is the sum of each node's
// peak (the peaks need not coincide); network bytes are -1 when any node's
// are not measured.
type ResourceTotals struct {
	Nodes        int     `json:"nodes"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	NetRxBytes   int64   `json:"net_rx_bytes"`
	NetTxBytes   int64   `json:"net_tx_bytes"`
}

func (t *ResourceTotals) add(n NodeResources) {
	if t.Nodes > 0 && t.NetRxBytes < 0 || n.NetRxBytes < 0 {
		t.NetRxBytes, t.NetTxBytes = cluster.NotMeasured, cluster.NotMeasured
	} else {
		t.NetRxBytes += n.NetRxBytes
		t.NetTxBytes += n.NetTxBytes
	}
	t.Nodes++
	t.CPUSeconds += n.CPUSeconds
	t.PeakRSSBytes += n.PeakRSSBytes
}

// ResourceSampler samples a cluster's usage from Start to Stop: at both ends
// and every interval in between, so peaks where the provider has no kernel
// high-water mark, and usage across restarts, are seen. It keeps one record
// per node, not the samples, so its memory does not grow with the run.
type ResourceSampler struct {
	rep      cluster.ResourceReporter
	sinks    []UsageSink // told every sample's readings
	interval time.Duration
	stop     chan struct{} // closed by Stop
	done     chan struct{} // closed when the loop has returned

	mu sync.Mutex
	t  *usageTracker
}

// UsageSink is the optional extra of a Sink that also wants each node's
// readings as they are sampled (the OpenTelemetry sink's node gauges).
// networkBytes is received plus sent, or cluster.NotMeasured.
type UsageSink interface {
	SetNodeUsage(node string, cpuSeconds float64, rssBytes, networkBytes int64)
}

// SampleResources takes the first sample of c's usage and keeps sampling
// every interval until Stop, passing each sample's readings to those of
// sinks that are UsageSinks. It returns nil, which Stop accepts, when c is
// not a cluster.ResourceReporter.
func SampleResources(ctx context.Context, c cluster.Cluster, interval time.Duration, sinks ...Sink) *ResourceSampler {
	rep, ok := c.(cluster.ResourceReporter)
	if !ok {
		return nil
	}
	var us []UsageSink
	for _, k := range sinks {
		if u, ok := k.(UsageSink); ok {
			us = append(us, u)
		}
	}
	// Samples outlive ctx: one in flight when the run is interrupted
	// completes (each is bounded), and Stop still takes the last.
	ctx = context.WithoutCancel(ctx)
	s := &ResourceSampler{rep: rep, sinks: us, interval: interval, stop: make(chan struct{}), done: make(chan struct{}), t: newUsageTracker()}
	s.sample(ctx)
	go s.loop(ctx)
	return s
}

func (s *ResourceSampler) loop(ctx context.Context) {
	defer close(s.done)
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			s.sample(ctx)
		}
	}
}

// sample takes one sample, bounded so a hung engine cannot stall the run.
func (s *ResourceSampler) sample(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	at := time.Now() // the window opens when the first sample is asked for
	u, err := s.rep.Usage(ctx)
	for name, nu := range u {
		net := int64(cluster.NotMeasured)
		if nu.NetRxBytes >= 0 && nu.NetTxBytes >= 0 {
			net = nu.NetRxBytes + nu.NetTxBytes
		}
		for _, k := range s.sinks {
			k.SetNodeUsage(name, nu.CPUSeconds, nu.RSSBytes, net)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.t.add(at, u, err)
}

// Stop ends the sampling, takes the last sample and returns the window's
// usage; nil on a nil sampler.
func (s *ResourceSampler) Stop(ctx context.Context) *Resources {
	if s == nil {
		return nil
	}
	close(s.stop)
	<-s.done
	s.sample(context.WithoutCancel(ctx))
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.t.resources()
	r.IntervalNs = int64(s.interval)
	return r
}

// usageTracker folds samples into per-node window usage.
type usageTracker struct {
	first, last time.Time
	samples     int      // samples that read at least one node
	failures    int      // Usage calls that returned an error
	failed      []string // the first few errors, for the notes
	nodes       map[string]*nodeTrack
}

// nodeTrack is one node's usage so far and the sample it was last seen in.
type nodeTrack struct {
	res  NodeResources
	last cluster.NodeUsage
	// baseHWM is the kernel high-water mark when the window opened, for an
	// incarnation already running then: a mark above it was reached in the
	// window. -1 for an incarnation that started inside the window.
	baseHWM int64
}

func newUsageTracker() *usageTracker { return &usageTracker{nodes: map[string]*nodeTrack{}} }

// add folds in one sample, taken at at. A failed Usage may still carry some
// nodes; they count.
func (t *usageTracker) add(at time.Time, u map[string]cluster.NodeUsage, err error) {
	if err != nil {
		t.failures++
		if len(t.failed) < 5 {
			msg := err.Error()
			if len(msg) > 300 {
				msg = msg[:300] + "..."
			}
			t.failed = append(t.failed, at.Format(time.RFC3339)+": "+msg)
		}
	}
	if len(u) == 0 {
		return
	}
	if t.first.IsZero() {
		t.first = at
	}
	t.last = at
	t.samples++
	for name, nu := range u {
		n, ok := t.nodes[name]
		if !ok {
			n = &nodeTrack{res: NodeResources{Kind: nu.Kind, Roles: roleNames(nu.Roles), PeakSampled: true}, baseHWM: -1}
			t.nodes[name] = n
			if t.samples == 1 || nu.Started.Before(t.first) {
				// Running when the window opened: what it used before is
				// not the window's, so this sample is its baseline.
				n.last, n.baseHWM = nu, nu.PeakRSSBytes
				n.res.RSSBytes, n.res.PeakRSSBytes = nu.RSSBytes, nu.RSSBytes
				n.res.NetRxBytes, n.res.NetTxBytes = netBaseline(nu)
				continue
			}
			n.last = cluster.NodeUsage{Started: nu.Started} // started in the window: from zero
		}
		n.fold(nu)
	}
}

func netBaseline(u cluster.NodeUsage) (int64, int64) {
	if u.NetRxBytes < 0 || u.NetTxBytes < 0 {
		return cluster.NotMeasured, cluster.NotMeasured
	}
	return 0, 0
}

// fold adds what a node used since its last sample.
func (n *nodeTrack) fold(u cluster.NodeUsage) {
	prev := n.last
	if !u.Started.Equal(prev.Started) { // a new incarnation, its counters from zero
		n.res.Restarts++
		prev, n.baseHWM = cluster.NodeUsage{}, -1
	}
	n.res.CPUSeconds += increase(u.CPUSeconds, prev.CPUSeconds)
	if u.NetRxBytes < 0 || u.NetTxBytes < 0 || n.res.NetRxBytes < 0 {
		n.res.NetRxBytes, n.res.NetTxBytes = cluster.NotMeasured, cluster.NotMeasured
	} else {
		n.res.NetRxBytes += increase(u.NetRxBytes, max(prev.NetRxBytes, 0))
		n.res.NetTxBytes += increase(u.NetTxBytes, max(prev.NetTxBytes, 0))
	}
	n.res.RSSBytes = u.RSSBytes
	if u.RSSBytes > n.res.PeakRSSBytes {
		n.res.PeakRSSBytes, n.res.PeakSampled = u.RSSBytes, true
	}
	if u.PeakRSSBytes >= 0 && u.PeakRSSBytes > n.baseHWM && u.PeakRSSBytes >= n.res.PeakRSSBytes {
		n.res.PeakRSSBytes, n.res.PeakSampled = u.PeakRSSBytes, false
	}
	n.last = u
}

// increase is a counter's growth between two samples, counting a drop as a
// reset to zero (a network interface reconnected), as Prometheus does.
func increase[T int64 | float64](now, before T) T {
	if now < before {
		return now
	}
	return now - before
}

func roleNames(rs []cluster.Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r))
	}
	return out
}

// resources returns the window's usage: per node, totals and notes.
func (t *usageTracker) resources() *Resources {
	r := &Resources{Samples: t.samples, Failed: t.failures, Nodes: map[string]NodeResources{},
		ByKind: map[string]ResourceTotals{}}
	if !t.first.IsZero() {
		r.WindowNs = int64(t.last.Sub(t.first))
	}
	names := make([]string, 0, len(t.nodes))
	for name := range t.nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	netMissing := false
	for _, name := range names {
		n := t.nodes[name].res
		n.CPUSeconds = roundMicro(n.CPUSeconds)
		r.Nodes[name] = n
		r.Total.add(n)
		k := r.ByKind[n.Kind]
		k.add(n)
		r.ByKind[n.Kind] = k
		netMissing = netMissing || n.NetRxBytes < 0
	}
	r.Total.CPUSeconds = roundMicro(r.Total.CPUSeconds)
	for k, v := range r.ByKind {
		v.CPUSeconds = roundMicro(v.CPUSeconds)
		r.ByKind[k] = v
	}
	if netMissing {
		r.Notes = append(r.Notes, "net_*_bytes -1: the provider cannot measure network bytes per node (the local provider's processes share the host's loopback)")
	}
	for _, f := range t.failed {
		r.Notes = append(r.Notes, "usage sample failed at "+f)
	}
	return r
}

// roundMicro rounds CPU seconds to microseconds, below any provider's
// resolution, so sums of ticks print as 0.34 rather than 0.33999999999999997.
func roundMicro(s float64) float64 { return math.Round(s*1e6) / 1e6 }
