package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/kraftbench/kraftbench/dashboards"
	"github.com/spf13/cobra"
)

func newDashboardsCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "dashboards [NAME...]",
		Short: "Print or write the Grafana dashboards, for import into an existing Grafana",
		Long: `Print or write kraftbench's Grafana dashboards (JSON, generated from Go with the
Grafana Foundation SDK; the same files as dashboards/json in the repository).

Without --out and without a name, list the dashboards. With one name, print that
dashboard to stdout (Grafana: Dashboards > New > Import, paste it). With --out
DIR, write the named dashboards, or all of them, to DIR/<name>.json.

Every dashboard asks for a Prometheus data source (its datasource variable) that
scrapes kraftbench: 'kraftbench bench --metrics-addr' or an OpenTelemetry
collector fed over OTLP (see dashboards/README.md).

Dashboards: ` + strings.Join(dashboards.Names(), ", ") + `

Examples:
  kraftbench dashboards                        # list them
  kraftbench dashboards overview > overview.json
  kraftbench dashboards --out /var/lib/grafana/dashboards`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var ds []dashboards.Dashboard
			for _, name := range args {
				d, err := dashboards.Get(name)
				if err != nil {
					return err
				}
				ds = append(ds, d)
			}
			switch {
			case out != "":
				if len(ds) == 0 {
					ds = dashboards.All()
				}
				return writeDashboards(cmd, out, ds)
			case len(ds) == 0:
				return listDashboards(cmd)
			case len(ds) > 1:
				return fmt.Errorf("%d dashboards named: print one at a time, or write them with --out DIR", len(ds))
			}
			b, err := ds[0].JSON()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write <name>.json files into this folder (created if missing)")
	return cmd
}

func listDashboards(cmd *cobra.Command) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tUID\tSHOWS")
	for _, d := range dashboards.All() {
		fmt.Fprintf(w, "%s\t%s\t%s\n", d.Name, d.UID(), d.About)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(cmd.OutOrStdout(), "\nkraftbench dashboards NAME prints one; --out DIR writes them.")
	return err
}

func writeDashboards(cmd *cobra.Command, dir string, ds []dashboards.Dashboard) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	for _, d := range ds {
		b, err := d.JSON()
		if err != nil {
			return err
		}
		path := filepath.Join(dir, d.FileName())
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return fmt.Errorf("--out %s: %w", dir, err)
		}
		fmt.Fprintln(cmd.ErrOrStderr(), "kraftbench: wrote", path)
	}
	return nil
}
