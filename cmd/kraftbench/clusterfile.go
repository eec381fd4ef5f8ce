package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/external"
)

// newClusterFileCmd prints a cluster file (docs/external.md) for a cluster
// `kraftbench cluster up` started, whose fault commands call this binary's
// `cluster fault`: the same cluster can then be run through the external
// provider, which sees it only through the Kafka protocol and those
// commands, as it sees any Kafka. That is how the model-against-external
// table can be checked on a cluster whose answer is known.
func newClusterFileCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "file",
		Short: "Print a cluster file for the external provider describing a running cluster",
		Long: `Print a cluster file (see docs/external.md) that describes a running cluster
started by 'kraftbench cluster up', with fault commands that call this
kraftbench's 'cluster fault' and 'cluster fault heal'. The mode is left out, to
be detected from the cluster's answers. Write it to a file and pass it to
'kraftbench bench --cluster FILE'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := control(cmd.Context(), name, http.MethodGet, "/status", nil)
			if err != nil {
				return err
			}
			var out struct {
				State runState `json:"state"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				return fmt.Errorf("cluster %s: status: %w", name, err)
			}
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			if bin, err = filepath.Abs(bin); err != nil {
				return err
			}
			home, err := stateRoot()
			if err != nil {
				return err
			}
			text := clusterFileText(out.State, bin, home)
			if _, err := external.Parse([]byte(text)); err != nil {
				return fmt.Errorf("the cluster file made for %s does not parse (a bug): %w", name, err)
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), text)
			return err
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "cluster name (required)")
	cmd.MarkFlagRequired("name")
	return cmd
}

// clusterFileText is the cluster file of st, its faults calling bin with
// KRAFTBENCH_HOME=home.
func clusterFileText(st runState, bin, home string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s, started by kraftbench cluster up (provider %s), described for the external provider.\n", st.Spec.Name, st.Provider)
	fmt.Fprintf(&b, "name: %s\n", st.Spec.Name)
	fmt.Fprintf(&b, "kafka_version: %q\n", string(cluster.KafkaVersion(st.Spec.KafkaVersion).OrDefault()))
	fmt.Fprintf(&b, "command_timeout: 2m\n")
	fmt.Fprintf(&b, "bootstrap: [%s]\n", strings.Join(st.Bootstrap, ", "))
	var zks []string
	for _, n := range st.Nodes {
		if n.Kind == "zookeeper" {
			zks = append(zks, n.Addr)
		}
	}
	if len(zks) > 0 { // ZooKeeper mode: where /controller and its epoch are
		fmt.Fprintf(&b, "zookeeper.connect: %s\n", strings.Join(zks, ","))
	}
	fmt.Fprintf(&b, "nodes:\n")
	fault := func(kind string, id int32) string {
		return fmt.Sprintf("%q", fmt.Sprintf("KRAFTBENCH_HOME='%s' '%s' cluster fault %s --name %s --node %d", home, bin, kind, st.Spec.Name, id))
	}
	kinds := []string{"kill", "stop", "pause"}
	if st.Provider == "docker" { // the local provider cannot partition a process
		kinds = append(kinds, "partition")
	}
	for _, n := range st.Nodes {
		if n.Kind != "node" {
			continue // ZooKeeper servers are not Kafka nodes
		}
		var roles []string
		for _, r := range n.Roles {
			roles = append(roles, string(r))
		}
		fmt.Fprintf(&b, "  - id: %d\n    roles: [%s]\n    addr: %s\n    faults:\n", n.ID, strings.Join(roles, ", "), n.Addr)
		for _, k := range kinds {
			fmt.Fprintf(&b, "      %s: %s\n", k, fault(k, n.ID))
		}
		undo := []string{"start", "resume"}
		if slices.Contains(kinds, "partition") {
			undo = append(undo, "heal")
		}
		for _, u := range undo {
			fmt.Fprintf(&b, "      %s: %s\n", u, fault("heal", n.ID))
		}
	}
	return b.String()
}
