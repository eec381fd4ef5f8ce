package metrics

import (
	"context"
	"fmt"

	"github.com/kraftbench/kraftbench/cluster"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// OpenTelemetry metrics. These names, units, attributes and buckets are a
// contract: dashboards and alerts are written against them. The Recorder
// stays the source of truth; these are fed from it (only samples it counts,
// so warm-up samples never reach them) and are for watching a run live.
//
// Every metric carries the run's attributes: mode ("zk", "kraft"),
// workload, provider ("local", "docker") and run (the stem of the run's
// result files, <workload>-<mode>-<UTC timestamp>, so a series joins its
// result file).
//
//	OTel name                          unit     kind       more attributes   Prometheus name (default exporter)
//	kraftbench.op.duration             s        histogram  op                kraftbench_op_duration_seconds_{bucket,sum,count}
//	kraftbench.op.errors               {error}  counter    op, code          kraftbench_op_errors_total
//	kraftbench.startup.phase.duration  s        histogram  phase             kraftbench_startup_phase_duration_seconds_{bucket,sum,count}
//	kraftbench.fault.active            (none)   gauge      fault, node       kraftbench_fault_active
//	kraftbench.node.cpu.seconds        s        gauge      node              kraftbench_node_cpu_seconds
//	kraftbench.node.memory.rss.bytes   By       gauge      node              kraftbench_node_memory_rss_bytes
//	kraftbench.node.network.bytes      By       gauge      node              kraftbench_node_network_bytes
//	kraftbench.failover.duration       s        histogram  fault, target,    kraftbench_failover_duration_seconds_{bucket,sum,count}
//	                                                       measure
//	kraftbench.scale.duration          s        gauge      step, partitions  kraftbench_scale_duration_seconds
//	kraftbench.scale.memory.rss.bytes  By       gauge      node, partitions  kraftbench_scale_memory_rss_bytes
//	kraftbench.migration.phase.duration s       gauge      phase, partitions kraftbench_migration_phase_duration_seconds
//
// The last four carry a run's Measures (events.go): kraftbench.failover.
// duration one value per fault and measure (new_controller, unavailable,
// leaders_moved, converged; fault = kill, stop, pause, partition; target =
// controller or broker); kraftbench.scale.duration the time of a step of a
// scale sweep (create, startup, failover, controlled_shutdown) at a partition
// count; kraftbench.scale.memory.rss.bytes a node's memory after a step;
// kraftbench.migration.phase.duration each migration phase (start, roll,
// finalize, rollback, total) at a partition count.
//
// kraftbench.op.duration holds the latency of successful operations only
// (as the Recorder's histograms do), in seconds; failed ones are counted in
// kraftbench.op.errors with code = Kafka's error name (NOT_CONTROLLER,
// REQUEST_TIMED_OUT, UNKNOWN_SERVER_ERROR for errors without a Kafka code).
// kraftbench.startup.phase.duration gets one value per phase of each cold
// start, phase being the name after "phase_" in the startup workload's ops
// (store_ready, controller_active, brokers_registered, metadata_loaded); those
// ops are also in kraftbench.op.duration with op = "phase_<name>".
// kraftbench.fault.active is 1 while a fault is in place on node and 0 after
// it healed. The node gauges are the last reading of a node's cumulative CPU
// time, resident memory and network bytes (received plus sent).
//
// Both histograms use DurationBuckets: upper bounds in seconds, a 1-2-5
// series from 100 µs to 20 s, then 30 s, 60 s and 120 s (Kafka's session and
// election timeouts are seconds to tens of seconds), and +Inf. In Prometheus
// the le labels are "0.0001" .. "120" and "+Inf".
//
// The Prometheus exporter also adds otel_scope_name, otel_scope_version
// (and otel_scope_schema_url) labels to each series and a target_info series
// with the resource (service_name="kraftbench").
const (
	MetricOpDuration   = "kraftbench.op.duration"
	MetricOpErrors     = "kraftbench.op.errors"
	MetricPhaseDur     = "kraftbench.startup.phase.duration"
	MetricFaultActive  = "kraftbench.fault.active"
	MetricNodeCPU      = "kraftbench.node.cpu.seconds"
	MetricNodeRSS      = "kraftbench.node.memory.rss.bytes"
	MetricNodeNetBytes = "kraftbench.node.network.bytes"
	MetricFailover     = "kraftbench.failover.duration"
	MetricScale        = "kraftbench.scale.duration"
	MetricScaleRSS     = "kraftbench.scale.memory.rss.bytes"
	MetricMigration    = "kraftbench.migration.phase.duration"

	// meterName is the instrumentation scope (otel_scope_name in Prometheus).
	meterName = "github.com/kraftbench/kraftbench/metrics"
)

// DurationBuckets returns the histogram upper bounds in seconds (see above).
func DurationBuckets() []float64 {
	return []float64{
		0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
		0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120,
	}
}

// RunLabels identify one run (one mode, one repetition) in every metric.
type RunLabels struct {
	Mode                    cluster.Mode
	Workload, Provider, Run string
}

func (l RunLabels) attrs(more ...attribute.KeyValue) []attribute.KeyValue {
	return append([]attribute.KeyValue{
		attribute.String("mode", string(l.Mode)), attribute.String("workload", l.Workload),
		attribute.String("provider", l.Provider), attribute.String("run", l.Run),
	}, more...)
}

// OTel holds kraftbench's instruments on one meter provider. It is safe for
// concurrent use; make one per process and a Sink per run.
type OTel struct {
	opDur, phaseDur metric.Float64Histogram
	opErrs          metric.Int64Counter
	fault           metric.Int64Gauge
	cpu             metric.Float64Gauge
	rss, net        metric.Int64Gauge
	failover        metric.Float64Histogram
	scale           metric.Float64Gauge
	scaleRSS        metric.Int64Gauge
	migration       metric.Float64Gauge
}

// NewOTel creates the instruments on mp.
func NewOTel(mp metric.MeterProvider) (*OTel, error) {
	m := mp.Meter(meterName)
	o := &OTel{}
	var errs [11]error
	o.opDur, errs[0] = m.Float64Histogram(MetricOpDuration, metric.WithUnit("s"),
		metric.WithDescription("Latency of successful operations, as recorded by the run's Recorder."),
		metric.WithExplicitBucketBoundaries(DurationBuckets()...))
	o.phaseDur, errs[1] = m.Float64Histogram(MetricPhaseDur, metric.WithUnit("s"),
		metric.WithDescription("Time from the first process started to each startup phase."),
		metric.WithExplicitBucketBoundaries(DurationBuckets()...))
	o.opErrs, errs[2] = m.Int64Counter(MetricOpErrors, metric.WithUnit("{error}"),
		metric.WithDescription("Failed operations by Kafka error name."))
	// No unit: "1" would make Prometheus name it kraftbench_fault_active_ratio.
	o.fault, errs[3] = m.Int64Gauge(MetricFaultActive,
		metric.WithDescription("1 while a fault is in place on a node, 0 after it healed."))
	o.cpu, errs[4] = m.Float64Gauge(MetricNodeCPU, metric.WithUnit("s"),
		metric.WithDescription("CPU time a node has used (user plus system)."))
	o.rss, errs[5] = m.Int64Gauge(MetricNodeRSS, metric.WithUnit("By"),
		metric.WithDescription("Resident memory of a node."))
	o.net, errs[6] = m.Int64Gauge(MetricNodeNetBytes, metric.WithUnit("By"),
		metric.WithDescription("Network bytes a node has received plus sent."))
	o.failover, errs[7] = m.Float64Histogram(MetricFailover, metric.WithUnit("s"),
		metric.WithDescription("Failover times per fault: new_controller, unavailable, leaders_moved, converged."),
		metric.WithExplicitBucketBoundaries(DurationBuckets()...))
	o.scale, errs[8] = m.Float64Gauge(MetricScale, metric.WithUnit("s"),
		metric.WithDescription("Duration of a scale-sweep step at a partition count."))
	o.scaleRSS, errs[9] = m.Int64Gauge(MetricScaleRSS, metric.WithUnit("By"),
		metric.WithDescription("Resident memory of a node after a scale-sweep step."))
	o.migration, errs[10] = m.Float64Gauge(MetricMigration, metric.WithUnit("s"),
		metric.WithDescription("Duration of a ZooKeeper-to-KRaft migration phase."))
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("opentelemetry instruments: %w", err)
		}
	}
	return o, nil
}

