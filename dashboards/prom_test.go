package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/internal/provision"
	"github.com/kraftbench/kraftbench/internal/textutil"
)

// promServer is a real Prometheus (Debian's prometheus package) on loopback,
// scraping one target every second, with its storage in a test folder.
type promServer struct {
	base string // http://127.0.0.1:port
	log  string // its log file
}

// startPrometheus starts bin scraping target (host:port) and waits until it
// is ready; the test's cleanup stops it.
func startPrometheus(t *testing.T, bin, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: kraftbench
    static_configs:
      - targets: [%q]
`, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ports, err := provision.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	p := &promServer{base: fmt.Sprintf("http://127.0.0.1:%d", ports[0]), log: filepath.Join(dir, "prometheus.log")}
	logf, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), fmt.Sprintf("--web.listen-address=127.0.0.1:%d", ports[0]),
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited: %v\n%s", err, p.tail())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready after 30 s\n%s", p.tail())
		}
	}
}

func (p *promServer) tail() string {
	b, _ := os.ReadFile(p.log)
	return textutil.LastLines(string(b), 20)
}

// get calls the HTTP API and decodes its data into out.
func (p *promServer) get(ctx context.Context, path string, q url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s: %s: %w", path, body, err)
	}
	if env.Status != "success" {
		return fmt.Errorf("%s: %s", path, env.Error)
	}
	return json.Unmarshal(env.Data, out)
}

// promSeries is one series of a query result: its labels and values.
type promSeries struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"`  // instant: [time, "v"]
	Values [][]any           `json:"values"` // range: [[time, "v"], ...]
}

// nonZero reports whether the series has a finite value other than zero.
func (s promSeries) nonZero() bool {
	vals := s.Values
	if s.Value != nil {
		vals = append(vals, s.Value)
	}
	for _, v := range vals {
		if len(v) != 2 {
			continue
		}
		str, _ := v[1].(string)
		f, err := strconv.ParseFloat(str, 64)
		if err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && f != 0 {
			return true
		}
	}
	return false
}

func promTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

// query evaluates expr: at end for an instant query, else over [start, end]
// every step.
func (p *promServer) query(ctx context.Context, expr string, instant bool, start, end time.Time, step time.Duration) ([]promSeries, error) {
	var res struct {
		ResultType string       `json:"resultType"`
		Result     []promSeries `json:"result"`
	}
	q := url.Values{"query": {expr}}
	path := "/api/v1/query"
	if instant {
		q.Set("time", promTime(end))
	} else {
		path = "/api/v1/query_range"
		q.Set("start", promTime(start))
		q.Set("end", promTime(end))
		q.Set("step", strconv.FormatFloat(step.Seconds(), 'f', -1, 64))
	}
	if err := p.get(ctx, path, q, &res); err != nil {
		return nil, err
	}
	if res.ResultType != "vector" && res.ResultType != "matrix" {
		return nil, fmt.Errorf("result type %s, want a vector or a matrix", res.ResultType)
	}
	return res.Result, nil
}

// labelValues is what Grafana's label_values(selector, label) lists.
func (p *promServer) labelValues(ctx context.Context, selector, label string, start, end time.Time) ([]string, error) {
	var out []string
	q := url.Values{"match[]": {selector}, "start": {promTime(start)}, "end": {promTime(end)}}
	return out, p.get(ctx, "/api/v1/label/"+url.PathEscape(label)+"/values", q, &out)
}

// waitScrapedAfter waits until every target has been scraped after t, so the
// values at t are stored.
func (p *promServer) waitScrapedAfter(ctx context.Context, t time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		var res struct {
			ActiveTargets []struct {
				LastScrape time.Time `json:"lastScrape"`
				Health     string    `json:"health"`
				LastError  string    `json:"lastError"`
			} `json:"activeTargets"`
		}
		err := p.get(ctx, "/api/v1/targets", url.Values{"state": {"active"}}, &res)
		if err == nil && len(res.ActiveTargets) > 0 {
			done := true
			for _, a := range res.ActiveTargets {
				done = done && a.Health == "up" && a.LastScrape.After(t)
				if a.Health == "down" {
					err = fmt.Errorf("target down: %s", a.LastError)
				}
			}
			if done {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no scrape after %s: %v (last error %v)\n%s", t.Format(time.RFC3339Nano), ctx.Err(), err, p.tail())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// regexpAlt is the values as the alternation Grafana writes for several
// selected values of a multi-value variable.
func regexpAlt(values []string) string { return "(" + strings.Join(values, "|") + ")" }
