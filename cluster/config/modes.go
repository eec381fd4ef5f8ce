package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func (r *reader) loadKRaft(n *Node) {
	n.ElectionTimeout = r.duration("controller.quorum.election.timeout.ms", time.Millisecond)
	n.FetchTimeout = r.duration("controller.quorum.fetch.timeout.ms", time.Millisecond)
	n.ElectionBackoffMax = r.duration("controller.quorum.election.backoff.max.ms", time.Millisecond)
	n.HeartbeatInterval = r.duration("broker.heartbeat.interval.ms", time.Millisecond)
	n.SessionTimeout = r.duration("broker.session.timeout.ms", time.Millisecond)
	n.MaxIdleInterval = r.duration("metadata.max.idle.interval.ms", 0)
	n.AppendLinger = r.duration("controller.quorum.append.linger.ms", 0)
	n.SnapshotInterval = r.duration("metadata.log.max.snapshot.interval.ms", 0)
	n.SnapshotBytes, _ = r.int("metadata.log.max.record.bytes.between.snapshots", 0)
	n.MetadataLogDir = r.str("metadata.log.dir")
	if n.SessionTimeout > 0 && n.HeartbeatInterval >= n.SessionTimeout {
		r.fail("broker.heartbeat.interval.ms", fmt.Sprintf("must be below broker.session.timeout.ms=%d", n.SessionTimeout.Milliseconds()))
	}
	seen := map[int32]bool{}
	for _, e := range r.list("controller.quorum.voters") {
		v, err := parseVoter(e)
		if err != nil {
			r.fail("controller.quorum.voters", fmt.Sprintf("entry %q: %v", e, err))
			continue
		}
		if seen[v.ID] {
			r.fail("controller.quorum.voters", fmt.Sprintf("node id %d listed twice", v.ID))
		}
		seen[v.ID] = true
		n.Voters = append(n.Voters, v)
	}
	if n.Mode != cluster.ModeKRaft {
		return
	}
	if len(n.Voters) == 0 {
		r.fail("controller.quorum.voters", "KRaft mode needs at least one voter")
	}
	if n.HasRole(cluster.RoleController) {
		r.checkController(n, seen)
	}
	if n.HasRole(cluster.RoleBroker) {
		if _, _, ok := n.BrokerListener(); !ok {
			r.fail("listeners", "a broker needs a listener that is not in controller.listener.names")
		}
	}
}

func (r *reader) checkController(n *Node, voters map[int32]bool) {
	if !voters[n.NodeID] {
		r.fail("controller.quorum.voters", fmt.Sprintf("node.id=%d has the controller role but is not a voter", n.NodeID))
	}
	if len(n.ControllerListenerNames) == 0 {
		r.fail("controller.listener.names", "required with the controller role")
		return
	}
	for _, name := range n.ControllerListenerNames {
		if !slices.ContainsFunc(n.Listeners, func(l Listener) bool { return l.Name == name }) {
			r.fail("controller.listener.names", fmt.Sprintf("listener %s is not in listeners", name))
		}
	}
}

func (r *reader) loadZK(n *Node) {
	n.ZKConnect = r.str("zookeeper.connect")
	n.ZKSessionTimeout = r.duration("zookeeper.session.timeout.ms", time.Millisecond)
	n.ZKConnectionTimeout = n.ZKSessionTimeout
	if _, ok := r.p.Get("zookeeper.connection.timeout.ms"); ok {
		n.ZKConnectionTimeout = r.duration("zookeeper.connection.timeout.ms", time.Millisecond)
	}
	if v, _ := r.int("zookeeper.max.in.flight.requests", 10); v < 1 {
		r.fail("zookeeper.max.in.flight.requests", "must be at least 1")
	} else {
		n.ZKMaxInFlight = int(v)
	}
	n.MigrationEnabled = r.bool("zookeeper.metadata.migration.enable")
	if n.MigrationEnabled && n.Mode == cluster.ModeZK && len(n.Voters) == 0 {
		r.fail("controller.quorum.voters", "zookeeper.metadata.migration.enable=true on a ZooKeeper-mode broker needs the KRaft controllers' voters")
	}
	if n.MigrationEnabled && n.Mode == cluster.ModeKRaft && n.HasRole(cluster.RoleController) && n.ZKConnect == "" {
		r.fail("zookeeper.connect", "zookeeper.metadata.migration.enable=true on a KRaft controller needs the ZooKeeper ensemble to migrate from")
	}
	n.ControlledShutdown = r.bool("controlled.shutdown.enable")
	retries, _ := r.int("controlled.shutdown.max.retries", 3)
	if retries < 0 || retries > 1000 {
		r.fail("controlled.shutdown.max.retries", "must be between 0 and 1000")
	}
	n.ControlledShutdownMaxRetries = int(retries)
	n.ControlledShutdownRetryBackoff = r.duration("controlled.shutdown.retry.backoff.ms", time.Millisecond)
	if n.Mode == cluster.ModeZK && len(r.list("controller.listener.names")) > 0 {
		r.fail("controller.listener.names", "ZooKeeper mode has no controller listener: every broker is controller-eligible")
	}
}

