package metrics

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// fakeUsageSink records what the sampler tells it.
type fakeUsageSink struct {
	mu   sync.Mutex
	seen map[string][]int64 // node -> network bytes of each reading
	rss  map[string]int64
}

func (f *fakeUsageSink) Observe(Sample) {}

func (f *fakeUsageSink) SetNodeUsage(node string, _ float64, rss, net int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen[node] = append(f.seen[node], net)
	f.rss[node] = rss
}

// localLike reports one node without network counters, as the local provider does.
type localLike struct{ cluster.Cluster }

func (localLike) Usage(context.Context) (map[string]cluster.NodeUsage, error) {
	return map[string]cluster.NodeUsage{"broker-1": {Kind: "node", Started: time.Unix(1, 0), CPUSeconds: 1,
		RSSBytes: 7 * mib, PeakRSSBytes: 7 * mib, NetRxBytes: cluster.NotMeasured, NetTxBytes: cluster.NotMeasured}}, nil
}

// Every sample reaches the sinks that want readings, network bytes as
// received plus sent, or NotMeasured where the provider has none.
func TestSampleResourcesFeedsUsageSinks(t *testing.T) {
	f := &fakeUsageSink{seen: map[string][]int64{}, rss: map[string]int64{}}
	s := SampleResources(context.Background(), &fakeReporter{}, time.Hour, f)
	s.Stop(context.Background()) // first and last sample
	if got := f.seen["controller-1001"]; len(got) != 2 || got[0] != 110 || got[1] != 220 {
		t.Errorf("network readings %v, want [110 220] (rx+tx of each sample)", got)
	}
	if f.rss["controller-1001"] != 10*mib {
		t.Errorf("rss %d, want %d", f.rss["controller-1001"], 10*mib)
	}
	f = &fakeUsageSink{seen: map[string][]int64{}, rss: map[string]int64{}}
	SampleResources(context.Background(), localLike{}, time.Hour, f).Stop(context.Background())
	if got := f.seen["broker-1"]; len(got) != 2 || got[0] != cluster.NotMeasured {
		t.Errorf("network readings %v, want NotMeasured twice", got)
	}
}

// The OpenTelemetry sink leaves the network gauge without a value when the
// provider cannot measure it, instead of exporting -1.
func TestOTelSinkSkipsUnmeasuredNetwork(t *testing.T) {
	s, rd := newManualSink(t)
	s.SetNodeUsage("broker-1", 2, 5*mib, cluster.NotMeasured)
	got := collect(t, rd)
	if _, ok := got[MetricNodeNetBytes+" By"]; ok {
		t.Errorf("network gauge exported for an unmeasured reading: %+v", got[MetricNodeNetBytes+" By"])
	}
	if rss, ok := got[MetricNodeRSS+" By"].(metricdata.Gauge[int64]); !ok || rss.DataPoints[0].Value != 5*mib {
		t.Errorf("rss gauge %+v, want %d", got[MetricNodeRSS+" By"], 5*mib)
	}
}
