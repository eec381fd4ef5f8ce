package metrics

import (
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestRecorderEventsReachResultAndOTel(t *testing.T) {
	sink, rd := newManualSink(t)
	base := time.Unix(1_700_000_000, 0)
	rec := NewRecorder(RecorderOptions{Base: base, Sinks: []Sink{sink}})
	i := rec.FaultStarted("kill", "controller", "1001", base.Add(2*time.Second))
	got := collect(t, rd)
	g, ok := got[MetricFaultActive+" "].(metricdata.Gauge[int64])
	if !ok || len(g.DataPoints) != 1 || g.DataPoints[0].Value != 1 {
		t.Fatalf("fault gauge while the fault is in place = %#v, want one point at 1", got[MetricFaultActive+" "])
	}
	rec.FaultEnded(i, base.Add(5*time.Second))
	rec.FaultEnded(7, base) // unknown index: ignored, not a panic
	rec.Measure(MeasureFailover, map[string]string{"fault": "kill", "target": "controller", "measure": "unavailable"}, 1.5, "s")
	rec.Measure(MeasureScale, map[string]string{"step": "create", "partitions": "1000"}, 0.25, "s")
	rec.Measure("unexported", nil, 3, "")
	rec.NotMeasured(MeasureFailover, map[string]string{"fault": "kill", "target": "broker", "measure": "unavailable"}, "s", "no write succeeded")

	f := rec.Faults()
	if len(f) != 1 || f[0].StartNs != int64(2*time.Second) || f[0].EndNs != int64(5*time.Second) || f[0].Target != "controller" {
		t.Fatalf("faults = %+v, want one kill of the controller from 2s to 5s", f)
	}
	res := &Result{Measures: rec.Measures()}
	if m := res.MeasuresNamed(MeasureFailover); len(m) != 1 || m[0].Value != 1.5 || m[0].Labels["measure"] != "unavailable" {
		t.Fatalf("failover measures = %+v", m)
	}
	// A figure not measured is kept with its reason, apart from the values,
	// and never reaches the histogram as a 0.
	if m := res.UnmeasuredNamed(MeasureFailover); len(m) != 1 || m[0].NotMeasured != "no write succeeded" || m[0].Labels["target"] != "broker" {
		t.Fatalf("failover figures not measured = %+v", m)
	}

	got = collect(t, rd)
	if g := got[MetricFaultActive+" "].(metricdata.Gauge[int64]); g.DataPoints[0].Value != 0 {
		t.Errorf("fault gauge after healing = %d, want 0", g.DataPoints[0].Value)
	}
	h, ok := got[MetricFailover+" s"].(metricdata.Histogram[float64])
	if !ok || len(h.DataPoints) != 1 || h.DataPoints[0].Sum != 1.5 {
		t.Fatalf("failover histogram = %#v", got[MetricFailover+" s"])
	}
	wantAttrs(t, h.DataPoints[0].Attributes, map[string]string{"mode": "kraft", "workload": "topics", "provider": "local",
		"run": testRun.Run, "fault": "kill", "target": "controller", "measure": "unavailable"})
	sg, ok := got[MetricScale+" s"].(metricdata.Gauge[float64])
	if !ok || len(sg.DataPoints) != 1 || sg.DataPoints[0].Value != 0.25 {
		t.Fatalf("scale gauge = %#v", got[MetricScale+" s"])
	}
}
