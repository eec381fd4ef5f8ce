package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/kraftmode"
	"github.com/spf13/cobra"
)

// fidelityOptions are the flags of `kraftbench fidelity`.
type fidelityOptions struct {
	kills    int
	versions []string
	seed     int64
	timeout  time.Duration
}

func newFidelityCmd() *cobra.Command {
	o := fidelityOptions{}
	cmd := &cobra.Command{
		Use:   "fidelity",
		Short: "Measure KRaft-mode behaviours against the windows Kafka's own rules give",
		Long: `fidelity runs kraftbench's distribution checks on a local in-process quorum
(three controller-only voters on loopback TCP, Kafka's default timeouts, logs in
a temporary directory) and prints, for each check and each kafka.version, the
measured distribution (n, min, p50, p90, max) against the window Kafka's rules
give, with the rule and its source.

Checks:
  election   kill -9 of the active controller, --kills times (the killed voter
             is restarted between kills): time until a survivor is elected.
             Kafka 3.9: a voter stands controller.quorum.fetch.timeout.ms (2 s)
             after its last fetch, which came at most 500 ms before the kill;
             a split vote adds an election timeout, U(1 s, 2 s). Kafka 4.1:
             pre-vote (KIP-996), so the later voter wins at once.

Each kill takes about 3-5 s; the default 20 kills per version take about
1.5 min per version. docs/fidelity.md lists every modelled rule.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runFidelity(cmd, o) },
	}
	f := cmd.Flags()
	f.IntVar(&o.kills, "kills", 20, "kill -9 of the active controller per kafka.version (1-200)")
	f.StringSliceVar(&o.versions, "kafka-version", []string{string(cluster.Kafka39), string(cluster.Kafka41)},
		"kafka.version profiles to measure")
	f.Int64Var(&o.seed, "seed", 1, "kraftbench.seed: the quorum's and the kill timing's random source")
	f.DurationVar(&o.timeout, "timeout", 20*time.Minute, "bound on the whole run")
	return cmd
}

func runFidelity(cmd *cobra.Command, o fidelityOptions) error {
	if o.kills < 1 || o.kills > 200 {
		return fmt.Errorf("--kills %d: want 1-200", o.kills)
	}
	var versions []cluster.KafkaVersion
	for _, s := range o.versions {
		v, err := cluster.ParseKafkaVersion(s)
		if err != nil {
			return err
		}
		versions = append(versions, v)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	out := cmd.OutOrStdout()
	failed := 0
	for _, v := range versions {
		dir, err := os.MkdirTemp("", "kraftbench-fidelity-")
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "election check, kafka.version=%s: %d kills\n", v, o.kills)
		c, err := kraftmode.ElectionCheck(ctx, kraftmode.ElectionRun{Dir: dir, Kills: o.kills, KafkaVersion: v,
			Seed: o.seed, Progress: func(i int, d time.Duration) {
				fmt.Fprintf(cmd.ErrOrStderr(), "  kill %d/%d: elected after %v\n", i+1, o.kills, d.Round(time.Millisecond))
			}})
		os.RemoveAll(dir)
		if err != nil && len(c.Samples) == 0 {
			return fmt.Errorf("election check (kafka.version=%s): %w", v, err)
		}
		c.Print(out)
		if err != nil {
			fmt.Fprintf(out, "  stopped early: %v\n", err)
		}
		if !c.Pass() {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d check(s) outside Kafka's window", failed)
	}
	return nil
}
