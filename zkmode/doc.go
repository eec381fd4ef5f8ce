// Package zkmode is Kafka's ZooKeeper-mode control plane (Kafka <= 3.9),
// built on a real Apache ZooKeeper ensemble with github.com/go-zookeeper/zk,
// so that its costs are the real ones: one znode write per partition state,
// a watch round trip per change, a full reload on failover, and a push to
// every broker.
//
// # Roles
//
// Every Node is a broker, and every broker is controller-eligible, as in
// Kafka. The broker registers the ephemeral /brokers/ids/<id> and serves
// metadata from a cache that only the controller's pushes change. The
// controller is an event loop (Kafka's ControllerEventManager) that every
// node runs; it is active while the node holds /controller.
//
// # ZooKeeper layout
//
// Kafka's paths and JSON shapes (see internal/zkmeta): /controller,
// /controller_epoch, /brokers/ids/<id>, /brokers/topics/<t>,
// /brokers/topics/<t>/partitions/<p>/state, /admin/delete_topics/<t>,
// /config/topics/<t>, /cluster/id. A chroot in zookeeper.connect is honoured
// (and created), as Kafka does.
//
// # Election and fencing
//
// Every request of a broker's session, reads and writes, the controller's
// and the admin path's, takes one of zookeeper.max.in.flight.requests (10)
// slots, as Kafka's ZooKeeperClient semaphore does (internal/zkmeta,
// whose client keeps the bound).
//
// Election is KafkaZkClient.registerControllerAndIncrementControllerEpoch:
// read /controller_epoch, then one multi that creates the ephemeral
// /controller and sets /controller_epoch to epoch+1 conditioned on the
// version read. Every later controller write is its own multi whose first
// op checks /controller_epoch is still at the version the election left it
// (one znode per transaction, pipelined, as Kafka writes; cwrites.go), so
// a deposed controller's writes fail with BADVERSION and change nothing; the
// controller then resigns. Brokers refuse pushes carrying an older controller
// epoch (STALE_CONTROLLER_EPOCH) or an older broker epoch (the czxid of
// their registration; STALE_BROKER_EPOCH).
//
// # Topic creation and deletion
//
// CreateTopics is accepted only by the controller (others answer
// NOT_CONTROLLER; kadm follows the controller id of Metadata answers). It
// validates and places topics with cluster.PlanCreate against the node's own
// metadata cache (Kafka validates against its metadata cache too), then,
// topic by topic, makes AdminZkClient's requests: exists on
// /admin/delete_topics/<t> and /brokers/topics/<t>, getData /controller, a
// multi checking /controller's version and setting /config/topics/<t>
// (NONODE for a new topic), the config create, the topic znode, and a
// getData of it for the topic id; a concurrent creation of the same name
// loses on NODEEXISTS (TOPIC_ALREADY_EXISTS). The controller's child watch on
// /brokers/topics fires; its event reads the children and the new
// assignments (each getData leaving Kafka's PartitionModifications watch on
// the topic znode, as Kafka's ZooKeeperClient does with the same read),
// creates the partition znodes in Kafka's three waves (every /partitions,
// then every /partitions/<p>, then every /partitions/<p>/state, each znode
// its own epoch-checked create; leader = first live replica, ISR = live
// replicas), and queues LeaderAndIsr to the
// replicas and UpdateMetadata to every live broker. The CreateTopics answer
// waits (Kafka's DelayedCreatePartitions) until the controller's own broker
// has applied that UpdateMetadata, so every partition has a leader in its
// cache, as Kafka checks; other brokers may still be catching up, and a
// dead broker whose session has not yet expired does not hold the answer
// (the propagation workload measures when every broker serves it); ctx
// ending first gives
// REQUEST_TIMED_OUT.
//
// DeleteTopics checks /brokers/topics/<t> exists and writes
// /admin/delete_topics/<t>; the controller's watch sends UpdateMetadata with
// leader -2 (LeaderDuringDelete) to every broker, and the answer comes once
// the controller's own broker applied it (DelayedDeleteTopics). The
// controller then moves the live replicas to OfflineReplica (StopReplica
// without delete, a re-read and an ISR write per replica and partition) and
// to ReplicaDeletionStarted (StopReplica with delete) and, once they
// answered, deletes the topic's znodes (Kafka's deleteRecursive, one
// request at a time, each delete epoch-checked). Unlike Kafka, a deletion
// does not stall while a replica is offline.
//
// # Pushes
//
// The controller keeps one queue and one sender goroutine per live broker
// (ControllerChannelManager) and sends over the node-to-node Kafka protocol
// (package cluster/front): LeaderAndIsr v6, UpdateMetadata v8, StopReplica
// v3. Each controller event produces at most one request of each kind per
// broker. A full push (failover, broker start-up) is an UpdateMetadata whose
// v8 Type tag says FULL (KIP-866's field), which replaces the receiving
// cache instead of merging into it, so topics deleted while a broker missed
// pushes do not linger. A broker's Image().Offset counts the pushes it
// applied; Image().ControllerID is the controller of the last push.
//
// # Failures
//
// A broker whose /brokers/ids znode disappears (clean shutdown closes the
// session; a crash lets it expire after zookeeper.session.timeout.ms, 18 s by
// default) has its partitions' leaders re-elected (first live replica in the
// ISR, in assignment order; unclean election off) and then leaves the ISRs
// (Kafka's OfflineReplica), each step re-reading the state znodes before it
// writes them one per transaction (statemachine.go). With no ISR member left
// a partition has leader -1 and keeps its last ISR member, as Kafka does.
// There is no replication to catch up, so a replica that comes back (a
// broker starts, or a new controller finds it live) rejoins the ISR at once,
// as the AlterPartition its leader would send (isr.go). Leadership does not
// come back to it by itself: with auto.leader.rebalance.enable the
// controller checks 5 s after it took over and then every
// leader.imbalance.check.interval.seconds (300 s) and, for each broker that
// does not lead more than leader.imbalance.per.broker.percentage (10) of the
// partitions it is the preferred replica of, elects the preferred replica
// wherever it is live and in the ISR: a re-read, an epoch-checked state
// write per partition, LeaderAndIsr and UpdateMetadata (rebalance.go).
// ElectLeaders (PREFERRED) does the same on request and answers once the
// controller's own broker has the new leaders (electleaders.go).
//
// A clean stop (Close, SIGTERM in kbnode) is Kafka's controlled shutdown
// (shutdown.go): the broker sends ControlledShutdown to the controller,
// which moves the leadership of every replicated partition the broker leads
// to another in-sync replica and drops the broker from the ISRs it is in,
// one state znode read and write per partition and step (the elections,
// then the OfflineReplica pass), and answers with the
// partitions it could not move; the broker retries up to
// controlled.shutdown.max.retries times, controlled.shutdown.retry.backoff.ms
// apart, then stops anyway. The answer waits for every live broker's
// acknowledgement of the pushes, at most 5 s (Kafka answers once they are
// queued).
//
// When /controller disappears, every broker races; the winner follows
// Kafka's onControllerFailover order: it loads all brokers, topics and
// partition states with pipelined reads (up to 10 in flight), sends an
// UpdateMetadata with the live brokers, then LeaderAndIsr for every online
// replica with a second UpdateMetadata carrying every partition, runs the
// OfflineReplica pass over the dead brokers' replicas, elects leaders for
// the partitions whose leader is gone and creates states a dead controller
// had not yet written, and resumes queued deletions. Node.LastFailover
// reports the reload, push and state-change times.
//
// Topic configs (configs.go, configchanges.go) are written by any broker
// to /config/topics/<t> with a sequential /config/changes notification
// that every broker's listener reads; CreatePartitions (createpartitions.go)
// rewrites the topic znode at the controller, whose PartitionModifications
// watch creates the new partitions. Reassignments (reassign.go) run the
// controller's onPartitionReassignment phases from AlterPartitionReassignments.
//
// Not modelled: reassignments written to /admin/reassign_partitions by the
// old tool (the znode is only read), and preferred elections asked through
// /admin/preferred_replica_election (only its existence is checked on
// failover).
//
// # Replica logs
//
// A broker creates each replica's log under log.dirs as Kafka lays it out
// (package cluster/replicalog) before it answers the LeaderAndIsr that makes
// it a replica, and deletes it on StopReplica with delete; with
// kraftbench.replica.logs=false (Config.ReplicaLogsDisabled) it touches no
// files. An UpdateMetadata that carries partitions first copies every
// partition state of the cache, as ZkMetadataCache does.
//
// # Benchmarks
//
//	go test ./zkmode -run '^$' -bench CreateTopicVsZKWrites -benchtime=300x
//	go test ./zkmode -run '^$' -bench ControllerReload -benchtime=5x
//	KB_BENCH_100K=1 go test ./zkmode -run '^$' -bench 'ControllerReload/partitions=100000' -benchtime=3x -timeout 30m
//
// Both run on their own 3-server ensemble with fsync on.
//
// Kill simulates kill -9 in-process: the ZooKeeper connection is cut by the
// session's dialer without a closeSession request, so the ephemerals stay
// until ZooKeeper expires the session; a real process kill belongs to the
// providers. Package ensemble starts the ZooKeeper servers.
package zkmode