// Sink returns a sink that records into o with run's attributes.
func (o *OTel) Sink(run RunLabels) *OTelSink {
	return &OTelSink{o: o, run: run}
}

// OTelSink feeds one run's samples, fault windows and node readings to the
// OpenTelemetry instruments. Its methods are safe for concurrent use and do
// not block (the SDK aggregates in memory; readers export on their own).
type OTelSink struct {
	o     *OTel
	run   RunLabels
	cache opAttrs
}

var (
	_ Sink      = (*OTelSink)(nil)
	_ EventSink = (*OTelSink)(nil)
	_ UsageSink = (*OTelSink)(nil)
)

// Observe records a sample the Recorder has counted. Its attribute sets are
// built once per op (opAttrs), so a sample allocates nothing.
func (s *OTelSink) Observe(smp Sample) {
	ctx := context.Background()
	if smp.Err != nil {
		s.o.opErrs.Add(ctx, 1, s.cache.forError(s.run, smp.Op, cluster.ErrorCode(smp.Err))...)
		return
	}
	sec := smp.Latency().Seconds()
	a := s.cache.forOK(s.run, smp.Op)
	s.o.opDur.Record(ctx, sec, a.dur...)
	if a.phase != nil {
		s.o.phaseDur.Record(ctx, sec, a.phase...)
	}
}

