package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/fidelity"
	"github.com/kraftbench/kraftbench/kraftmode"
	"github.com/spf13/cobra"
)

// fidelityOptions are the flags of `kraftbench fidelity`.
type fidelityOptions struct {
	checks   []string
	kills    int
	samples  int
	versions []string
	seed     int64
	timeout  time.Duration
}

// fidelityCheck is one check `kraftbench fidelity` runs per kafka.version.
type fidelityCheck struct {
	name string
	help string // for --help: what is measured, Kafka's rule, its source
	run  func(ctx context.Context, r checkRun) ([]fidelity.Check, error)
}

// checkRun is what a check needs for one kafka.version.
type checkRun struct {
	dir      string // scratch directory, removed afterwards
	version  cluster.KafkaVersion
	opts     fidelityOptions
	progress io.Writer
}

// fidelityChecks lists every check, in the order they run.
func fidelityChecks() []fidelityCheck {
	return []fidelityCheck{
		{
			name: "election",
			run:  runElectionCheck,
			help: `kill -9 of the active controller, --kills times, on 3 controller-only
voters (the killed voter is restarted between kills): time until a
survivor is elected. Kafka 3.9: a voter stands
controller.quorum.fetch.timeout.ms (2 s) after its last fetch, which
came at most 500 ms before the kill; a split vote adds an election
timeout, U(1 s, 2 s) (KafkaRaftClient.java, QuorumState.java). Kafka
4.1: pre-vote (KIP-996), so the later voter wins at once. About 4 s a
kill.`,
		},
		{
			name: "linger",
			run:  runLingerChecks,
			help: `--samples lone CreateTopics (1 partition, RF 3), one after another, on
an idle quorum (3 voters, 3 brokers, no NoOpRecords), timed on the
active controller, at controller.quorum.append.linger.ms=25 and, for
contrast, 0. Kafka: the first append of a window starts the linger, the
batch drains when it expires and then commits (BatchAccumulator.java,
KafkaRaftClient.maybeAppendBatches, QuorumConfig.java): at least 25 ms
plus a commit; at 0, a commit. About 10 s.`,
		},
		{
			name: "visibility",
			run:  runVisibilityCheck,
			help: `--samples CreateTopics, each after a random pause of up to 500 ms, on 3
voters and 3 brokers at Kafka's defaults: time from the answer until
every broker serves the topic. Kafka 3.9: a parked broker fetch
completes only when the leader's log grows or its 500 ms max wait
expires (KafkaRaftClient.handleFetchRequest, fetchPurgatory), so the
news comes with the next append, on an idle quorum the NoOpRecord
appended every metadata.max.idle.interval.ms
(QuorumController.maybeScheduleNextWriteNoOpRecord): 0-525 ms, mean
about 260 ms. Kafka 4.1: parked fetches complete when the high watermark
advances (KAFKA-14145): about one round trip. About 1 s a sample at 3.9.`,
		},
	}
}

