// Command kraftbench benchmarks Kafka's two metadata control planes, the
// ZooKeeper-backed controller and the Raft-backed KRaft controller, on
// clusters it starts itself, and reports the difference with its uncertainty.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "kraftbench:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "kraftbench",
		Short: "Benchmark Kafka's ZooKeeper and KRaft metadata control planes side by side",
		Long: `kraftbench compares Apache Kafka's two metadata control planes, the
ZooKeeper-backed controller (Kafka <= 3.9) and the Raft-backed KRaft controller
(Kafka >= 3.3), built behind one interface so that the architecture is the only
variable: same brokers, same placement, same workloads, same faults.

Every node speaks the Kafka protocol (ApiVersions, Metadata, CreateTopics,
DeleteTopics, DescribeCluster, DescribeQuorum), so kcat, kadm and Kafka's own
tools work against a kraftbench cluster.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newVersionCmd(), newClusterCmd(), newBenchCmd(), newReportCmd())
	root.AddCommand(newCompareCmd())
	root.AddCommand(newMigrateCmd())
	root.AddCommand(newDashboardsCmd())
	root.AddCommand(newFidelityCmd())
	root.AddCommand(newPredictCmd())
	return root
}
