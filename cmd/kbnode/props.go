package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/kraftbench/kraftbench/cluster/config"
	"github.com/spf13/cobra"
)

// configFlags are the flags every command that reads a node configuration takes.
type configFlags struct {
	file      string
	overrides []string
}

func (f *configFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.file, "config", "c", "", "server.properties file (Kafka property names)")
	cmd.Flags().StringArrayVar(&f.overrides, "override", nil, "key=value that overrides the file; may repeat (as kafka-server-start.sh --override)")
}

// load reads the file and the overrides and validates the result.
func (f *configFlags) load() (*config.Node, error) {
	p := config.NewProperties()
	if f.file != "" {
		fh, err := os.Open(f.file)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		p, err = config.ParseProperties(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.file, err)
		}
	}
	for _, o := range f.overrides {
		k, v, ok := strings.Cut(o, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--override %q: want key=value", o)
		}
		p.Set(strings.TrimSpace(k), v)
	}
	n, err := config.Load(p)
	if err != nil {
		src := f.file
		if src == "" {
			src = "configuration"
		}
		return nil, fmt.Errorf("invalid %s:\n%w", src, err)
	}
	return n, nil
}

func newPropertiesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "properties",
		Short: "List the properties kbnode understands, with Kafka's defaults",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, l := range config.Doc() {
				fmt.Fprintln(cmd.OutOrStdout(), l)
			}
			return nil
		},
	}
}