func newFidelityCmd() *cobra.Command {
	o := fidelityOptions{}
	checks := fidelityChecks()
	var names []string
	var help strings.Builder
	for _, c := range checks {
		names = append(names, c.name)
		fmt.Fprintf(&help, "  %-11s%s\n\n", c.name, strings.Join(wrap(c.help, 66), "\n             "))
	}
	cmd := &cobra.Command{
		Use:   "fidelity",
		Short: "Measure KRaft-mode behaviours against the windows Kafka's own rules give",
		Long: `fidelity runs kraftbench's distribution checks on local in-process KRaft
clusters (loopback TCP, Kafka's default timeouts, logs in a temporary
directory) and prints, for each check and each kafka.version, the measured
distribution (n, min, p50, p90, max, mean) against the window Kafka's rules
give, with the rule and its source. It fails when any distribution leaves
its window.

Checks (--checks):
` + help.String() + `The default run (20 kills, 20 samples, both versions) takes about 4 min.
Kafka source paths are in docs/fidelity.md, which lists every modelled rule.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runFidelity(cmd, o, checks) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.checks, "checks", names, "checks to run: "+strings.Join(names, ", "))
	f.IntVar(&o.kills, "kills", 20, "election: kill -9 of the active controller per kafka.version (1-200)")
	f.IntVar(&o.samples, "samples", 20, "linger, visibility: CreateTopics per check and kafka.version (1-200)")
	f.StringSliceVar(&o.versions, "kafka-version", []string{string(cluster.Kafka39), string(cluster.Kafka41)},
		"kafka.version profiles to measure")
	f.Int64Var(&o.seed, "seed", 1, "kraftbench.seed: the clusters', the kill timing's and the pauses' random source")
	f.DurationVar(&o.timeout, "timeout", 20*time.Minute, "bound on the whole run")
	return cmd
}

// wrap breaks s into lines of at most width bytes, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		line = strings.TrimPrefix(line+" "+w, " ")
	}
	return append(lines, line)
}

// selectChecks returns the checks o names, in fidelityChecks' order, and
// the kafka.version profiles to run them on, refusing anything unknown or
// out of bounds before any cluster starts.
func selectChecks(o fidelityOptions, all []fidelityCheck) ([]fidelityCheck, []cluster.KafkaVersion, error) {
	if o.kills < 1 || o.kills > 200 {
		return nil, nil, fmt.Errorf("--kills %d: want 1-200", o.kills)
	}
	if o.samples < 1 || o.samples > 200 {
		return nil, nil, fmt.Errorf("--samples %d: want 1-200", o.samples)
	}
	for _, name := range o.checks {
		if !slices.ContainsFunc(all, func(c fidelityCheck) bool { return c.name == name }) {
			return nil, nil, fmt.Errorf("--checks: unknown check %q", name)
		}
	}
	var picked []fidelityCheck
	for _, c := range all {
		if slices.Contains(o.checks, c.name) {
			picked = append(picked, c)
		}
	}
	if len(picked) == 0 {
		return nil, nil, errors.New("--checks: none given")
	}
	var versions []cluster.KafkaVersion
	for _, s := range o.versions {
		v, err := cluster.ParseKafkaVersion(s)
		if err != nil {
			return nil, nil, err
		}
		versions = append(versions, v)
	}
	return picked, versions, nil
}

// runFidelity runs the selected checks on each kafka.version and prints
// each result. A check that stops early prints what it measured; one that
// measured nothing ends the run.
func runFidelity(cmd *cobra.Command, o fidelityOptions, all []fidelityCheck) error {
	checks, versions, err := selectChecks(o, all)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	out := cmd.OutOrStdout()
	failed := 0
	for _, v := range versions {
		for _, fc := range checks {
			dir, err := os.MkdirTemp("", "kraftbench-fidelity-")
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s check, kafka.version=%s\n", fc.name, v)
			results, err := fc.run(ctx, checkRun{dir: dir, version: v, opts: o, progress: cmd.ErrOrStderr()})
			os.RemoveAll(dir)
			if err != nil && len(results) == 0 {
				return fmt.Errorf("%s check (kafka.version=%s): %w", fc.name, v, err)
			}
			for _, c := range results {
				c.Print(out)
				if !c.Pass() {
					failed++
				}
			}
			if err != nil {
				fmt.Fprintf(out, "  stopped early: %v\n", err)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d check(s) outside Kafka's window", failed)
	}
	return nil
}

func runElectionCheck(ctx context.Context, r checkRun) ([]fidelity.Check, error) {
	c, err := kraftmode.ElectionCheck(ctx, kraftmode.ElectionRun{Dir: r.dir, Kills: r.opts.kills,
		KafkaVersion: r.version, Seed: r.opts.seed, Progress: func(i int, d time.Duration) {
			fmt.Fprintf(r.progress, "  kill %d/%d: elected after %v\n", i+1, r.opts.kills, d.Round(time.Millisecond))
		}})
	if len(c.Samples) == 0 {
		return nil, err
	}
	return []fidelity.Check{c}, err
}

func (r checkRun) sampleRun() kraftmode.SampleRun {
	return kraftmode.SampleRun{Dir: r.dir, Samples: r.opts.samples, KafkaVersion: r.version, Seed: r.opts.seed}
}

func runLingerChecks(ctx context.Context, r checkRun) ([]fidelity.Check, error) {
	return kraftmode.LingerChecks(ctx, r.sampleRun())
}

func runVisibilityCheck(ctx context.Context, r checkRun) ([]fidelity.Check, error) {
	c, err := kraftmode.VisibilityCheck(ctx, r.sampleRun())
	if len(c.Samples) == 0 {
		return nil, err
	}
	return []fidelity.Check{c}, err
}
