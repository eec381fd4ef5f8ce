package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/config"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/kraftmode"
	"github.com/kraftbench/kraftbench/zkmode"
	"github.com/spf13/cobra"
)

// nodeEnv is what a mode starts with: the front server that serves the
// broker listeners, the bound sockets, and the logger.
type nodeEnv struct {
	Server    *front.Server
	Listeners *boundListeners
	Logger    *slog.Logger
	// TestCommitDelay is TEST-ONLY (see testCommitDelayEnv); zero otherwise.
	TestCommitDelay time.Duration
}

// starter starts one mode's node from the typed configuration.
type starter func(ctx context.Context, n *config.Node, env nodeEnv) (cluster.Controller, error)

// modes lists the modes a node can run: one line each.
var modes = map[cluster.Mode]starter{
	cluster.ModeZK:    startZK,
	cluster.ModeKRaft: startKRaft,
}

// endpoint returns a listener as a cluster.Endpoint.
func endpoint(l config.Listener) cluster.Endpoint {
	return cluster.Endpoint{Listener: l.Name, Host: l.Host, Port: int32(l.Port)}
}

// brokerEndpoints returns every advertised broker listener, the client one
// (the first) first.
func brokerEndpoints(n *config.Node) []cluster.Endpoint {
	var eps []cluster.Endpoint
	for _, l := range n.AdvertisedListeners {
		if !n.IsControllerListener(l.Name) {
			eps = append(eps, endpoint(l))
		}
	}
	return eps
}

func startZK(ctx context.Context, n *config.Node, env nodeEnv) (cluster.Controller, error) {
	node, err := zkmode.Start(ctx, zkmode.Config{
		NodeID: n.NodeID, ZKConnect: n.ZKConnect,
		SessionTimeout: n.ZKSessionTimeout, ConnectionTimeout: n.ZKConnectionTimeout,
		MaxInFlightRequests: n.ZKMaxInFlight, LogDir: n.LogDirs[0], ReplicaLogsDisabled: !n.ReplicaLogs,
		Endpoints: brokerEndpoints(n), InterBrokerListener: n.InterBrokerListenerName,
		Rack: n.Rack, Defaults: n.Defaults,
		TopicDeletionDisabled: !n.DeleteTopicEnable, Logger: env.Logger,
		Rand: rand.New(rand.NewPCG(uint64(n.Seed), uint64(n.NodeID))), TestCommitDelay: env.TestCommitDelay,
		// A clean stop (SIGTERM) is Kafka's controlled shutdown (zkmode/shutdown.go).
		ControlledShutdownDisabled:   !n.ControlledShutdown || n.ControlledShutdownMaxRetries == 0,
		ControlledShutdownMaxRetries: n.ControlledShutdownMaxRetries, ControlledShutdownRetryBackoff: n.ControlledShutdownRetryBackoff,
		AutoLeaderRebalanceDisabled: !n.AutoLeaderRebalance, LeaderImbalanceCheckInterval: n.LeaderImbalanceCheckInterval,
		LeaderImbalancePerBrokerPercentage: zeroPercentIsZero(n.LeaderImbalancePerBrokerPercentage),
	}, env.Server)
	if err != nil {
		return nil, err
	}
	if n.MigrationEnabled {
		if err := attachMigrationLink(n, node, env); err != nil {
			node.Close()
			return nil, err
		}
	}
	front.RegisterKafkaAPIs(env.Server, node, front.WithDefaults(n.Defaults))
	return node, nil
}

