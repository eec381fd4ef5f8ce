package dashboards

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/docker"
	"github.com/kraftbench/kraftbench/cluster/local"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/workloads"
)

// liveRows are the live test's table: a short scenario and the dashboards
// its runs must fill. To cover a dashboard whose workload lands later, add
// a small workloads/scenarios/dash-<name>.yaml and a row here; until a row
// covers it, a dashboard whose workload is registered fails the test.
var liveRows = []struct {
	scenario string // under workloads/scenarios
	proves   []string
}{
	{"dash-topics.yaml", []string{"overview", "resources"}},
	{"dash-errors.yaml", []string{"overview", "resources"}},
	{"dash-startup.yaml", []string{"startup", "overview", "resources"}},
	{"dash-failover.yaml", []string{"failover", "overview", "resources"}},
	{"dash-scale.yaml", []string{"scale", "resources"}},
	{"dash-migration.yaml", []string{"migration", "overview", "resources"}},
}

// liveStep is Prometheus's scrape interval and the query step here; Grafana
// would make $__rate_interval four scrape intervals.
const (
	liveStep     = time.Second
	rateInterval = "4s"
)

// The dashboards are proven against real data: a real Prometheus scrapes the
// bench's OpenTelemetry endpoint while each row's scenario runs both modes on
// real clusters, then every panel's queries, with the dashboard variables
// substituted as Grafana would (each mode in turn, the row's workload and
// runs), must return series with values for both modes, and every variable
// must list them. Grafana itself cannot be installed here; this is how the
// dashboards are shown to work.
func TestDashboardsShowLiveData(t *testing.T) {
	testbin.NeedIntegration(t, "real clusters and Prometheus")
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("prometheus is not installed (Debian package prometheus; scripts/install-deps.sh installs it). " +
				"With CI set this test fails instead of skipping.")
		}
		t.Fatal("CI is set and prometheus is not installed: scripts/install-deps.sh installs it")
	}
	kbnode, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	exp, err := metrics.NewExporter(ctx, metrics.ExporterOptions{Prometheus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if err := exp.Shutdown(sctx); err != nil {
			t.Error(err)
		}
	}()
	addr, err := exp.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	prom := startPrometheus(t, promBin, addr.String())

	dockerErr := docker.Check(ctx)
	if dockerErr != nil {
		t.Logf("no Docker engine answers (%v): scenarios without a provider run on the local provider, "+
			"which cannot measure network bytes, so the network panels stay unproven", dockerErr)
	}
	registered := workloads.Names()
	cov := newCoverage()
	ran := map[string]bool{}    // dashboards a row's runs were checked against
	failed := map[string]bool{} // dashboards a row could not run for (its error is reported)
	networkMeasured := false
	for _, row := range liveRows {
		s, err := workloads.LoadScenario(filepath.Join("..", "workloads", "scenarios", row.scenario))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(registered, s.Workload) {
			t.Logf("row %s skipped: workload %s is not registered", row.scenario, s.Workload)
			continue
		}
		if s.Provider == "" {
			s.Provider = "local"
			if dockerErr == nil {
				s.Provider = "docker"
			}
		}
		networkMeasured = networkMeasured || s.Provider == "docker"
		s.Output = t.TempDir()
		if err := s.Validate(); err != nil {
			t.Fatalf("%s: %v", row.scenario, err)
		}
		r := runLive(ctx, t, s, kbnode, exp)
		if r == nil {
			for _, name := range row.proves {
				failed[name] = true
			}
			continue
		}
		if err := prom.waitScrapedAfter(ctx, r.end); err != nil {
			t.Fatal(err)
		}
		for _, name := range row.proves {
			d, err := Get(name)
			if err != nil {
				t.Fatal(err)
			}
			ran[name] = true
			_, dash, err := loadCommitted(d)
			if err != nil {
				t.Fatal(err)
			}
			checkLive(ctx, t, prom, d, dash, r, cov)
		}
	}
	cov.report(t, registered, ran, failed, networkMeasured)
}