// FaultStarted sets kraftbench.fault.active to 1 for fault on node. Call it
// when the fault is in place.
func (s *OTelSink) FaultStarted(fault, node string) { s.setFault(fault, node, 1) }

// FaultEnded sets kraftbench.fault.active to 0 for fault on node. Call it
// when the fault has been healed.
func (s *OTelSink) FaultEnded(fault, node string) { s.setFault(fault, node, 0) }

func (s *OTelSink) setFault(fault, node string, v int64) {
	s.o.fault.Record(context.Background(), v, metric.WithAttributes(
		s.run.attrs(attribute.String("fault", fault), attribute.String("node", node))...))
}

// SetNodeUsage records node's latest resource reading: cumulative CPU
// seconds, resident memory bytes and cumulative network bytes (in plus out;
// negative, cluster.NotMeasured, when the provider cannot measure them: the
// network gauge then gets no value).
func (s *OTelSink) SetNodeUsage(node string, cpuSeconds float64, rssBytes, networkBytes int64) {
	ctx := context.Background()
	opt := metric.WithAttributes(s.run.attrs(attribute.String("node", node))...)
	s.o.cpu.Record(ctx, cpuSeconds, opt)
	s.o.rss.Record(ctx, rssBytes, opt)
	if networkBytes >= 0 {
		s.o.net.Record(ctx, networkBytes, opt)
	}
}

// ObserveMeasure exports a run's measure on its instrument; measures of
// other names are not exported (they stay in the result file), nor are
// figures that were not measured: a histogram has no value for "unknown",
// and a 0 would read as no unavailability at all.
func (s *OTelSink) ObserveMeasure(m Measure) {
	if !m.Measured() {
		return
	}
	ctx := context.Background()
	attrs := func(keys ...string) metric.MeasurementOption {
		var kv []attribute.KeyValue
		for _, k := range keys {
			kv = append(kv, attribute.String(k, m.Labels[k]))
		}
		return metric.WithAttributes(s.run.attrs(kv...)...)
	}
	switch m.Name {
	case MeasureFailover:
		s.o.failover.Record(ctx, m.Value, attrs("fault", "target", "measure"))
	case MeasureScale:
		s.o.scale.Record(ctx, m.Value, attrs("step", "partitions"))
	case MeasureScaleMemory:
		s.o.scaleRSS.Record(ctx, int64(m.Value), attrs("node", "partitions"))
	case MeasureMigrationPhase:
		s.o.migration.Record(ctx, m.Value, attrs("phase", "partitions"))
	}
}
