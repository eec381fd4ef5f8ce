package kraftmode

import (
	"context"
	"errors"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// ZKBrokerLink is a ZooKeeper-mode broker's link to the KRaft controller
// quorum during a migration (zookeeper.metadata.migration.enable=true with
// controller.quorum.voters on the broker): it registers the broker with the
// quorum (BrokerRegistration with IsMigratingZkBroker) and heartbeats, and
// forwards CreateTopics and DeleteTopics to the active controller. A
// ZooKeeper-mode broker takes its metadata from the controller's pushes, not
// from the log, so it heartbeats as caught up with its own registration.
type ZKBrokerLink struct {
	b      *broker
	fwd    *ctrlClient
	cancel context.CancelFunc
	cfg    Config
}

var _ zkmeta.MigrationLink = (*ZKBrokerLink)(nil)

// StartZKBrokerLink starts the link of broker cfg.NodeID (cfg: NodeID,
// Voters, BrokerEndpoint, Rack and the timeouts; roles and directories are
// not used) for the cluster clusterID, the ZooKeeper cluster's /cluster/id.
func StartZKBrokerLink(cfg Config, clusterID string) (*ZKBrokerLink, error) {
	cfg = cfg.WithDefaults()
	cfg.Roles = []cluster.Role{cluster.RoleBroker}
	if cfg.MetadataLogDir == "" {
		cfg.MetadataLogDir = "unused" // a ZooKeeper-mode broker keeps no metadata log
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Logger = cfg.Logger.With("component", "migration-link")
	l := &ZKBrokerLink{cfg: cfg}
	hint := newLeaderHint()
	// The link fetches the metadata log as an observer, as a migrating
	// ZooKeeper-mode broker's KafkaRaftManager does, and reports the offset
	// it reached in its heartbeats (3.9 KafkaServer.scala:487-494,
	// listener.highestOffset): the KRaft controller is unfenced by it once
	// caught up, and grants a controlled shutdown only once every active
	// broker, these included, has reported the leadership moves
	// (heartbeats.go). kraftbench's observer also builds the image it reads,
	// which Kafka's listener does not keep.
	l.b = newBroker(&l.cfg, clusterID, hint, nil, nil)
	l.b.zkMigrating = true
	l.fwd = newCtrlClient(&l.cfg, "kraftbench-zk-broker-forward", hint, nil)
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.b.start(ctx)
	return l, nil
}

// Registered reports whether the quorum accepted the registration.
func (l *ZKBrokerLink) Registered() bool { return l.b.registered.Load() && !l.b.fenced.Load() }

// CreateTopics forwards to the active KRaft controller.
func (l *ZKBrokerLink) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	return l.fwd.forwardCreate(ctx, specs)
}

// DeleteTopics forwards to the active KRaft controller.
func (l *ZKBrokerLink) DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	return l.fwd.forwardDelete(ctx, names)
}

// Close shuts down with a controlled shutdown (the controller fences the
// broker and moves its leaderships), bounded by the session timeout and 10 s.
func (l *ZKBrokerLink) Close() error {
	ok := l.b.controlledShutdown(context.Background(), min(l.cfg.SessionTimeout, 10*time.Second))
	l.Kill()
	if !ok {
		return errors.New("controlled shutdown not acknowledged by the KRaft controller")
	}
	return nil
}

// Kill stops heartbeating at once.
func (l *ZKBrokerLink) Kill() {
	l.cancel()
	l.b.stop()
	l.fwd.close()
}
