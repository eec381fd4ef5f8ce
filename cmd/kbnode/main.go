// Command kbnode runs one kraftbench node: a ZooKeeper-mode broker, or a KRaft
// broker, controller or both, configured with Kafka's property names. It is
// what the local provider starts as a process and the docker provider as a
// container.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "kbnode:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "kbnode",
		Short: "Run one kraftbench node (ZooKeeper-mode broker or KRaft broker/controller)",
		Long: `kbnode runs one node of a kraftbench cluster. Its configuration uses Kafka's
property names (server.properties): process.roles selects KRaft mode,
zookeeper.connect selects ZooKeeper mode. Run 'kbnode properties' for the list.

A KRaft node's metadata.log.dir must first be formatted with 'kbnode format',
as Kafka's kafka-storage.sh format does.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newStartCmd(), newFormatCmd(), newRandomUUIDCmd(), newPropertiesCmd())
	return root
}
