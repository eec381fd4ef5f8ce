package dashboards

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The compose stack cannot be started here (no image registry), so its
// files are checked against each other: what one names, the other provides.

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		Environment map[string]string `yaml:"environment"`
	} `yaml:"services"`
}

func readYAML(t *testing.T, file string, out any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// mounts maps a service's container paths to host paths (bind mounts only).
func mounts(t *testing.T, vols []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range vols {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || !strings.HasPrefix(parts[0], "./") {
			continue // a named volume
		}
		if _, err := os.Stat(parts[0]); err != nil {
			t.Errorf("compose.yaml mounts %s: %v", parts[0], err)
		}
		out[parts[1]] = parts[0]
	}
	return out
}

func TestComposeStackFilesAgree(t *testing.T) {
	var c composeFile
	readYAML(t, "compose.yaml", &c)
	for _, name := range []string{"otel-collector", "prometheus", "grafana"} {
		s, ok := c.Services[name]
		if !ok {
			t.Fatalf("compose.yaml has no %s service", name)
		}
		if !strings.Contains(s.Image, ":") || strings.HasSuffix(s.Image, ":latest") {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s publishes %s beyond loopback", name, p)
			}
		}
	}
	// Each service reads the config file mounted where its command says.
	col, prom, graf := c.Services["otel-collector"], c.Services["prometheus"], c.Services["grafana"]
	colCfg := mounts(t, col.Volumes)[strings.TrimPrefix(col.Command[0], "--config=")]
	promCfg := mounts(t, prom.Volumes)[strings.TrimPrefix(prom.Command[0], "--config.file=")]
	if colCfg != "./otel-collector.yaml" || promCfg != "./prometheus.yml" {
		t.Fatalf("collector reads %q, prometheus %q: want ./otel-collector.yaml and ./prometheus.yml mounted where their commands look", colCfg, promCfg)
	}
	gm := mounts(t, graf.Volumes)
	if gm["/etc/grafana/provisioning"] != "./provisioning" {
		t.Errorf("grafana: ./provisioning is not mounted at /etc/grafana/provisioning (%v)", gm)
	}

	// Collector: OTLP/HTTP in on the published 4318, a Prometheus endpoint out.
	var oc struct {
		Receivers struct {
			OTLP struct {
				Protocols struct {
					HTTP struct{ Endpoint string } `yaml:"http"`
				} `yaml:"protocols"`
			} `yaml:"otlp"`
		} `yaml:"receivers"`
		Exporters struct {
			Prometheus struct{ Endpoint string } `yaml:"prometheus"`
		} `yaml:"exporters"`
		Service struct {
			Pipelines map[string]struct{ Receivers, Exporters []string } `yaml:"pipelines"`
		} `yaml:"service"`
	}
	readYAML(t, colCfg, &oc)
	if !strings.HasSuffix(oc.Receivers.OTLP.Protocols.HTTP.Endpoint, ":4318") || !slices.Contains(col.Ports, "127.0.0.1:4318:4318") {
		t.Errorf("collector: OTLP/HTTP endpoint %q, ports %v: want :4318 published on 127.0.0.1", oc.Receivers.OTLP.Protocols.HTTP.Endpoint, col.Ports)
	}
	pl := oc.Service.Pipelines["metrics"]
	if !slices.Contains(pl.Receivers, "otlp") || !slices.Contains(pl.Exporters, "prometheus") {
		t.Errorf("collector: metrics pipeline %+v, want otlp in and prometheus out", pl)
	}
	exporterPort := oc.Exporters.Prometheus.Endpoint[strings.LastIndex(oc.Exporters.Prometheus.Endpoint, ":"):]

	// Prometheus scrapes the collector's exporter.
	var pc struct {
		Global struct {
			ScrapeInterval string `yaml:"scrape_interval"`
		} `yaml:"global"`
		ScrapeConfigs []struct {
			StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, promCfg, &pc)
	var targets []string
	for _, sc := range pc.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	if !slices.Contains(targets, "otel-collector"+exporterPort) {
		t.Errorf("prometheus targets %v lack the collector's exporter otel-collector%s", targets, exporterPort)
	}

	// Grafana: the data source is the stack's Prometheus with its scrape
	// interval, and the dashboards provider reads the mounted ./json.
	var ds struct {
		Datasources []struct {
			Type, URL string
			IsDefault bool `yaml:"isDefault"`
			JSONData  struct {
				TimeInterval string `yaml:"timeInterval"`
			} `yaml:"jsonData"`
		}
	}
	readYAML(t, "provisioning/datasources/prometheus.yaml", &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || ds.Datasources[0].URL != "http://prometheus:9090" ||
		!ds.Datasources[0].IsDefault || ds.Datasources[0].JSONData.TimeInterval != pc.Global.ScrapeInterval {
		t.Errorf("grafana data sources %+v: want the default prometheus at http://prometheus:9090 with timeInterval %s", ds.Datasources, pc.Global.ScrapeInterval)
	}
	var dp struct {
		Providers []struct {
			Type    string
			Options struct{ Path string }
		}
	}
	readYAML(t, "provisioning/dashboards/kraftbench.yaml", &dp)
	if len(dp.Providers) != 1 || dp.Providers[0].Type != "file" || gm[dp.Providers[0].Options.Path] != "./"+jsonDir {
		t.Errorf("grafana dashboards provider %+v does not read the mounted ./%s (mounts %v)", dp.Providers, jsonDir, gm)
	}
	home := graf.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
	if dir, file := path.Split(home); gm[strings.TrimSuffix(dir, "/")] != "./"+jsonDir {
		t.Errorf("grafana's home dashboard %q is not in the mounted ./%s", home, jsonDir)
	} else if _, err := os.Stat(filepath.Join(jsonDir, file)); err != nil {
		t.Errorf("grafana's home dashboard: %v", err)
	}

	// Prometheus's own check of its config, where promtool is installed.
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set and promtool (Debian package prometheus) is not installed: scripts/install-deps.sh installs it")
		}
		t.Logf("promtool not installed: prometheus.yml's syntax not checked by Prometheus")
		return
	}
	if out, err := exec.Command(promtool, "check", "config", filepath.Clean(promCfg)).CombinedOutput(); err != nil {
		t.Errorf("promtool check config %s: %v\n%s", promCfg, err, out)
	}
}
