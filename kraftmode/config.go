package kraftmode

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	"github.com/kraftbench/kraftbench/cluster"
)

// Config is one KRaft node's configuration. Each field names the Kafka
// property it stands for; zero durations and sizes take Kafka's defaults (see
// WithDefaults).
type Config struct {
	NodeID int32          // node.id
	Roles  []cluster.Role // process.roles: broker, controller, or both (combined)
	// Voters is controller.quorum.voters: controller id -> host:port of its
	// CONTROLLER listener. Raft and broker-to-controller requests share it.
	Voters map[int32]string
	// ControllerListen is the address a controller binds (its CONTROLLER
	// entry in listeners); empty binds Voters[NodeID]. ControllerListener,
	// when set, is a listener the caller bound already; the node takes it
	// (Close closes it) and binds nothing.
	ControllerListen   string
	ControllerListener net.Listener
	// BrokerEndpoint is the broker's client listener as advertised
	// (advertised.listeners, the first non-controller listener); Rack is
	// broker.rack. Both only for the broker role.
	BrokerEndpoint cluster.Endpoint
	Rack           string
	MetadataLogDir string // metadata.log.dir: meta.properties and, for a controller, the Raft log

	ElectionTimeout    time.Duration // controller.quorum.election.timeout.ms (1000)
	FetchTimeout       time.Duration // controller.quorum.fetch.timeout.ms (2000)
	ElectionBackoffMax time.Duration // controller.quorum.election.backoff.max.ms (1000); see doc.go
	HeartbeatInterval  time.Duration // broker.heartbeat.interval.ms (2000)
	SessionTimeout     time.Duration // broker.session.timeout.ms (9000)
	// SnapshotBytes is metadata.log.max.record.bytes.between.snapshots (20 MiB)
	// and SnapshotInterval metadata.log.max.snapshot.interval.ms (1 h): the
	// active and standby controllers each snapshot their image once either is
	// exceeded.
	SnapshotBytes    int64
	SnapshotInterval time.Duration
	// TrailingLogs is how many entries each controller keeps behind its
	// latest snapshot (hashicorp/raft TrailingLogs; Kafka keeps the log until
	// metadata.max.retention.ms). Observers further behind get a snapshot.
	TrailingLogs uint64
	// MaxIdleInterval is metadata.max.idle.interval.ms (500): the active
	// controller appends a NoOpRecord every interval (Kafka schedules it on a
	// fixed period, not after idle time, despite the name). Negative
	// disables it (Kafka's 0).
	MaxIdleInterval time.Duration
	RequestTimeout  time.Duration // request.timeout.ms (30000), for node-to-node requests
	// AppendLinger is controller.quorum.append.linger.ms (25): how long the
	// active controller holds the first write of a window so that later
	// ones join its log entry (accumulator.go). Negative is no linger
	// (Kafka's 0).
	AppendLinger time.Duration
	// AutoLeaderRebalanceDisabled is the negation of
	// auto.leader.rebalance.enable (Kafka's default true): when set, the
	// active controller never moves leaders back to preferred replicas by
	// itself (rebalance.go); ElectLeaders still does.
	AutoLeaderRebalanceDisabled bool
	// LeaderImbalanceCheckInterval is
	// leader.imbalance.check.interval.seconds (300 s): how long after a
	// write that leaves partitions off their preferred replica the active
	// controller balances them.
	LeaderImbalanceCheckInterval time.Duration

	// ZooKeeper-to-KRaft migration (KIP-866), controllers only; see
	// migration.go. MigrationEnabled is zookeeper.metadata.migration.enable,
	// ZKConnect zookeeper.connect, ZKSessionTimeout
	// zookeeper.session.timeout.ms, InterBrokerListener the listener of
	// the ZooKeeper-mode brokers that takes the controller's pushes.
	MigrationEnabled    bool
	ZKConnect           string
	ZKSessionTimeout    time.Duration
	InterBrokerListener string

	Defaults           cluster.Defaults // num.partitions, default.replication.factor
	DisableTopicDelete bool             // delete.topic.enable=false
	Logger             *slog.Logger     // nil discards
	Seed               int64            // kraftbench.seed: replica placement and topic ids
	// KafkaVersion is kafka.version: the release whose KRaft behaviour the
	// node follows where releases differ (cluster.KafkaVersion's methods).
	KafkaVersion cluster.KafkaVersion
	// LogDir is the first log.dirs entry, where a broker keeps its replica
	// logs (cluster/replicalog); ReplicaLogsDisabled is the negation of
	// kraftbench.replica.logs. Broker-only nodes; empty LogDir keeps none.
	LogDir              string
	ReplicaLogsDisabled bool
	// TestCommitDelay is TEST-ONLY: the active controller waits this long
	// before committing each CreateTopics, so a test can check that a slower
	// commit path is caught as a regression. kbnode sets it only from the
	// KRAFTBENCH_TEST_COMMIT_DELAY environment variable; zero otherwise.
	TestCommitDelay time.Duration
}

