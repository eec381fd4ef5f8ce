package config

import "sort"

// kind is the type of a property's value.
type kind int

const (
	kindInt kind = iota
	kindLong
	kindBool
	kindString
	kindList
)

// def is one property kraftbench understands.
type def struct {
	name string
	kind kind
	dflt string // "" with hasDflt false means no default
	doc  string
}

// defs lists every property a node accepts, with Kafka's defaults. Adding a
// property is one line here plus its use in Load.
var defs = []def{
	{"node.id", kindInt, "", "this node's id (KRaft); also accepted in ZooKeeper mode"},
	{"broker.id", kindInt, "", "this broker's id (ZooKeeper mode); must equal node.id when both are set"},
	{"process.roles", kindList, "", "KRaft roles: broker, controller, or broker,controller (combined)"},
	{"zookeeper.connect", kindString, "", "ZooKeeper connect string host:port[,host:port...][/chroot] (ZooKeeper mode)"},
	{"zookeeper.session.timeout.ms", kindInt, "18000", "ZooKeeper session timeout"},
	{"zookeeper.metadata.migration.enable", kindBool, "false", "ZooKeeper-to-KRaft migration (KIP-866): on KRaft controllers (with zookeeper.connect) and on the brokers being migrated (with controller.quorum.voters)"},
	{"zookeeper.max.in.flight.requests", kindInt, "10", "ZooKeeper mode: requests the broker's ZooKeeper session keeps outstanding (reads and writes)"},
	{"zookeeper.connection.timeout.ms", kindInt, "", "time to wait for a ZooKeeper connection; defaults to the session timeout"},
	{"controlled.shutdown.enable", kindBool, "true", "ZooKeeper mode: a clean stop first asks the controller to move this broker's leaderships"},
	{"controlled.shutdown.max.retries", kindInt, "3", "ZooKeeper mode: controlled shutdown attempts before stopping anyway"},
	{"controlled.shutdown.retry.backoff.ms", kindInt, "5000", "ZooKeeper mode: wait before retrying a failed controlled shutdown attempt (none after the last)"},
	{"auto.leader.rebalance.enable", kindBool, "true", "the controller moves leadership back to preferred replicas by itself (both modes)"},
	{"leader.imbalance.check.interval.seconds", kindLong, "300", "period of the controller's preferred-leader check (both modes; at least 1)"},
	{"leader.imbalance.per.broker.percentage", kindInt, "10", "ZooKeeper mode: a broker's share of its preferred partitions led elsewhere above which the check moves them back (KRaft ignores it, as Kafka 3.9 does)"},
	{"listeners", kindList, "PLAINTEXT://:9092", "listeners NAME://host:port the node binds"},
	{"advertised.listeners", kindList, "", "listeners given to clients and peers; defaults to listeners"},
	{"listener.security.protocol.map", kindList, "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT", "listener name to security protocol; only PLAINTEXT is supported"},
	{"controller.listener.names", kindList, "", "listener names used by the controller (KRaft; required with the controller role)"},
	{"inter.broker.listener.name", kindString, "", "listener peers use to reach this broker; defaults to PLAINTEXT if listed, else the first broker listener"},
	{"controller.quorum.voters", kindList, "", "KRaft voters id@host:port,..."},
	{"controller.quorum.election.timeout.ms", kindInt, "1000", "KRaft: longest a candidate waits before a new election (randomised up to 2x)"},
	{"controller.quorum.fetch.timeout.ms", kindInt, "2000", "KRaft: longest a voter waits without hearing from the leader before it stands for election"},
	{"controller.quorum.election.backoff.max.ms", kindInt, "1000", "KRaft: longest backoff before a new election"},
	{"broker.heartbeat.interval.ms", kindInt, "2000", "KRaft: broker heartbeat period"},
	{"broker.session.timeout.ms", kindInt, "9000", "KRaft: a broker without a heartbeat for this long is fenced"},
	{"metadata.log.dir", kindString, "", "KRaft metadata log directory; defaults to the first log.dirs entry"},
	{"metadata.log.max.record.bytes.between.snapshots", kindLong, "20971520", "KRaft: log bytes between snapshots"},
	{"metadata.log.max.snapshot.interval.ms", kindLong, "3600000", "KRaft: longest time between snapshots"},
	{"metadata.max.idle.interval.ms", kindInt, "500", "KRaft: the active controller appends a NoOpRecord every this many ms (0: never)"},
	{"controller.quorum.append.linger.ms", kindInt, "25", "KRaft: how long the active controller holds a window's first write so later ones join its log entry (0: no linger)"},
	{"log.dirs", kindList, "", "data directories; the first holds this node's state"},
	{"log.dir", kindString, "/tmp/kafka-logs", "data directory when log.dirs is unset"},
	{"broker.rack", kindString, "", "rack of this broker"},
	{"num.partitions", kindInt, "1", "partitions of a topic created with -1"},
	{"default.replication.factor", kindInt, "1", "replication factor of a topic created with -1"},
	{"auto.create.topics.enable", kindBool, "false", "must be false: kraftbench brokers never create topics on a Metadata request"},
	{"delete.topic.enable", kindBool, "true", "whether DeleteTopics is allowed"},
	{"socket.request.max.bytes", kindInt, "104857600", "largest request frame accepted"},
	{"request.timeout.ms", kindInt, "30000", "timeout of node-to-node requests"},
	{"kafka.version", kindString, "3.9", "Apache Kafka release whose behaviour the node models: 3.9 (both modes) or 4.1 (KRaft only: pre-vote, fast high-watermark propagation)"},
	{"kraftbench.replica.logs", kindBool, "true", "brokers create and delete replica logs under log.dirs as Kafka lays them out (kraftbench); false measures the control plane alone"},
	{"kraftbench.seed", kindLong, "1", "seed for replica placement and topic ids (kraftbench)"},
	{"kraftbench.status.listener", kindString, "", "host:port of the node's HTTP status endpoint (kraftbench); off when empty"},
}

var defIndex = func() map[string]def {
	m := make(map[string]def, len(defs))
	for _, d := range defs {
		m[d.name] = d
	}
	return m
}()

// Doc returns "name (default) - description" lines for every property, sorted,
// for --help output.
func Doc() []string {
	out := make([]string, 0, len(defs))
	for _, d := range defs {
		line := d.name
		if d.dflt != "" {
			line += " (default " + d.dflt + ")"
		}
		out = append(out, line+": "+d.doc)
	}
	sort.Strings(out)
	return out
}
