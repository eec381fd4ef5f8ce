package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/providers"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/metrics/report"
	"github.com/kraftbench/kraftbench/workloads"
	"github.com/spf13/cobra"
)

func newBenchCmd() *cobra.Command {
	var file string
	var params []string
	var modes []string // parsed into the scenario's modes by applyBenchFlags
	var metricsAddr string
	var metricsLinger time.Duration
	var keepFiles bool
	var ext externalFlags
	ov := workloads.DefaultScenario()
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run a workload against ZooKeeper-mode and KRaft-mode clusters and compare them",
		Long: `Run one workload against a fresh cluster of each mode, write one result per
(workload, mode, run) to the output folder (<workload>-<mode>-<UTC time>.json,
.hlog, .bench.txt) and print p50/p99 side by side with the KRaft/ZK ratio.

A scenario file (YAML, see workloads/scenarios/) sets everything; flags given
explicitly override it. Ctrl-C stops the run, removes every cluster it started
and keeps the results gathered so far.

--provider external --cluster FILE runs the workload on a Kafka cluster
kraftbench did not start (real Apache Kafka in either mode, anywhere), as the
cluster file describes it (docs/external.md): its one mode, its topology, and
per node the shell commands that fault it. Topics the run creates carry a
prefix unique to the run and are deleted at the end and on Ctrl-C; no other
topic is touched. --dry-run prints the plan (the workload and its params, the
topics it would create, every command it could run with its timeout) and
connects to nothing.

Workloads: ` + strings.Join(workloads.Names(), ", ") + `

Examples:
  kraftbench bench                                   # topics, both modes, 3 brokers
  kraftbench bench --workload propagation --param iterations=100
  kraftbench bench --scenario workloads/scenarios/topics-open-loop.yaml
  kraftbench bench --provider external --cluster my-kafka.yaml --workload failover --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := workloads.DefaultScenario()
			if file != "" {
				var err error
				if s, err = workloads.LoadScenario(file); err != nil {
					return err
				}
			}
			if err := applyBenchFlags(cmd, &s, ov, modes, params); err != nil {
				return err
			}
			if ext.file != "" || s.Provider == cluster.ProviderExternal || ext.dryRun {
				return runExternal(cmd, s, ext, metricsAddr, metricsLinger)
			}
			if err := s.Validate(); err != nil {
				return fmt.Errorf("invalid scenario:\n%w", err)
			}
			if metricsLinger < 0 || metricsLinger > time.Hour || (metricsLinger > 0 && metricsAddr == "") {
				return fmt.Errorf("--metrics-linger %v: want 0 to 1h, with --metrics-addr", metricsLinger)
			}
			return runBench(cmd, s, metricsAddr, metricsLinger, keepFiles)
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "scenario", "", "scenario YAML file")
	f.StringSliceVar(&modes, "modes", []string{string(cluster.ModeZK), string(cluster.ModeKRaft)}, "modes to run, in order: zk, kraft")
	f.StringVar(&ov.Provider, "provider", "", "local, docker or external (default: docker where an engine answers, else local)")
	f.StringVar(&ext.file, "cluster", "", "cluster file (YAML) of the cluster to run on: implies --provider external (docs/external.md)")
	f.BoolVar(&ext.dryRun, "dry-run", false, "with --cluster: print the plan (workload, params, topics, every fault command and timeout) and exit; connects to nothing")
	f.StringVar(&ov.Workload, "workload", ov.Workload, "workload to run")
	f.StringArrayVar(&params, "param", nil, "workload parameter key=value; may repeat")
	f.IntVar(&ov.Topology.Brokers, "brokers", ov.Topology.Brokers, "brokers")
	f.IntVar(&ov.Topology.Controllers, "controllers", ov.Topology.Controllers, "KRaft controllers")
	f.IntVar(&ov.Topology.ZKServers, "zk-servers", ov.Topology.ZKServers, "ZooKeeper servers")
	f.BoolVar(&ov.Topology.Combined, "combined", false, "KRaft controllers inside brokers")
	f.IntVar(&ov.Topology.ZKHeapMB, "zk-heap-mb", 0, "each ZooKeeper server's -Xmx in MiB (0: 512 locally as Kafka's zookeeper-server-start.sh, 1000 in containers); a million partitions need more")
	f.IntVar(&ov.Repetitions, "repetitions", ov.Repetitions, "runs per mode")
	f.DurationVar((*time.Duration)(&ov.Warmup), "warmup", 0, "exclude samples that start within this long")
	f.Int64Var(&ov.Seed, "seed", ov.Seed, "seed for placement, ids and workload randomness")
	f.StringVar(&ov.Profile, "profile", ov.Profile, "timeouts: kafka-defaults or tuned")
	f.StringVar((*string)(&ov.KafkaVersion), "kafka-version", "", "Kafka release the modes model: 3.9 (default, both modes) or 4.1 (KRaft only)")
	f.StringVarP(&ov.Output, "output", "o", ov.Output, "results folder")
	f.BoolVar(&keepFiles, "keep-files", false, "local provider: keep every run's directory (node configs, logs, data) after the run and print where, instead of removing it: to read a node's log after a failure, or where the filesystem is thrown away whole (make bench-scale-1m: removing 2M replica logs one by one took 20 min)")
	f.IntVar(&ov.Floor, "floor", 0, "also measure this many samples of the store's floor (bare ZooKeeper create / Raft commit)")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve OpenTelemetry metrics for Prometheus at http://<host:port>/metrics until exit\n(OTLP push is on when OTEL_EXPORTER_OTLP_ENDPOINT is set)")
	f.DurationVar(&metricsLinger, "metrics-linger", 0, "keep serving --metrics-addr this long after the runs, so a Prometheus scrape gets the last values (e.g. 2x its scrape interval)")
	return cmd
}

// applyBenchFlags copies the flags the user set onto the scenario.
func applyBenchFlags(cmd *cobra.Command, s *workloads.Scenario, ov workloads.Scenario, modes, params []string) error {
	set := func(name string) bool { return cmd.Flags().Changed(name) }
	if set("modes") {
		s.Modes = nil
		for _, m := range modes {
			mode, err := cluster.ParseMode(m)
			if err != nil {
				return fmt.Errorf("--modes: %w", err)
			}
			s.Modes = append(s.Modes, mode)
		}
	}
	if set("provider") {
		s.Provider = ov.Provider
	}
	if set("workload") && ov.Workload != s.Workload {
		s.Workload, s.Params = ov.Workload, workloads.Params{}
	}
	for _, kv := range params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--param %q: want key=value", kv)
		}
		s.Params[k] = v
	}
	ints := map[string]*[2]*int{
		"brokers": {&s.Topology.Brokers, &ov.Topology.Brokers}, "controllers": {&s.Topology.Controllers, &ov.Topology.Controllers},
		"zk-servers": {&s.Topology.ZKServers, &ov.Topology.ZKServers}, "repetitions": {&s.Repetitions, &ov.Repetitions},
		"zk-heap-mb": {&s.Topology.ZKHeapMB, &ov.Topology.ZKHeapMB},
	}
	for name, p := range ints {
		if set(name) {
			*p[0] = *p[1]
		}
	}
	if set("combined") {
		s.Topology.Combined = ov.Topology.Combined
	}
	if set("warmup") {
		s.Warmup = ov.Warmup
	}
	if set("seed") {
		s.Seed = ov.Seed
	}
	if set("profile") {
		s.Profile = ov.Profile
	}
	if set("kafka-version") {
		s.KafkaVersion = ov.KafkaVersion
	}
	if set("floor") {
		s.Floor = ov.Floor
	}
	if set("output") {
		s.Output = ov.Output
	}
	return nil
}

func runBench(cmd *cobra.Command, s workloads.Scenario, metricsAddr string, linger time.Duration, keepFiles bool) error {
	return runBenchOn(cmd, s, "", metricsAddr, linger, keepFiles)
}

// runBenchOn runs s; clusterFile is the external provider's cluster file;
// keepFiles keeps the run directories.
func runBenchOn(cmd *cobra.Command, s workloads.Scenario, clusterFile, metricsAddr string, linger time.Duration, keepFiles bool) error {
	began := time.Now()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	exp, stopTelemetry, err := startTelemetry(cmd, metricsAddr)
	if err != nil {
		return err
	}
	defer stopTelemetry()
	name, why := providers.Choose(ctx, s.Provider)
	fmt.Fprintln(cmd.ErrOrStderr(), "kraftbench:", why)
	root, err := os.MkdirTemp("", "kraftbench-bench-")
	if err != nil {
		return err
	}
	if keepFiles {
		defer fmt.Fprintln(cmd.ErrOrStderr(), "kraftbench: run directories kept (--keep-files) under", root)
	} else {
		defer os.RemoveAll(root)
	}
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := &workloads.Runner{
		Provider: func(cluster.Spec) (cluster.Provider, error) {
			return providers.New(name, providers.Options{Dir: root, Logger: log, ClusterFile: clusterFile, KeepFiles: keepFiles})
		},
		Progress: cmd.ErrOrStderr(), Log: log,
	}
	if exp != nil {
		r.RunSinks = func(l metrics.RunLabels) []metrics.Sink { return []metrics.Sink{exp.Sink(l)} }
	}
	if f, ok := cmd.ErrOrStderr().(*os.File); ok && isTerminal(f) {
		tp := newTermProgress(f)
		r.Progress, r.Meter = tp, tp
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "kraftbench: %s on %v, %d repetition(s), seed %d, profile %s, kafka.version %s\n",
		s.Workload, s.Modes, s.Repetitions, s.Seed, s.Profile, s.KafkaVersion.OrDefault())
	results, runErr := r.Run(ctx, s)
	if len(results) > 0 {
		fmt.Fprintln(cmd.OutOrStdout())
		if err := report.WriteSummary(cmd.OutOrStdout(), results); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "\n%d result file(s) in %s\n", len(results), s.Output)
		writeWallTime(cmd.OutOrStdout(), results, time.Since(began))
		for _, r := range results {
			if r.Skipped != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "%s on %s: skipped: %s\n", r.Workload, r.Mode, r.Skipped)
			}
		}
	}
	if runErr != nil && ctx.Err() != nil {
		return fmt.Errorf("interrupted; clusters removed, %d result(s) kept in %s", len(results), s.Output)
	}
	if linger > 0 && exp != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "kraftbench: serving the final metrics for %v more (Ctrl-C to stop)\n", linger)
		select {
		case <-time.After(linger):
		case <-ctx.Done():
		}
	}
	return runErr
}

// startTelemetry starts the OpenTelemetry exporter when --metrics-addr or
// OTEL_EXPORTER_OTLP_ENDPOINT asks for one (nil otherwise). The returned stop
// pushes the last OTLP export and stops serving; call it as the command exits.
func startTelemetry(cmd *cobra.Command, addr string) (*metrics.Exporter, func(), error) {
	otlp := metrics.OTLPConfigured()
	if addr == "" && !otlp {
		return nil, func() {}, nil
	}
	e, err := metrics.NewExporter(cmd.Context(), metrics.ExporterOptions{Prometheus: addr != "", OTLP: otlp})
	if err != nil {
		return nil, nil, fmt.Errorf("metrics export: %w", err)
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), "kraftbench: metrics export:", err)
		}
	}
	if addr != "" {
		a, err := e.Serve(addr)
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "kraftbench: serving metrics on http://%s/metrics\n", a)
	}
	if otlp {
		fmt.Fprintln(cmd.ErrOrStderr(), "kraftbench: pushing metrics over OTLP/HTTP (OTEL_EXPORTER_OTLP_* settings)")
	}
	return e, stop, nil
}
