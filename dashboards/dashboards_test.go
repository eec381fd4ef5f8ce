package dashboards

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The committed JSON is what the generator makes: edit the Go, then run
// `make dashboards`.
func TestCommittedJSONIsGenerated(t *testing.T) {
	want := map[string]bool{}
	for _, d := range All() {
		want[d.FileName()] = true
		gen, err := d.JSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(jsonDir, d.FileName()))
		if err != nil {
			t.Errorf("%v: run `make dashboards`", err)
			continue
		}
		// An empty string is an option the SDK left unset (an enum Grafana
		// would not know): set it.
		if i := bytes.Index(gen, []byte(`": ""`)); i >= 0 {
			t.Errorf("%s: empty value near %q", d.FileName(), gen[max(0, i-60):i+5])
		}
		if !bytes.Equal(got, gen) {
			t.Errorf("dashboards/json/%s differs from what the generator makes: run `make dashboards` and commit it", d.FileName())
		}
	}
	files, err := filepath.Glob(filepath.Join(jsonDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !want[filepath.Base(f)] {
			t.Errorf("dashboards/json/%s is not a generated dashboard: remove it", filepath.Base(f))
		}
	}
}

// Each committed dashboard passes the SDK's strict unmarshal (in
// forEachCommitted) and its validation, and has what Grafana needs: unique
// panel ids and titles, every panel on the datasource variable, described.
func TestDashboardsAreValid(t *testing.T) {
	forEachCommitted(t, func(t *testing.T, d Dashboard, dash dashboard.Dashboard) {
		if err := dash.Validate(); err != nil {
			t.Fatalf("validate: %v", err)
		}
		if deref(dash.Uid) != d.UID() || len(d.UID()) > 40 {
			t.Errorf("uid %q, want %q (at most 40 characters)", deref(dash.Uid), d.UID())
		}
		var vars []string
		for _, v := range dash.Templating.List {
			vars = append(vars, v.Name)
		}
		if want := []string{"datasource", "mode", "workload", "run"}; !slices.Equal(vars, want) {
			t.Errorf("variables %v, want %v", vars, want)
		}
		ids, titles := map[uint32]bool{}, map[string]bool{}
		panels := 0
		for _, p := range dash.Panels {
			if p.RowPanel != nil {
				ids[p.RowPanel.Id] = true
				continue
			}
			panels++
			pn := p.Panel
			title, id := deref(pn.Title), deref(pn.Id)
			if id == 0 || ids[id] {
				t.Errorf("panel %q: id %d is zero or taken", title, id)
			}
			ids[id] = true
			if title == "" || titles[title] {
				t.Errorf("panel title %q is empty or not unique", title)
			}
			titles[title] = true
			if len(deref(pn.Description)) < 100 {
				t.Errorf("panel %q: description %q is too short to say what the panel shows and how to read it", title, deref(pn.Description))
			}
			if pn.Datasource == nil || deref(pn.Datasource.Uid) != "${datasource}" {
				t.Errorf("panel %q: data source is not the datasource variable", title)
			}
			if len(pn.Targets) == 0 {
				t.Errorf("panel %q has no query", title)
			}
		}
		if panels == 0 {
			t.Error("no panels")
		}
	})
}

// sentinels stand for the variables when checking a query's selectors.
var sentinels = map[string]string{
	"mode": "@mode@", "workload": "@workload@", "run": "@run@",
	"__rate_interval": "1m", "__interval": "15s", "__range": "1h",
}

// Every query parses as PromQL once Grafana's variables are substituted, and
// every selector in it names a metric kraftbench exports and is narrowed by
// the mode, workload and run variables (a query may instead name a mode
// outright, to set the modes against each other).
func TestEveryQueryParses(t *testing.T) {
	exported := exportedNames(t)
	p := parser.NewParser(parser.Options{})
	forEachCommitted(t, func(t *testing.T, d Dashboard, dash dashboard.Dashboard) {
		qs, err := panelQueries(dash)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, annotationQueries(dash)...)
		vqs, err := variableQueries(dash)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			expr := substitute(q.expr, sentinels)
			if m := unresolved.FindString(expr); m != "" {
				t.Errorf("%s: variable %s left after substitution in %s", q, m, expr)
				continue
			}
			e, err := p.ParseExpr(expr)
			if err != nil {
				t.Errorf("%s: %v\n%s", q, err, expr)
				continue
			}
			n := 0
			parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
				if vs, ok := node.(*parser.VectorSelector); ok {
					n++
					checkSelector(t, q, vs.LabelMatchers, exported, true)
				}
				return nil
			})
			if n == 0 {
				t.Errorf("%s: no series selector in %s", q, expr)
			}
		}
		for _, q := range vqs {
			ms, err := p.ParseMetricSelector(substitute(q.expr, sentinels))
			if err != nil {
				t.Errorf("%s: selector %s: %v", q, q.expr, err)
				continue
			}
			checkSelector(t, q, ms, exported, false)
		}
	})
}

