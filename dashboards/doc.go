// Package dashboards generates kraftbench's Grafana dashboards as code, with
// the Grafana Foundation SDK, from the metric names metrics/otel.go defines.
//
// Every dashboard has the same four variables: datasource (a Prometheus data
// source), mode (zk, kraft), workload and run (the stem of a run's result
// files), each a multi-value variable whose "All" matches everything. Every
// query selects on all three label variables, so one dashboard shows one run,
// several, or every run of a mode side by side with the other mode.
//
// Panels come in two kinds. Time series panels (rate over $__rate_interval)
// are for watching a run live. "Whole run" panels (instant queries over
// last_over_time(...[$__range])) read each run's cumulative series at its
// last value inside the time range: as the OpenTelemetry SDK exports
// cumulative counts from the start of each run, that is the run's whole
// distribution, exact to a histogram bucket, even for runs shorter than a
// scrape interval.
//
// `make dashboards` (or `kraftbench dashboards --out dashboards/json`) writes
// the JSON under dashboards/json, where dashboards/compose.yaml's Grafana
// loads it; a test fails when the committed JSON differs from what the
// generator makes. The live test in this package runs a short benchmark of
// both modes, scraped by a real Prometheus, and checks that every panel's
// queries return series for both modes.
package dashboards
