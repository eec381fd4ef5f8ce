package zkmode

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// Kafka's defaults for the settings Config carries.
const (
	// DefaultSessionTimeout is zookeeper.session.timeout.ms (Kafka >= 2.5).
	DefaultSessionTimeout = zkmeta.DefaultSessionTimeout
	// DefaultControllerSocketTimeout is controller.socket.timeout.ms: how
	// long the controller waits for a broker to answer a push.
	DefaultControllerSocketTimeout = zkmeta.DefaultControllerSocketTimeout
	// DefaultMaxInFlightRequests is zookeeper.max.in.flight.requests
	// (default 10), a bound the ZooKeeper client keeps (zkmeta).
	DefaultMaxInFlightRequests = zkmeta.DefaultMaxInFlightRequests
	// DefaultReloadConcurrency is how many ZooKeeper reads a new controller
	// keeps in flight on its session while it loads the cluster: Kafka's
	// bound on every request of the session, zookeeper.max.in.flight.requests.
	DefaultReloadConcurrency = DefaultMaxInFlightRequests
	// DefaultControlledShutdownMaxRetries is controlled.shutdown.max.retries.
	DefaultControlledShutdownMaxRetries = 3
	// DefaultControlledShutdownRetryBackoff is
	// controlled.shutdown.retry.backoff.ms.
	DefaultControlledShutdownRetryBackoff = 5 * time.Second
	// DefaultLeaderImbalanceCheckInterval is
	// leader.imbalance.check.interval.seconds (Kafka 3.9
	// ReplicationConfigs.java: 300).
	DefaultLeaderImbalanceCheckInterval = 300 * time.Second
	// DefaultLeaderImbalancePerBrokerPercentage is
	// leader.imbalance.per.broker.percentage (ReplicationConfigs.java: 10).
	DefaultLeaderImbalancePerBrokerPercentage = 10
)

// Config is one ZooKeeper-mode broker. Every broker is controller-eligible,
// as in Kafka. Each field names the Kafka property it stands for.
type Config struct {
	// NodeID is broker.id (node.id is accepted by Kafka as an alias).
	NodeID int32
	// ZKConnect is zookeeper.connect: host:port[,host:port...][/chroot].
	// The chroot is created if missing, as Kafka does.
	ZKConnect string
	// SessionTimeout is zookeeper.session.timeout.ms (default 18000 ms): how
	// long ZooKeeper keeps a silent broker's session, so how long a crashed
	// controller or broker goes unnoticed.
	SessionTimeout time.Duration
	// ConnectionTimeout is zookeeper.connection.timeout.ms: how long Start
	// waits for a first session (defaults to SessionTimeout, as in Kafka).
	ConnectionTimeout time.Duration
	// Endpoint is the advertised listener (advertised.listeners, falling
	// back to listeners): what /brokers/ids/<id> records and what clients
	// and the controller connect to.
	Endpoint cluster.Endpoint
	// Endpoints are every advertised listener, the client one first, as
	// /brokers/ids/<id> records them; empty means Endpoint alone. With
	// several, clients get the endpoint of the listener they connected to
	// and the controller pushes over InterBrokerListener.
	Endpoints []cluster.Endpoint
	// InterBrokerListener is inter.broker.listener.name: the listener the
	// controller reaches brokers on. Empty means the first endpoint.
	InterBrokerListener string
	// Rack is broker.rack (empty when unset).
	Rack string
	// Defaults are num.partitions and default.replication.factor.
	Defaults cluster.Defaults
	// TopicDeletionDisabled is the negation of delete.topic.enable (Kafka's
	// default true): when set, DeleteTopics answers TOPIC_DELETION_DISABLED.
	TopicDeletionDisabled bool
	// ControllerSocketTimeout is controller.socket.timeout.ms (default
	// 30000): the time a push may take before the controller retries it.
	ControllerSocketTimeout time.Duration
	// ControlledShutdownDisabled is the negation of
	// controlled.shutdown.enable (Kafka's default true): when set, Close
	// just ends the session, leaving the controller to move leaders once the
	// registration is gone.
	ControlledShutdownDisabled bool
	// ControlledShutdownMaxRetries is controlled.shutdown.max.retries
	// (default 3): how many ControlledShutdown requests Close sends before
	// it stops anyway.
	ControlledShutdownMaxRetries int
	// ControlledShutdownRetryBackoff is controlled.shutdown.retry.backoff.ms
	// (default 5000): the wait after an attempt that failed or left
	// partitions led by this broker.
	ControlledShutdownRetryBackoff time.Duration
	// AutoLeaderRebalanceDisabled is the negation of
	// auto.leader.rebalance.enable (Kafka's default true): when set, the
	// controller never moves leadership back to preferred replicas by itself
	// (rebalance.go); ElectLeaders still does.
	AutoLeaderRebalanceDisabled bool
	// LeaderImbalanceCheckInterval is
	// leader.imbalance.check.interval.seconds (default 300 s): the period of
	// the controller's rebalance check, the first of which runs 5 s after it
	// became the controller.
	LeaderImbalanceCheckInterval time.Duration
	// LeaderImbalancePerBrokerPercentage is
	// leader.imbalance.per.broker.percentage (default 10): a broker's share
	// of the partitions it prefers but does not lead above which the check
	// moves them back. Zero takes Kafka's default; a negative value stands
	// for Kafka's 0 (any imbalance).
	LeaderImbalancePerBrokerPercentage int
	// MaxInFlightRequests is zookeeper.max.in.flight.requests (default 10):
	// how many requests the broker's ZooKeeper session keeps outstanding,
	// the controller's reload reads and state writes and the admin path's
	// requests together (Kafka's ZooKeeperClient semaphore).
	MaxInFlightRequests int
	// LogDir is the first entry of log.dirs: where the broker lays out its
	// replica logs as Kafka does (package cluster/replicalog). Empty means no
	// replica logs, as does ReplicaLogsDisabled.
	LogDir string
	// ReplicaLogsDisabled is the negation of kraftbench.replica.logs
	// (default true): when set, LeaderAndIsr and StopReplica touch no files,
	// for runs that measure the control plane alone.
	ReplicaLogsDisabled bool
	// Logger receives the node's events; nothing is logged when nil.
	Logger *slog.Logger
	// Rand draws replica placements, topic ids and the cluster id. It is
	// required so that a run is reproducible from its seed.
	Rand *rand.Rand
	// TestCommitDelay is TEST-ONLY: CreateTopics waits this long before
	// writing each topic's znodes, so a test can check that a slower commit
	// path is caught as a regression. kbnode sets it only from the
	// KRAFTBENCH_TEST_COMMIT_DELAY environment variable; zero otherwise.
	TestCommitDelay time.Duration
}