// checkSelector checks a selector's metric name (or name regexp) against the
// exported names and, for panel queries, its variable matchers.
func checkSelector(t *testing.T, q promQuery, ms []*labels.Matcher, exported map[string]bool, panel bool) {
	t.Helper()
	byName := map[string]*labels.Matcher{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	name := byName[labels.MetricName]
	switch {
	case name == nil:
		t.Errorf("%s: a selector names no metric", q)
	case name.Type == labels.MatchEqual && !exported[name.Value]:
		t.Errorf("%s: metric %s is not one kraftbench exports (metrics/otel.go)", q, name.Value)
	case name.Type == labels.MatchRegexp:
		n := 0
		for e := range exported {
			if name.Matches(e) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s: metric regexp %q matches nothing kraftbench exports", q, name.Value)
		}
	}
	if !panel {
		return
	}
	for _, v := range []string{"mode", "workload", "run"} {
		m := byName[v]
		ok := m != nil && m.Type == labels.MatchRegexp && m.Value == sentinels[v]
		if v == "mode" && m != nil && m.Type == labels.MatchEqual && (m.Value == "zk" || m.Value == "kraft") {
			ok = true
		}
		if !ok {
			t.Errorf("%s: a selector of %s is not narrowed by %s=~\"$%s\" (matchers %v)", q, name.Value, v, v, ms)
		}
	}
}

// exportedNames returns the metric names the real exporter serves once every
// instrument has a value: the names the dashboards may use.
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	e, err := metrics.NewExporter(context.Background(), metrics.ExporterOptions{Prometheus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	}()
	s := e.Sink(metrics.RunLabels{Mode: "kraft", Workload: "w", Provider: "local", Run: "r"})
	t0 := time.Now()
	s.Observe(metrics.Sample{Op: "create", Start: t0, End: t0.Add(time.Millisecond)})
	s.Observe(metrics.Sample{Op: "create", Start: t0, End: t0.Add(time.Millisecond), Err: kerr.NotController})
	s.Observe(metrics.Sample{Op: "phase_store_ready", Start: t0, End: t0.Add(time.Second)})
	s.FaultStarted("kill", "broker-1")
	s.SetNodeUsage("broker-1", 1, 1<<20, 1<<10)
	for _, m := range []metrics.Measure{
		{Name: metrics.MeasureFailover, Labels: map[string]string{"fault": "kill", "target": "controller", "measure": "unavailable"}, Value: 1},
		{Name: metrics.MeasureScale, Labels: map[string]string{"step": "create", "partitions": "1000"}, Value: 1},
		{Name: metrics.MeasureScaleMemory, Labels: map[string]string{"node": "broker-1", "partitions": "1000"}, Value: 1 << 20},
		{Name: metrics.MeasureMigrationPhase, Labels: map[string]string{"phase": "start", "partitions": "1000"}, Value: 1},
	} {
		s.ObserveMeasure(m)
	}
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^(kraftbench_[a-z_]+)[{ ]`).FindAllStringSubmatch(string(body), -1) {
		names[m[1]] = true
	}
	for _, want := range []string{opDuration + "_bucket", opErrors, phaseDur + "_count", faultActive, nodeCPU, nodeRSS, nodeNet,
		failoverDur + "_sum", scaleDur, scaleRSS, migrationDur} {
		if !names[want] {
			t.Errorf("the exporter serves no %s (it serves %v)", want, slices.Sorted(maps.Keys(names)))
		}
	}
	return names
}

func TestUnescapeHTML(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`"a \u003e 0 \u0026\u0026 b \u003c 1"`, `"a > 0 && b < 1"`},
		{`"\\u003e stays text"`, `"\\u003e stays text"`},
		{`"\"quoted\" \n"`, `"\"quoted\" \n"`},
		{`"\u00e9"`, `"\u00e9"`},
	} {
		if got := string(unescapeHTML([]byte(c.in))); got != c.want {
			t.Errorf("unescapeHTML(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestGetUnknownNamesTheChoices(t *testing.T) {
	_, err := Get("nope")
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "overview") {
		t.Errorf("Get(nope) = %v, want an error naming it and the choices", err)
	}
	if _, err := Get("overview"); err != nil {
		t.Error(err)
	}
}
