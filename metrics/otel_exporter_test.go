package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

func shutdown(t *testing.T, e *Exporter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Error(err)
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v\n%s", url, resp.Status, err, b)
	}
	return string(b)
}

// The exposition names are the dashboards' contract (see otel.go).
func TestPrometheusEndpoint(t *testing.T) {
	e, err := NewExporter(context.Background(), ExporterOptions{Prometheus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, e)
	addr, err := e.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := e.Sink(testRun)
	s.Observe(sample("create", 3*time.Millisecond, nil))
	s.Observe(sample("create", time.Millisecond, kerr.NotController))
	s.Observe(sample("phase_store_ready", 2*time.Second, nil))
	s.FaultStarted("partition", "broker-2")
	s.SetNodeUsage("broker-1", 1.5, 1<<20, 2048)
	body := scrape(t, "http://"+addr.String()+"/metrics")
	for _, re := range []string{
		`(?m)^kraftbench_op_duration_seconds_bucket\{[^}]*mode="kraft"[^}]*op="create"[^}]*le="0\.005"\} 1$`,
		`(?m)^kraftbench_op_duration_seconds_bucket\{[^}]*mode="kraft"[^}]*op="create"[^}]*le="0\.002"\} 0$`,
		`(?m)^kraftbench_op_duration_seconds_bucket\{[^}]*op="create"[^}]*le="\+Inf"\} 1$`,
		`(?m)^kraftbench_op_duration_seconds_count\{[^}]*provider="local"[^}]*run="topics-kraft-20260101T000000\.000Z"[^}]*workload="topics"[^}]*\} 1$`,
		`(?m)^kraftbench_op_errors_total\{code="NOT_CONTROLLER"[^}]*op="create"[^}]*\} 1$`,
		`(?m)^kraftbench_startup_phase_duration_seconds_sum\{[^}]*phase="store_ready"[^}]*\} 2$`,
		`(?m)^kraftbench_fault_active\{fault="partition"[^}]*node="broker-2"[^}]*\} 1$`,
		`(?m)^kraftbench_node_cpu_seconds\{[^}]*node="broker-1"[^}]*\} 1\.5$`,
		`(?m)^kraftbench_node_memory_rss_bytes\{[^}]*node="broker-1"[^}]*\} 1\.048576e\+06$`,
		`(?m)^kraftbench_node_network_bytes\{[^}]*node="broker-1"[^}]*\} 2048$`,
		`(?m)^target_info\{[^}]*service_name="kraftbench"`,
	} {
		if !regexp.MustCompile(re).MatchString(body) {
			t.Errorf("/metrics has no line matching %s", re)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

func TestServeBadAddress(t *testing.T) {
	e, err := NewExporter(context.Background(), ExporterOptions{Prometheus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, e)
	if _, err := e.Serve("127.0.0.1"); err == nil || !strings.Contains(err.Error(), "missing port") {
		t.Errorf("Serve without a port: %v, want a missing-port error", err)
	}
}

func TestOTLPPush(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	var bodyLen int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths, bodyLen = append(paths, r.Method+" "+r.URL.Path), bodyLen+len(b)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "")
	if !OTLPConfigured() {
		t.Fatal("OTLPConfigured() = false with OTEL_EXPORTER_OTLP_ENDPOINT set")
	}
	e, err := NewExporter(context.Background(), ExporterOptions{OTLP: true, OTLPInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	e.Sink(testRun).Observe(sample("create", time.Millisecond, nil))
	shutdown(t, e) // the final flush is what pushes, the interval being an hour
	mu.Lock()
	defer mu.Unlock()
	if len(paths) == 0 || paths[0] != "POST /v1/metrics" || bodyLen == 0 {
		t.Errorf("OTLP requests to %v with %d body bytes, want a non-empty POST to /v1/metrics", paths, bodyLen)
	}
}