func startKRaft(ctx context.Context, n *config.Node, env nodeEnv) (cluster.Controller, error) {
	cfg := kraftmode.Config{
		NodeID: n.NodeID, Roles: n.Roles, Voters: n.VoterMap(), Rack: n.Rack,
		MetadataLogDir: n.MetadataLogDir, ElectionTimeout: n.ElectionTimeout, FetchTimeout: n.FetchTimeout,
		ElectionBackoffMax: n.ElectionBackoffMax, HeartbeatInterval: n.HeartbeatInterval,
		SessionTimeout: n.SessionTimeout, SnapshotBytes: n.SnapshotBytes, SnapshotInterval: n.SnapshotInterval,
		MaxIdleInterval: n.MaxIdleInterval, RequestTimeout: n.RequestTimeout, Defaults: n.Defaults,
		DisableTopicDelete: !n.DeleteTopicEnable, Logger: env.Logger, Seed: n.Seed, KafkaVersion: n.KafkaVersion,
		LogDir: n.LogDirs[0], ReplicaLogsDisabled: !n.ReplicaLogs,
		TestCommitDelay:  env.TestCommitDelay,
		MigrationEnabled: n.MigrationEnabled, ZKConnect: n.ZKConnect, ZKSessionTimeout: n.ZKSessionTimeout,
		InterBrokerListener:         n.InterBrokerListenerName,
		AutoLeaderRebalanceDisabled: !n.AutoLeaderRebalance, LeaderImbalanceCheckInterval: n.LeaderImbalanceCheckInterval,
	}
	// Kafka's 0 means off for both (no NoOpRecords; no linger); kraftmode
	// reads zero as "Kafka's default" and negative as off.
	cfg.MaxIdleInterval = zeroIsOff(n.MaxIdleInterval)
	cfg.AppendLinger = zeroIsOff(n.AppendLinger)
	if n.HasRole(cluster.RoleController) {
		bind, _, ok := n.ControllerListener()
		if !ok {
			return nil, errors.New("controller.listener.names: no controller listener in listeners")
		}
		// The controller serves its own listener: Raft and the Kafka
		// protocol share it (kraftmode's mux), with the node's front server
		// answering the Kafka side.
		ln, _ := env.Listeners.take(bind.Name)
		cfg.ControllerListener = ln
	}
	if n.HasRole(cluster.RoleBroker) {
		_, adv, _ := n.BrokerListener()
		cfg.BrokerEndpoint = endpoint(adv)
	}
	node, err := kraftmode.Start(ctx, cfg, env.Server)
	if err != nil {
		return nil, err
	}
	if n.HasRole(cluster.RoleBroker) {
		front.RegisterKafkaAPIs(env.Server, node, front.WithDefaults(n.Defaults))
	}
	return node, nil
}

func newFormatCmd() *cobra.Command {
	var cf configFlags
	var clusterID string
	cmd := &cobra.Command{
		Use:   "format",
		Short: "Format a KRaft node's metadata.log.dir with a cluster id (like kafka-storage.sh format)",
		Long: `Write meta.properties (version, cluster.id, node.id) into metadata.log.dir.
A KRaft node refuses to start on an unformatted directory or one formatted for
another cluster or node. Formatting a directory already formatted with the same
cluster id and node id is a no-op; with another, an error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if clusterID == "" {
				return errors.New("--cluster-id is required (make one with `kbnode random-uuid`)")
			}
			n, err := cf.load()
			if err != nil {
				return err
			}
			if n.Mode != cluster.ModeKRaft {
				return errors.New("format is for KRaft nodes (process.roles is not set)")
			}
			if err := kraftmode.Format(n.MetadataLogDir, clusterID, n.NodeID); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Formatting %s with cluster.id %s and node.id %d\n", n.MetadataLogDir, clusterID, n.NodeID)
			return nil
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVarP(&clusterID, "cluster-id", "t", "", "cluster id (22-character base64, from random-uuid)")
	return cmd
}

func newRandomUUIDCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "random-uuid",
		Short: "Print a new random cluster id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), kraftmode.NewClusterID(rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))))
			return nil
		},
	}
}

// zeroIsOff maps a Kafka duration property where 0 switches the behaviour
// off onto kraftmode's convention (zero takes the default, negative is off).
func zeroIsOff(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// zeroPercentIsZero maps leader.imbalance.per.broker.percentage onto
// zkmode's convention, where zero takes Kafka's default (10) and a negative
// value stands for Kafka's 0.
func zeroPercentIsZero(pct int) int {
	if pct == 0 {
		return -1
	}
	return pct
}