// liveRun is what one row's runs left for the checks.
type liveRun struct {
	scenario   string
	workload   string
	start, end time.Time
	runs       map[string][]string // mode -> run names
}

// runLive runs s through the bench's Runner with the exporter's sinks.
func runLive(ctx context.Context, t *testing.T, s workloads.Scenario, kbnode string, exp *metrics.Exporter) *liveRun {
	t.Helper()
	var progress strings.Builder
	var mu sync.Mutex
	r := &workloads.Runner{
		Provider: func(cluster.Spec) (cluster.Provider, error) {
			if s.Provider == "docker" {
				return docker.New(docker.Options{Logger: slog.New(slog.DiscardHandler)}), nil
			}
			return local.New(local.Options{Kbnode: kbnode, Dir: t.TempDir(), NoZKFsync: true}), nil
		},
		Progress: &lockedWriter{mu: &mu, b: &progress},
		RunSinks: func(l metrics.RunLabels) []metrics.Sink { return []metrics.Sink{exp.Sink(l)} },
	}
	start := time.Now()
	results, err := r.Run(ctx, s)
	end := time.Now()
	t.Logf("%s (%s provider): %d runs in %v", s.Name, s.Provider, len(results), end.Sub(start).Round(time.Millisecond))
	if err != nil {
		t.Errorf("%s: %v\nprogress:\n%s", s.Name, err, progress.String())
		return nil
	}
	lr := &liveRun{scenario: s.Name, workload: s.Workload, start: start, end: end, runs: map[string][]string{}}
	for _, res := range results {
		lr.runs[string(res.Mode)] = append(lr.runs[string(res.Mode)], res.BaseName())
		// A figure the run could not take has no series to show: say why
		// here rather than as a panel without data below.
		for _, m := range res.Measures {
			if !m.Measured() {
				t.Errorf("%s: %s: %s %v not measured: %s", s.Name, res.Mode, m.Name, m.Labels, m.NotMeasured)
			}
		}
	}
	return lr
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// checkLive queries every panel and variable of dash for each mode of r and
// records which returned data.
func checkLive(ctx context.Context, t *testing.T, prom *promServer, d Dashboard, dash dashboard.Dashboard, r *liveRun, cov *coverage) {
	t.Helper()
	qs, err := panelQueries(dash)
	if err != nil {
		t.Fatal(err)
	}
	qs = append(qs, annotationQueries(dash)...)
	vqs, err := variableQueries(dash)
	if err != nil {
		t.Fatal(err)
	}
	start, end := r.start.Add(-liveStep), r.end.Add(2*liveStep)
	rangeSecs := int(math.Ceil(end.Sub(start).Seconds()))
	for _, q := range qs {
		cov.want(d.Name, q)
	}
	for mode, runs := range r.runs {
		cov.expect(d.Name, mode)
		vars := map[string]string{"mode": mode, "workload": r.workload, "run": regexpAlt(runs),
			"__rate_interval": rateInterval, "__interval": liveStep.String(), "__range": fmt.Sprintf("%ds", rangeSecs)}
		for _, q := range qs {
			v := vars
			if !strings.Contains(q.expr, "$mode") {
				// A query that sets the modes against each other needs the
				// runs of both selected, as Run = All gives it in Grafana.
				v = maps.Clone(vars)
				v["run"] = regexpAlt(slices.Concat(slices.Collect(maps.Values(r.runs))...))
			}
			expr := substitute(q.expr, v)
			res, err := prom.query(ctx, expr, q.instant, start, end, liveStep)
			if err != nil {
				t.Errorf("%s: %s: %s: %v\n%s", d.Name, q, mode, err, expr)
				continue
			}
			data := false
			for _, s := range res {
				if m, ok := s.Metric["mode"]; ok && m != mode {
					t.Errorf("%s: %s with mode %s returned a %s series: %v", d.Name, q, mode, m, s.Metric)
				}
				data = data || s.nonZero()
			}
			if data {
				cov.covered(d.Name, q, mode, r.scenario)
			}
		}
		for _, q := range vqs {
			sel := substitute(q.expr, vars)
			got, err := prom.labelValues(ctx, sel, q.label, start, end)
			if err != nil {
				t.Errorf("%s: %s: %v", d.Name, q, err)
				continue
			}
			var want []string
			switch q.label {
			case "mode":
				want = []string{mode}
			case "workload":
				want = []string{r.workload}
			case "run":
				want = runs
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: %s (%s) lists %v, missing %s", d.Name, q, sel, got, w)
				}
			}
		}
	}
}

