package dashboards

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// Helpers the tests share: the committed dashboards, read back with the
// SDK's strict unmarshal, and every PromQL query in them.

// jsonDir is where `make dashboards` writes the dashboards.
const jsonDir = "json"

var registerPlugins sync.Once

// loadCommitted reads dashboards/json/<name>.json strictly: unknown fields,
// wrong types and missing required fields are errors.
func loadCommitted(d Dashboard) ([]byte, dashboard.Dashboard, error) {
	registerPlugins.Do(plugins.RegisterDefaultPlugins) // panel options and queries decode to their types
	var out dashboard.Dashboard
	raw, err := os.ReadFile(filepath.Join(jsonDir, d.FileName()))
	if err != nil {
		return nil, out, err
	}
	// The strict unmarshal finds every error, but in v0.0.22 a panel without
	// errors returns an empty error list as a non-nil error (a typed nil),
	// which makes its caller return before keeping the panel: use it to
	// check, and the ordinary unmarshal to read.
	var strict dashboard.Dashboard
	if err := sdkError(strict.UnmarshalJSONStrict(raw)); err != nil {
		return raw, out, fmt.Errorf("strict unmarshal: %w", err)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return raw, out, err
	}
	return raw, out, nil
}

// sdkError is err, or nil for an empty cog.BuildErrors (the SDK's typed nil:
// no error).
func sdkError(err error) error {
	var be cog.BuildErrors
	if errors.As(err, &be) && len(be) == 0 {
		return nil
	}
	return err
}

// promQuery is one PromQL expression of a dashboard: a panel's target, an
// annotation's, or a variable's label_values selector.
type promQuery struct {
	panel   string // panel title, "annotation <name>" or "variable <name>"
	ref     string
	expr    string
	instant bool
	// label is set for a variable: its query is label_values(expr, label).
	label string
}

func (q promQuery) String() string {
	if q.ref == "" {
		return q.panel
	}
	return q.panel + " [" + q.ref + "]"
}

// panelQueries returns every panel target of d, in panel order. A target
// that is not a Prometheus query is an error.
func panelQueries(d dashboard.Dashboard) ([]promQuery, error) {
	var out []promQuery
	for _, p := range d.Panels {
		if p.Panel == nil {
			continue
		}
		title := deref(p.Panel.Title)
		for _, t := range p.Panel.Targets {
			q, ok := t.(*prometheus.Dataquery)
			if !ok {
				return nil, fmt.Errorf("panel %q: target %T is not a Prometheus query", title, t)
			}
			out = append(out, promQuery{panel: title, ref: deref(q.RefId), expr: q.Expr, instant: deref(q.Instant)})
		}
	}
	return out, nil
}

// annotationQueries returns the Prometheus annotations' expressions.
func annotationQueries(d dashboard.Dashboard) []promQuery {
	var out []promQuery
	for _, a := range d.Annotations.List {
		if a.Expr != nil {
			out = append(out, promQuery{panel: "annotation " + a.Name, expr: *a.Expr})
		}
	}
	return out
}

var labelValuesRE = regexp.MustCompile(`^label_values\((.+), *([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// variableQueries returns each query variable's label_values selector.
func variableQueries(d dashboard.Dashboard) ([]promQuery, error) {
	var out []promQuery
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		if v.Query == nil || v.Query.String == nil {
			return nil, fmt.Errorf("variable %s: no query string", v.Name)
		}
		m := labelValuesRE.FindStringSubmatch(*v.Query.String)
		if m == nil {
			return nil, fmt.Errorf("variable %s: query %q is not label_values(selector, label)", v.Name, *v.Query.String)
		}
		out = append(out, promQuery{panel: "variable " + v.Name, expr: m[1], label: m[2]})
	}
	return out, nil
}

// substitute replaces Grafana's variables in a query as Grafana would for
// the given values: vars maps a name (mode, workload, run, __range...) to
// what replaces $name.
func substitute(expr string, vars map[string]string) string {
	var pairs []string
	for _, name := range []string{"__rate_interval", "__interval", "__range", "workload", "mode", "run"} {
		if v, ok := vars[name]; ok {
			pairs = append(pairs, "$"+name, v)
		}
	}
	return strings.NewReplacer(pairs...).Replace(expr)
}

// unresolved finds a Grafana variable left in a substituted query.
var unresolved = regexp.MustCompile(`\$\{?[a-zA-Z_]+`)

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// forEachCommitted runs f on each committed dashboard, read strictly.
func forEachCommitted(t *testing.T, f func(t *testing.T, d Dashboard, dash dashboard.Dashboard)) {
	t.Helper()
	for _, d := range All() {
		t.Run(d.Name, func(t *testing.T) {
			_, dash, err := loadCommitted(d)
			if err != nil {
				t.Fatalf("%s: %v", filepath.Join("dashboards", jsonDir, d.FileName()), err)
			}
			f(t, d, dash)
		})
	}
}
