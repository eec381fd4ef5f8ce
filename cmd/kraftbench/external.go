package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/external"
	"github.com/kraftbench/kraftbench/workloads"
)

// externalFlags are bench's flags for a cluster kraftbench did not start.
type externalFlags struct {
	file   string
	dryRun bool
}

// runExternal runs (or, with --dry-run, plans) s on the cluster the cluster
// file describes: one mode, the file's or the cluster's own; faults the user
// named checked against the file's commands before anything runs.
func runExternal(cmd *cobra.Command, s workloads.Scenario, ext externalFlags, metricsAddr string, linger time.Duration) error {
	switch {
	case ext.file == "":
		return errors.New("--provider external needs --cluster FILE (docs/external.md)")
	case s.Provider != "" && s.Provider != cluster.ProviderExternal:
		return fmt.Errorf("--cluster is for the external provider, not %s", s.Provider)
	}
	s.Provider = cluster.ProviderExternal
	f, err := external.Load(ext.file)
	if err != nil {
		return err
	}
	plan, err := workloads.PlanOf(s.Workload, s.Params)
	if err != nil {
		return err
	}
	var asked error // faults named by the user that the file cannot carry out
	if _, named := s.Params["faults"]; named {
		asked = f.CheckFaults(plan.Faults)
	}
	if ext.dryRun {
		return errors.Join(writeExternalPlan(cmd, f, s, plan), asked)
	}
	if asked != nil {
		return fmt.Errorf("param faults: %w", asked)
	}
	if !cmd.Flags().Changed("modes") {
		ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
		mode, how, err := external.Detect(ctx, f)
		cancel()
		if err != nil {
			return fmt.Errorf("cluster file %s: %w", ext.file, err)
		}
		s.Modes = []cluster.Mode{mode}
		fmt.Fprintf(cmd.ErrOrStderr(), "kraftbench: external cluster: mode %s (%s)\n", mode, how)
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("invalid scenario:\n%w", err)
	}
	return runBenchOn(cmd, s, ext.file, metricsAddr, linger, false)
}

// writeExternalPlan prints what the run would do, connecting to nothing.
func writeExternalPlan(cmd *cobra.Command, f *external.File, s workloads.Scenario, plan workloads.Plan) error {
	p := external.Plan{Workload: s.Workload, Params: s.Params, Faults: plan.Faults, Repetitions: s.Repetitions, Topics: plan.Topics}
	var skipped []string
	for _, n := range plan.Needs {
		if n == cluster.NeedColdStart {
			p.ColdStart = true
		}
		if err := f.CanMeet(n); err != nil {
			skipped = append(skipped, err.Error())
		}
	}
	if len(skipped) > 0 {
		p.Skipped = strings.Join(skipped, "; ")
	}
	if s.Floor > 0 {
		if err := f.CanMeet(cluster.NeedStoreFloor); err != nil {
			p.Skipped = fmt.Sprintf("%s%s--floor %d not measured: %v", p.Skipped, sep(p.Skipped), s.Floor, err)
		}
	}
	if err := f.WritePlan(cmd.OutOrStdout(), p); err != nil {
		return err
	}
	_, err := fmt.Fprintf(cmd.OutOrStdout(), "results would go to %s\n", s.Output)
	return err
}

func sep(s string) string {
	if s == "" {
		return ""
	}
	return "; "
}