// Validate checks the configuration; each error names its Kafka property.
func (c *Config) Validate() error {
	var errs []error
	bad := func(prop, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", prop, fmt.Sprintf(format, args...)))
	}
	if c.NodeID < 0 {
		bad("broker.id", "must be >= 0, got %d", c.NodeID)
	}
	if _, _, err := zkmeta.ParseConnect(c.ZKConnect); err != nil {
		bad("zookeeper.connect", "%v", err)
	}
	if c.SessionTimeout < 0 {
		bad("zookeeper.session.timeout.ms", "must be positive, got %v", c.SessionTimeout)
	}
	if c.ConnectionTimeout < 0 {
		bad("zookeeper.connection.timeout.ms", "must be positive, got %v", c.ConnectionTimeout)
	}
	eps := c.Endpoints
	if len(eps) == 0 {
		eps = []cluster.Endpoint{c.Endpoint}
	}
	for _, ep := range eps {
		if ep.Host == "" || ep.Port <= 0 || ep.Port > 65535 {
			bad("advertised.listeners", "need a host and a port in 1..65535, got %q:%d", ep.Host, ep.Port)
		}
	}
	if c.InterBrokerListener != "" && !slices.ContainsFunc(eps, func(e cluster.Endpoint) bool { return e.Listener == c.InterBrokerListener }) {
		bad("inter.broker.listener.name", "%q is not an advertised listener", c.InterBrokerListener)
	}
	if c.Defaults.NumPartitions < 1 {
		bad("num.partitions", "must be at least 1, got %d", c.Defaults.NumPartitions)
	}
	if c.Defaults.ReplicationFactor < 1 {
		bad("default.replication.factor", "must be at least 1, got %d", c.Defaults.ReplicationFactor)
	}
	if c.MaxInFlightRequests < 0 {
		bad("zookeeper.max.in.flight.requests", "must be at least 1, got %d", c.MaxInFlightRequests)
	}
	if c.ControllerSocketTimeout < 0 {
		bad("controller.socket.timeout.ms", "must be positive, got %v", c.ControllerSocketTimeout)
	}
	if c.ControlledShutdownMaxRetries < 0 {
		bad("controlled.shutdown.max.retries", "must be >= 0, got %d", c.ControlledShutdownMaxRetries)
	}
	if c.ControlledShutdownRetryBackoff < 0 {
		bad("controlled.shutdown.retry.backoff.ms", "must be >= 0, got %v", c.ControlledShutdownRetryBackoff)
	}
	if c.LeaderImbalanceCheckInterval < 0 {
		bad("leader.imbalance.check.interval.seconds", "must be at least 1, got %v", c.LeaderImbalanceCheckInterval)
	}
	if c.Rand == nil {
		errs = append(errs, errors.New("Rand: a seeded *rand.Rand is required (kraftbench.seed)"))
	}
	return errors.Join(errs...)
}

// withDefaults fills in Kafka's defaults for unset fields.
func (c Config) withDefaults() Config {
	if c.SessionTimeout == 0 {
		c.SessionTimeout = DefaultSessionTimeout
	}
	if c.ConnectionTimeout == 0 {
		c.ConnectionTimeout = c.SessionTimeout
	}
	if c.ControllerSocketTimeout == 0 {
		c.ControllerSocketTimeout = DefaultControllerSocketTimeout
	}
	if c.ControlledShutdownMaxRetries == 0 {
		c.ControlledShutdownMaxRetries = DefaultControlledShutdownMaxRetries
	}
	if c.ControlledShutdownRetryBackoff == 0 {
		c.ControlledShutdownRetryBackoff = DefaultControlledShutdownRetryBackoff
	}
	if c.MaxInFlightRequests <= 0 {
		c.MaxInFlightRequests = DefaultMaxInFlightRequests
	}
	if c.LeaderImbalanceCheckInterval == 0 {
		c.LeaderImbalanceCheckInterval = DefaultLeaderImbalanceCheckInterval
	}
	switch {
	case c.LeaderImbalancePerBrokerPercentage == 0:
		c.LeaderImbalancePerBrokerPercentage = DefaultLeaderImbalancePerBrokerPercentage
	case c.LeaderImbalancePerBrokerPercentage < 0:
		c.LeaderImbalancePerBrokerPercentage = 0
	}
	if c.Endpoint.Listener == "" {
		c.Endpoint.Listener = "PLAINTEXT"
	}
	if len(c.Endpoints) == 0 {
		c.Endpoints = []cluster.Endpoint{c.Endpoint}
	}
	c.Endpoint = c.Endpoints[0]
	if c.InterBrokerListener == "" {
		c.InterBrokerListener = c.Endpoint.Listener
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
