package zkmeta

import (
	"context"

	"github.com/kraftbench/kraftbench/cluster"
)

// MigrationLink is what a ZooKeeper-mode broker configured for a migration
// (zookeeper.metadata.migration.enable=true and controller.quorum.voters)
// keeps with the KRaft controller quorum, as Kafka's ZooKeeper-mode brokers
// do during KIP-866: it registers the broker with the KRaft controllers and
// heartbeats, so that they know every broker is ready before they take over,
// and it forwards CreateTopics and DeleteTopics to the active KRaft
// controller once that controller is the one pushing metadata. kraftmode
// provides it (kraftmode.StartZKBrokerLink); zkmode only uses it.
type MigrationLink interface {
	CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error)
	DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error)
	// Close leaves the KRaft quorum with a controlled shutdown (the KRaft
	// controller moves leadership away), bounded in time.
	Close() error
	// Kill stops the link without a goodbye, as kill -9 would.
	Kill()
}
