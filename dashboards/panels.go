package dashboards

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
	"github.com/kraftbench/kraftbench/cluster"
)

// Prometheus names of the metrics metrics/otel.go exports (its table is the
// contract these follow).
const (
	opDuration   = "kraftbench_op_duration_seconds"
	opErrors     = "kraftbench_op_errors_total"
	phaseDur     = "kraftbench_startup_phase_duration_seconds"
	faultActive  = "kraftbench_fault_active"
	nodeCPU      = "kraftbench_node_cpu_seconds"
	nodeRSS      = "kraftbench_node_memory_rss_bytes"
	nodeNet      = "kraftbench_node_network_bytes"
	failoverDur  = "kraftbench_failover_duration_seconds"
	scaleDur     = "kraftbench_scale_duration_seconds"
	scaleRSS     = "kraftbench_scale_memory_rss_bytes"
	migrationDur = "kraftbench_migration_phase_duration_seconds"
)

// runMatchers select the series of the dashboard's variables. Every selector
// of every query carries them (the tests check it).
const runMatchers = `mode=~"$mode", workload=~"$workload", run=~"$run"`

// sel is metric{<runMatchers>, more...}.
func sel(metric string, more ...string) string {
	return metric + "{" + strings.Join(append([]string{runMatchers}, more...), ", ") + "}"
}

// modeSel is metric{mode="<mode>", workload=~"$workload", run=~"$run", more...}:
// for a query that sets both modes against each other.
func modeSel(metric string, mode cluster.Mode, more ...string) string {
	m := []string{fmt.Sprintf("mode=%q", mode), `workload=~"$workload"`, `run=~"$run"`}
	return metric + "{" + strings.Join(append(m, more...), ", ") + "}"
}

// wholeRun is the instant-query form of a cumulative series over the range:
// its last value in the range, which for kraftbench's per-run series is the
// run's total (see the package comment).
func wholeRun(selector string) string {
	return "last_over_time(" + selector + "[$__range])"
}

// quantile is histogram_quantile(q, sum by (le, by...) (inner)).
func quantile(q float64, by, inner string) string {
	return fmt.Sprintf("histogram_quantile(%g, sum by (le, %s) (%s))", q, by, inner)
}

// rate is rate(selector[$__rate_interval]).
func rate(selector string) string { return "rate(" + selector + "[$__rate_interval])" }

// mean is sum by (by) (sumSeries) / sum by (by) (countSeries).
func mean(by, sumSeries, countSeries string) string {
	return fmt.Sprintf("sum by (%s) (%s)\n/\nsum by (%s) (%s)", by, sumSeries, by, countSeries)
}

var dsRef = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// series is a range query drawn as a time series, legend a Grafana legend
// format ("{{op}} {{mode}}").
func series(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().RefId(ref).Datasource(dsRef).Expr(expr).
		LegendFormat(legend).Range().Format(prometheus.PromQueryFormatTimeSeries)
}

// instant is an instant query at the end of the range, as a table (one row
// per series, one column per label).
func instant(ref, expr string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().RefId(ref).Datasource(dsRef).Expr(expr).
		Instant().Format(prometheus.PromQueryFormatTable)
}

// instantSeries is an instant query as one series per result (a stat per
// series, named by legend).
func instantSeries(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().RefId(ref).Datasource(dsRef).Expr(expr).
		LegendFormat(legend).Instant().Format(prometheus.PromQueryFormatTimeSeries)
}

// Panel sizes on Grafana's 24-column grid.
const (
	full    = 24
	half    = 12
	third   = 8
	quarter = 6
	tall    = 9
	short   = 6
)

// panelBuilder is what every panel builder of the SDK has in common.
type panelBuilder[T any] interface {
	cog.Builder[dashboard.Panel]
	Title(string) T
	Description(string) T
	Datasource(common.DataSourceRef) T
	Span(uint32) T
	Height(uint32) T
	Unit(string) T
	WithTarget(cog.Builder[variants.Dataquery]) T
	WithTransformation(dashboard.DataTransformerConfig) T
}