// coverage tracks, per dashboard query, the modes it returned data for, and
// per dashboard the modes its rows ran (both, unless a scenario runs one).
type coverage struct {
	order []string
	modes map[string]map[string]string // dashboard + query -> mode -> scenario
	dash  map[string]string            // key -> dashboard
	query map[string]promQuery
	ran   map[string]map[string]bool // dashboard -> modes
}

func newCoverage() *coverage {
	return &coverage{modes: map[string]map[string]string{}, dash: map[string]string{}, query: map[string]promQuery{},
		ran: map[string]map[string]bool{}}
}

func (c *coverage) expect(dash, mode string) {
	if c.ran[dash] == nil {
		c.ran[dash] = map[string]bool{}
	}
	c.ran[dash][mode] = true
}

func (c *coverage) want(dash string, q promQuery) {
	k := dash + ": " + q.String()
	if _, ok := c.modes[k]; !ok {
		c.order = append(c.order, k)
		c.modes[k], c.dash[k], c.query[k] = map[string]string{}, dash, q
	}
}

func (c *coverage) covered(dash string, q promQuery, mode, scenario string) {
	if m := c.modes[dash+": "+q.String()]; m[mode] == "" {
		m[mode] = scenario // the first row that showed it
	}
}

// report fails every query of a proven dashboard without data for both
// modes, and logs the dashboards no row could prove yet.
func (c *coverage) report(t *testing.T, registered []string, ran, failed map[string]bool, networkMeasured bool) {
	t.Helper()
	for _, d := range All() {
		if ran[d.Name] {
			continue
		}
		if failed[d.Name] {
			t.Errorf("dashboard %s: unproven, the scenario that feeds it failed (above)", d.Name)
			continue
		}
		missing := []string{}
		for _, w := range d.Feeds {
			if !slices.Contains(registered, w) {
				missing = append(missing, w)
			}
		}
		if len(d.Feeds) > 0 && len(missing) == len(d.Feeds) {
			t.Logf("uncovered: every panel of dashboard %s (workload %s not registered yet; add a "+
				"workloads/scenarios/dash-%s.yaml and a liveRows line when it is)", d.Name, strings.Join(d.Feeds, ", "), d.Name)
			continue
		}
		t.Errorf("dashboard %s: its workload is registered but no liveRows scenario proves it: "+
			"add a short workloads/scenarios/dash-%s.yaml and a liveRows line", d.Name, d.Name)
	}
	proven := map[string]int{}
	for _, k := range c.order {
		modes := slices.Sorted(maps.Keys(c.ran[c.dash[k]]))
		if len(c.modes[k]) == len(modes) {
			proven[c.dash[k]]++
		}
		for _, mode := range modes {
			if _, ok := c.modes[k][mode]; ok {
				continue
			}
			if strings.Contains(c.query[k].expr, nodeNet) && !networkMeasured {
				t.Logf("uncovered: %s for %s (network bytes need the docker provider)", k, mode)
				continue
			}
			t.Errorf("%s: no series with values for mode %s in any row", k, mode)
		}
	}
	for _, d := range All() {
		if ran[d.Name] {
			t.Logf("%s: %d queries returned data for every mode %v", d.Name, proven[d.Name], slices.Sorted(maps.Keys(c.ran[d.Name])))
		}
	}
}