// Kafka's defaults.
const (
	DefaultElectionTimeout    = 1000 * time.Millisecond
	DefaultFetchTimeout       = 2000 * time.Millisecond
	DefaultElectionBackoffMax = 1000 * time.Millisecond
	DefaultHeartbeatInterval  = 2000 * time.Millisecond
	DefaultSessionTimeout     = 9000 * time.Millisecond
	DefaultSnapshotBytes      = 20 << 20
	DefaultSnapshotInterval   = time.Hour
	DefaultTrailingLogs       = 10240
	DefaultMaxIdleInterval    = 500 * time.Millisecond
	DefaultAppendLinger       = 25 * time.Millisecond
	DefaultRequestTimeout     = 30 * time.Second
	// DefaultLeaderImbalanceCheckInterval is
	// leader.imbalance.check.interval.seconds (Kafka 3.9
	// server/.../config/ReplicationConfigs.java).
	DefaultLeaderImbalanceCheckInterval = 300 * time.Second
)

// WithDefaults returns c with every unset (zero) field at Kafka's default.
func (c Config) WithDefaults() Config {
	setDur := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	setDur(&c.ElectionTimeout, DefaultElectionTimeout)
	setDur(&c.FetchTimeout, DefaultFetchTimeout)
	setDur(&c.ElectionBackoffMax, DefaultElectionBackoffMax)
	setDur(&c.HeartbeatInterval, DefaultHeartbeatInterval)
	setDur(&c.SessionTimeout, DefaultSessionTimeout)
	setDur(&c.SnapshotInterval, DefaultSnapshotInterval)
	setDur(&c.MaxIdleInterval, DefaultMaxIdleInterval)
	setDur(&c.AppendLinger, DefaultAppendLinger)
	setDur(&c.RequestTimeout, DefaultRequestTimeout)
	setDur(&c.LeaderImbalanceCheckInterval, DefaultLeaderImbalanceCheckInterval)
	c.KafkaVersion = c.KafkaVersion.OrDefault()
	if c.SnapshotBytes == 0 {
		c.SnapshotBytes = DefaultSnapshotBytes
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = DefaultTrailingLogs
	}
	if c.Defaults == (cluster.Defaults{}) {
		c.Defaults = cluster.KafkaDefaults()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// HasRole reports whether process.roles lists r.
func (c *Config) HasRole(r cluster.Role) bool { return slices.Contains(c.Roles, r) }

// Validate checks the configuration (after WithDefaults); each error names the
// Kafka property at fault.
func (c *Config) Validate() error {
	var errs []error
	bad := func(prop, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", prop, fmt.Sprintf(format, args...)))
	}
	if c.NodeID < 0 {
		bad("node.id", "%d: must be >= 0", c.NodeID)
	}
	c.validateRoles(bad)
	if len(c.Voters) == 0 {
		bad("controller.quorum.voters", "empty: at least one voter id@host:port is required")
	}
	for id, addr := range c.Voters {
		if _, _, err := net.SplitHostPort(addr); err != nil || id < 0 {
			bad("controller.quorum.voters", "voter %d@%s: want id >= 0 and host:port", id, addr)
		}
	}
	if c.HasRole(cluster.RoleController) {
		if _, ok := c.Voters[c.NodeID]; !ok {
			bad("controller.quorum.voters", "node.id %d has the controller role but is not a voter", c.NodeID)
		}
	}
	if c.HasRole(cluster.RoleBroker) && (c.BrokerEndpoint.Host == "" || c.BrokerEndpoint.Port <= 0) {
		bad("advertised.listeners", "a broker needs a client endpoint host:port, got %q",
			net.JoinHostPort(c.BrokerEndpoint.Host, strconv.Itoa(int(c.BrokerEndpoint.Port))))
	}
	if c.MetadataLogDir == "" {
		bad("metadata.log.dir", "must be set")
	}
	if c.MigrationEnabled && c.HasRole(cluster.RoleController) && c.ZKConnect == "" {
		bad("zookeeper.connect", "zookeeper.metadata.migration.enable=true needs the ZooKeeper ensemble to migrate from")
	}
	c.validateTimes(bad)
	return errors.Join(errs...)
}

func (c *Config) validateRoles(bad func(prop, format string, args ...any)) {
	if len(c.Roles) == 0 || len(c.Roles) > 2 {
		bad("process.roles", "%v: want broker, controller, or broker,controller", c.Roles)
	}
	seen := map[cluster.Role]bool{}
	for _, r := range c.Roles {
		if r != cluster.RoleBroker && r != cluster.RoleController {
			bad("process.roles", "unknown role %q", r)
		}
		if seen[r] {
			bad("process.roles", "role %q listed twice", r)
		}
		seen[r] = true
	}
}

func (c *Config) validateTimes(bad func(prop, format string, args ...any)) {
	pos := []struct {
		prop string
		d    time.Duration
	}{
		{"controller.quorum.election.timeout.ms", c.ElectionTimeout},
		{"controller.quorum.fetch.timeout.ms", c.FetchTimeout},
		{"broker.heartbeat.interval.ms", c.HeartbeatInterval},
		{"broker.session.timeout.ms", c.SessionTimeout},
		{"metadata.log.max.snapshot.interval.ms", c.SnapshotInterval},
		{"request.timeout.ms", c.RequestTimeout},
		{"leader.imbalance.check.interval.seconds", c.LeaderImbalanceCheckInterval},
	}
	for _, p := range pos {
		if p.d < time.Millisecond {
			bad(p.prop, "%v: must be at least 1 ms", p.d)
		}
	}
	if c.SessionTimeout <= c.HeartbeatInterval {
		bad("broker.session.timeout.ms", "%v must exceed broker.heartbeat.interval.ms (%v)", c.SessionTimeout, c.HeartbeatInterval)
	}
	if c.SnapshotBytes <= 0 {
		bad("metadata.log.max.record.bytes.between.snapshots", "%d: must be > 0", c.SnapshotBytes)
	}
}

// raftConfig maps the KRaft timeouts onto hashicorp/raft (see doc.go for
// where the two differ).
func (c *Config) raftConfig() *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(strconv.Itoa(int(c.NodeID)))
	// Kafka's election timers are kept by the election watchdog
	// (election.go), which lowers HeartbeatTimeout and ElectionTimeout to
	// controller.quorum.election.timeout.ms to make a voter stand; outside
	// a candidacy both sit above the fetch timeout, so hashicorp's own
	// randomised checks never fire first.
	e := c.electionTimeouts()
	rc.HeartbeatTimeout, rc.ElectionTimeout = e.normal, e.normal
	// hashicorp caps the lease at HeartbeatTimeout, hence at the election
	// timeout; Kafka's check-quorum is 1.5x the fetch timeout (doc.go).
	rc.LeaderLeaseTimeout = e.lease
	// Pre-vote is Kafka 4.0's (KIP-996); 3.9 has none.
	rc.PreVoteDisabled = !c.KafkaVersion.PreVote()
	// Snapshots are triggered by bytes and time (Kafka's properties), by the
	// node itself; raft's entry-count trigger is switched off.
	rc.SnapshotThreshold = math.MaxUint64
	rc.SnapshotInterval = c.SnapshotInterval
	rc.TrailingLogs = c.TrailingLogs
	// Let raft hand the FSM batches of committed entries, and let the leader
	// batch concurrent appends into one disk write and one AppendEntries.
	rc.BatchApplyCh = true
	rc.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: slogWriter{c.Logger}})
	return rc
}

// slogWriter forwards hashicorp/raft's log lines to the node's logger.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Warn(string(trimNewline(p)), "component", "raft")
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	for len(p) > 0 && (p[len(p)-1] == '\n' || p[len(p)-1] == '\r') {
		p = p[:len(p)-1]
	}
	return p
}

var _ io.Writer = slogWriter{}