// panel sets what every panel has: title, description (what it shows and how
// to read it), data source, size, unit and queries.
func panel[T panelBuilder[T]](b T, title, desc, unit string, w, h uint32, qs ...*prometheus.DataqueryBuilder) T {
	b = b.Title(title).Description(desc).Datasource(dsRef).Span(w).Height(h).Unit(unit)
	for _, q := range qs {
		b = b.WithTarget(q)
	}
	return b
}

func legend() *common.VizLegendOptionsBuilder {
	return common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeTable).
		Placement(common.LegendPlacementBottom).Calcs([]string{"lastNotNull", "max"})
}

// timeSeries is a time series panel of range queries.
func timeSeries(title, desc, unit string, w, h uint32, qs ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	return panel(timeseries.NewPanelBuilder(), title, desc, unit, w, h, qs...).
		Legend(legend()).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending)).
		ShowPoints(common.VisibilityModeAuto).SpanNulls(common.BoolOrFloat64{Bool: cog.ToPtr(false)})
}

// tableOf is a table of instant queries merged on their labels; columns
// renames "Value #<ref>" columns to readable names, in that order after the
// label columns.
func tableOf(title, desc, unit string, w, h uint32, columns map[string]string, qs ...*prometheus.DataqueryBuilder) *table.PanelBuilder {
	b := panel(table.NewPanelBuilder(), title, desc, unit, w, h, qs...)
	if len(qs) > 1 {
		b = b.WithTransformation(transform("merge", map[string]any{}))
	}
	// The footer's reducer must be a list (the SDK's default null fails its own
	// strict unmarshal).
	return b.WithTransformation(organize(columns)).Filterable(true).
		Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{"sum"}))
}

// barChart is a bar chart of one instant query, grouped into a matrix: a bar
// group per value of rowLabel, a bar per value of columnLabel. numericRows
// sorts the groups by rowLabel as a number (partition counts).
func barChart(title, desc, unit string, w, h uint32, rowLabel, columnLabel string, numericRows bool, q *prometheus.DataqueryBuilder) *barchart.PanelBuilder {
	b := panel(barchart.NewPanelBuilder(), title, desc, unit, w, h, q)
	if numericRows {
		b = b.WithTransformation(transform("convertFieldType", map[string]any{
			"fields":      map[string]any{},
			"conversions": []any{map[string]any{"targetField": rowLabel, "destinationType": "number"}},
		})).WithTransformation(transform("sortBy", map[string]any{
			"fields": map[string]any{},
			"sort":   []any{map[string]any{"field": rowLabel}},
		}))
	}
	return b.WithTransformation(transform("groupingToMatrix", map[string]any{
		"rowField": rowLabel, "columnField": columnLabel, "valueField": "Value", "emptyValue": "null",
	})).
		XTickLabelRotation(0).ShowValue(common.VisibilityModeAuto).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderNone))
}

// statOf is a stat panel of instant queries, one value per series.
func statOf(title, desc, unit string, w, h uint32, qs ...*prometheus.DataqueryBuilder) *stat.PanelBuilder {
	return panel(stat.NewPanelBuilder(), title, desc, unit, w, h, qs...).
		GraphMode(common.BigValueGraphModeNone).ColorMode(common.BigValueColorModeNone).
		TextMode(common.BigValueTextModeValueAndName).Orientation(common.VizOrientationAuto).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
}

func transform(id string, options map[string]any) dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: id, Options: options}
}

// organize hides the Time column and renames value columns.
func organize(columns map[string]string) dashboard.DataTransformerConfig {
	rename := map[string]any{}
	for from, to := range columns {
		rename[from] = to
	}
	return transform("organize", map[string]any{
		"excludeByName": map[string]any{"Time": true},
		"renameByName":  rename,
	})
}

// overrideUnit gives named (renamed) columns their own unit.
func overrideUnit(b *table.PanelBuilder, unit string, columns ...string) *table.PanelBuilder {
	for _, c := range columns {
		b = b.OverrideByName(c, []dashboard.DynamicConfigValue{{Id: "unit", Value: unit}})
	}
	return b
}

// row is a dashboard row, open.
func row(title string) *dashboard.RowBuilder { return dashboard.NewRowBuilder(title).Collapsed(false) }
