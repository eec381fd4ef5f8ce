package cluster

import (
	"context"
)

// Provider starts clusters: "local" (processes on loopback) or "docker"
// (containers through testcontainers). Providers are listed in one place, the
// registry in package cluster/providers.
type Provider interface {
	Name() string
	// Start starts the cluster the validated spec describes and returns once
	// it is ready (see Ready). On error everything started is removed.
	Start(ctx context.Context, spec Spec) (Cluster, error)
}

// NodeInfo is one node of a started cluster.
type NodeInfo struct {
	ID    int32
	Roles []Role // "broker", "controller"; a ZooKeeper server has none
	Kind  string // "node" or "zookeeper"
	// Addr is the Kafka listener clients use (brokers) or the controller
	// listener (controller-only nodes), as reachable from the host.
	Addr string
	// StatusAddr is the node's HTTP status endpoint, as reachable from the host.
	StatusAddr string
}

// Cluster is a started cluster. Methods are safe for concurrent use; Stop
// may be called at any time and more than once.
type Cluster interface {
	Spec() Spec
	// Bootstrap returns host:port of every broker, reachable from the host.
	Bootstrap() []string
	Nodes() []NodeInfo
	// Status asks one node for its own status.
	Status(ctx context.Context, id int32) (Status, error)
	// Fault injects f and returns the record of its window; undoing it
	// (where it can be undone) is Undo on the returned record.
	Fault(ctx context.Context, f Fault) (*FaultRecord, error)
	// Stop stops and removes everything the cluster started.
	Stop(ctx context.Context) error
}

// Restarter is the optional extra of a cluster that can stop every node and
// its store, keeping their data, and start them all again: a cold start.
// RestartAll returns the start-up phases measured from the moment the first
// process was started again.
type Restarter interface {
	RestartAll(ctx context.Context) ([]Phase, error)
}

// Migrator is the optional extra of a ZooKeeper-mode cluster that can be
// migrated to KRaft online, as Kafka's KIP-866 does it: a KRaft controller
// quorum is added next to the running brokers, and nodes are restarted one
// at a time with a new configuration. Package cluster/migrate drives the
// steps; a provider only starts, restarts and stops processes.
type Migrator interface {
	// AddControllers starts n KRaft controllers (ids 1001..1000+n) in
	// migration mode (zookeeper.metadata.migration.enable=true and
	// zookeeper.connect), formatted with the ZooKeeper cluster's id, and
	// returns once each process is up. They then appear in Nodes.
	AddControllers(ctx context.Context, n int) error
	// Reconfigure stops node id gracefully and starts it again with the
	// configuration of stage, keeping its data.
	Reconfigure(ctx context.Context, id int32, stage NodeStage) error
	// RemoveControllers stops the KRaft controllers and forgets them (the
	// end of a rollback).
	RemoveControllers(ctx context.Context) error
	// ZKConnect is the ensemble's zookeeper.connect.
	ZKConnect() string
}

// NodeStage is the configuration a node runs with during a migration.
type NodeStage string

// The stages of KIP-866.
const (
	StageZK                  NodeStage = "zk"                   // ZooKeeper-mode broker
	StageZKMigration         NodeStage = "zk-migration"         // ZooKeeper-mode broker linked to the KRaft quorum
	StageKRaftMigration      NodeStage = "kraft-migration"      // KRaft broker while ZooKeeper is still dual-written
	StageControllerMigration NodeStage = "controller-migration" // KRaft controller in migration mode
	StageController          NodeStage = "controller"           // KRaft controller without it: finalized
)
