package metrics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
)

// DefaultOTLPInterval is the push interval when OTEL_METRIC_EXPORT_INTERVAL
// is unset: runs last minutes, so the SDK's 60 s default is too coarse.
const DefaultOTLPInterval = 5 * time.Second

// ExporterOptions choose where metrics go. With neither set the exporter
// only aggregates in memory.
type ExporterOptions struct {
	// Prometheus registers a pull exporter on the exporter's own registry;
	// Serve exposes it over HTTP.
	Prometheus bool
	// OTLP pushes over OTLP/HTTP (protobuf), configured by the standard
	// OTEL_EXPORTER_OTLP_* variables; see OTLPConfigured.
	OTLP bool
	// OTLPInterval between pushes; DefaultOTLPInterval when zero, unless
	// OTEL_METRIC_EXPORT_INTERVAL is set.
	OTLPInterval time.Duration
}

// OTLPConfigured reports whether the environment names an OTLP endpoint.
func OTLPConfigured() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") != ""
}

// Exporter owns a meter provider with kraftbench's instruments (the embedded
// OTel: call Sink per run) and its readers.
type Exporter struct {
	*OTel
	provider *sdkmetric.MeterProvider
	registry *prometheus.Registry // nil without Prometheus
	server   *http.Server
	served   chan struct{}
}

// NewExporter builds the meter provider and readers. Shutdown releases them.
func NewExporter(ctx context.Context, o ExporterOptions) (*Exporter, error) {
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", "kraftbench")),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("opentelemetry resource: %w", err)
	}
	e := &Exporter{}
	opts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	if o.Prometheus {
		e.registry = prometheus.NewRegistry()
		pe, err := otelprom.New(otelprom.WithRegisterer(e.registry))
		if err != nil {
			return nil, fmt.Errorf("prometheus exporter: %w", err)
		}
		opts = append(opts, sdkmetric.WithReader(pe))
	}
	if o.OTLP {
		me, err := otlpmetrichttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("otlp exporter: %w", err)
		}
		var ropts []sdkmetric.PeriodicReaderOption
		if os.Getenv("OTEL_METRIC_EXPORT_INTERVAL") == "" {
			ropts = append(ropts, sdkmetric.WithInterval(cmp.Or(o.OTLPInterval, DefaultOTLPInterval)))
		}
		opts = append(opts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(me, ropts...)))
	}
	e.provider = sdkmetric.NewMeterProvider(opts...)
	if e.OTel, err = NewOTel(e.provider); err != nil {
		return nil, errors.Join(err, e.provider.Shutdown(ctx))
	}
	return e, nil
}

// Handler serves the Prometheus exposition of the exporter's registry; nil
// without ExporterOptions.Prometheus.
func (e *Exporter) Handler() http.Handler {
	if e.registry == nil {
		return nil
	}
	return promhttp.HandlerFor(e.registry, promhttp.HandlerOpts{})
}

// Serve listens on addr (host:port; port 0 picks one) and serves /metrics
// until Shutdown. It returns the address it listens on.
func (e *Exporter) Serve(addr string) (net.Addr, error) {
	h := e.Handler()
	if h == nil {
		return nil, errors.New("exporter built without Prometheus")
	}
	if e.server != nil {
		return nil, errors.New("already serving")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", h)
	e.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	e.served = make(chan struct{})
	go func() {
		defer close(e.served)
		_ = e.server.Serve(ln) // returns ErrServerClosed after Shutdown
	}()
	return ln.Addr(), nil
}

// Shutdown pushes what OTLP has not sent yet, stops serving /metrics and
// releases the provider. Call it once, as the command exits, with a context
// that is not already cancelled (the run's may be, after Ctrl-C).
func (e *Exporter) Shutdown(ctx context.Context) error {
	var errs []error
	if err := e.provider.ForceFlush(ctx); err != nil {
		errs = append(errs, fmt.Errorf("flush metrics: %w", err))
	}
	if e.server != nil {
		if err := e.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop metrics server: %w", err))
		}
		<-e.served
	}
	if err := e.provider.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("shut down metrics: %w", err))
	}
	return errors.Join(errs...)
}