// interBroker resolves inter.broker.listener.name: it must name a broker
// listener; unset, it is PLAINTEXT when listed, else the first broker listener.
func (r *reader) interBroker(n *Node) {
	if !n.HasRole(cluster.RoleBroker) {
		return
	}
	name := n.InterBrokerListenerName
	for _, l := range n.Listeners {
		if n.IsControllerListener(l.Name) {
			continue
		}
		if name == "" && (l.Name == "PLAINTEXT" || n.InterBrokerListenerName == "") {
			n.InterBrokerListenerName = l.Name
		}
		if l.Name == name {
			return
		}
	}
	if name != "" {
		r.fail("inter.broker.listener.name", "not a broker listener in listeners")
	}
}

func (r *reader) loadCommon(n *Node) {
	r.interBroker(n)
	n.LogDirs = r.list("log.dirs")
	if len(n.LogDirs) == 0 {
		n.LogDirs = []string{r.str("log.dir")}
	}
	if n.MetadataLogDir == "" {
		n.MetadataLogDir = n.LogDirs[0]
	}
	n.ReplicaLogs = r.bool("kraftbench.replica.logs")
	n.Rack = r.str("broker.rack")
	parts, _ := r.int("num.partitions", 1)
	if parts < 1 {
		r.fail("num.partitions", "must be at least 1")
	}
	rf, _ := r.int("default.replication.factor", 1)
	if rf < 1 || rf > 32767 {
		r.fail("default.replication.factor", "must be between 1 and 32767")
	}
	n.Defaults = cluster.Defaults{NumPartitions: int32(parts), ReplicationFactor: int16(rf)}
	if r.bool("auto.create.topics.enable") {
		r.fail("auto.create.topics.enable", "kraftbench brokers do not create topics on Metadata requests; set false")
	}
	n.DeleteTopicEnable = r.bool("delete.topic.enable")
	frame, _ := r.int("socket.request.max.bytes", 0)
	if frame < 1024 {
		r.fail("socket.request.max.bytes", "must be at least 1024")
	}
	n.MaxFrameBytes = int32(frame)
	n.RequestTimeout = r.duration("request.timeout.ms", time.Millisecond)
	n.Seed, _ = r.int("kraftbench.seed", 1)
	if v, err := cluster.ParseKafkaVersion(r.str("kafka.version")); err != nil {
		r.fail("kafka.version", err.Error())
	} else if !v.SupportsMode(n.Mode) {
		r.fail("kafka.version", fmt.Sprintf("%s has no ZooKeeper mode (removed in Kafka 4.0); ZooKeeper mode models 3.9", v))
	} else {
		n.KafkaVersion = v
	}
	n.StatusListener = r.str("kraftbench.status.listener")
	r.leaderImbalance(n)
	if len(n.Listeners) == 0 {
		r.fail("listeners", "at least one listener is required")
	}
}

// leaderImbalance reads the preferred-leader rebalance properties, with
// Kafka 3.9's bounds (ReplicationConfigs.java: the interval at least 1 s).
func (r *reader) leaderImbalance(n *Node) {
	n.AutoLeaderRebalance = r.bool("auto.leader.rebalance.enable")
	if s, _ := r.int("leader.imbalance.check.interval.seconds", 300); s < 1 {
		r.fail("leader.imbalance.check.interval.seconds", "must be at least 1")
	} else {
		n.LeaderImbalanceCheckInterval = time.Duration(s) * time.Second
	}
	pct, _ := r.int("leader.imbalance.per.broker.percentage", 10)
	n.LeaderImbalancePerBrokerPercentage = int(pct)
}
