package main

import (
	"fmt"

	"github.com/kraftbench/kraftbench/cluster/config"
	"github.com/kraftbench/kraftbench/kraftmode"
	"github.com/kraftbench/kraftbench/zkmode"
)

// attachMigrationLink connects a ZooKeeper-mode broker started with
// zookeeper.metadata.migration.enable=true to the KRaft controllers in
// controller.quorum.voters, as Kafka's brokers do during a migration.
func attachMigrationLink(n *config.Node, node *zkmode.Node, env nodeEnv) error {
	eps := brokerEndpoints(n)
	if len(eps) == 0 {
		return fmt.Errorf("zookeeper.metadata.migration.enable: the broker has no advertised listener to register with")
	}
	link, err := kraftmode.StartZKBrokerLink(kraftmode.Config{
		NodeID: n.NodeID, Voters: n.VoterMap(), BrokerEndpoint: eps[0], Rack: n.Rack,
		HeartbeatInterval: n.HeartbeatInterval, SessionTimeout: n.SessionTimeout,
		RequestTimeout: n.RequestTimeout, Logger: env.Logger,
	}, node.ClusterID())
	if err != nil {
		return fmt.Errorf("zookeeper.metadata.migration.enable: %w", err)
	}
	node.AttachMigrationLink(link)
	return nil
}
