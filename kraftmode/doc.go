// Package kraftmode is kraftbench's KRaft-mode control plane (Kafka >= 3.3):
// a Raft controller quorum with a replicated metadata log
// (github.com/hashicorp/raft), and brokers that register, heartbeat and
// fetch that log as observers. It implements cluster.Controller and
// cluster.QuorumDescriber.
//
// # What is modelled, and why it costs what it costs
//
//   - The metadata log __cluster_metadata is the Raft log, durable in
//     metadata.log.dir (raft-wal segments for the log and stable store, one
//     fsync per append, as Kafka flushes once per appended batch;
//     raft.FileSnapshotStore for snapshots). Its entries are
//     batches of Kafka's metadata records (RegisterBrokerRecord, TopicRecord,
//     PartitionRecord, ConfigRecord, PartitionChangeRecord,
//     BrokerRegistrationChangeRecord, RemoveTopicRecord, NoOpRecord), framed
//     and versioned as Kafka frames them (records.go). One CreateTopics is one
//     entry: its TopicRecords, ConfigRecords and PartitionRecords commit
//     atomically, and the controller answers only after the commit. An
//     AlterPartitionReassignments is one entry of PartitionChangeRecords
//     (version 1 carries the replicas being added and removed); the new
//     replicas' brokers send AlterPartition once they have made the logs,
//     and that record completes the move (reassign.go, catchup.go).
//   - The Raft leader is the active controller. Every controller replays
//     every committed entry onto its own image (fsm.go): a hot standby, which
//     becomes active after committing one NoOpRecord, without reloading
//     anything. A restart rebuilds the image from the latest snapshot plus
//     the log tail. Snapshots are taken by each controller after
//     metadata.log.max.record.bytes.between.snapshots bytes or
//     metadata.log.max.snapshot.interval.ms, and bound the log.
//   - Like Kafka's QuorumController, the active controller plans every
//     request against its in-memory state including records appended but not
//     yet committed (active.go), so concurrent CreateTopics pipeline instead
//     of serialising on commit latency. Losing leadership drops that state;
//     the next activation starts from the committed image.
//   - Writes linger before they reach the log, as in Kafka's
//     BatchAccumulator (accumulator.go): the first append of a window starts
//     a controller.quorum.append.linger.ms timer (25 ms), and everything
//     appended until it expires (or until the batch reaches 8 MiB) becomes
//     one log entry. So a lone CreateTopics on an idle quorum takes the
//     linger plus a commit. The activation NoOpRecord, which stands for
//     Kafka's force-drained LeaderChangeMessage, skips it. A NoOpRecord is
//     appended every metadata.max.idle.interval.ms (500 ms) on a fixed
//     period, as QuorumController schedules it.
//   - Brokers register (BrokerRegistration, with a fresh incarnation id per
//     start; the broker epoch is the offset of its RegisterBrokerRecord),
//     heartbeat every broker.heartbeat.interval.ms (BrokerHeartbeat with
//     wantFence and currentMetadataOffset) and fetch the log from the active
//     controller (Fetch on __cluster_metadata, long poll up to 500 ms; a
//     FetchSnapshot, chunked by position, when they are behind the log
//     start). They serve Metadata from the image they build. A broker
//     without a heartbeat for broker.session.timeout.ms is fenced: the
//     active controller commits a BrokerRegistrationChangeRecord and
//     PartitionChangeRecords moving leadership to another live ISR member
//     (leader epoch bumped; -1 when none, the last ISR member kept, as
//     Kafka does). It is unfenced when it heartbeats with wantFence=false
//     having caught up to its own registration. A clean stop is a
//     controlled shutdown: its leaderships move first, and it is let go
//     only once the other brokers' heartbeats report offsets past those
//     moves (heartbeats.go). Metadata names a random live broker as the
//     controller in each answer, as Kafka's brokers do (controllerid.go).
//   - A broker's image holds only what the high watermark of its last
//     fetch answer covers: like Kafka's observers, brokers fetch the
//     uncommitted tail too but never publish it (observer.go). When that
//     answer brings the news of a commit depends on kafka.version
//     (purgatory.go). At 3.9 the leader completes a parked fetch only when
//     its log grows (or the 500 ms max wait runs out, and then with the
//     high watermark of when the fetch was parked), so a commit reaches
//     brokers with the next append, on an idle quorum the periodic
//     NoOpRecord: 0-525 ms later, about 260 ms on average. At 4.1
//     (KAFKA-14145) it also completes parked fetches when the high
//     watermark advances: about one round trip. MeasureVisibility measures
//     it, ExpectedVisibility states Kafka's window.
//   - Writes that reach a broker or a standby are forwarded to the active
//     controller, which the node finds from the answers (a Fetch's
//     CurrentLeader, NOT_CONTROLLER) or, on a controller, from Raft; a
//     standby asked on its controller listener answers NOT_CONTROLLER.
//   - Roles: process.roles = controller, broker, or both (combined). The
//     broker half of a combined node reads the local controller's image, as
//     Kafka's combined node reads its local log.
//
// # One port per controller
//
// Raft and the broker-to-controller Kafka-protocol RPCs share the
// controller's listener (controller.quorum.voters), as they do in Kafka: a
// Raft connection starts with the byte 'R' (0x52), which as the first byte of
// a Kafka size prefix would announce a frame over 1.3 GB, beyond any frame
// limit; mux.go routes each connection on its first byte.
//
// # Timeouts: Kafka properties onto hashicorp/raft
//
//	controller.quorum.fetch.timeout.ms (2000)       -> the watchdog's fetch timer (election.go)
//	controller.quorum.election.timeout.ms (1000)    -> the watchdog's Unattached timer; HeartbeatTimeout,
//	                                                   ElectionTimeout and LeaderLeaseTimeout while standing
//	controller.quorum.election.backoff.max.ms       -> no equivalent (a timed-out candidate retries at once)
//	metadata.log.max.record.bytes.between.snapshots, metadata.log.max.snapshot.interval.ms
//	                                                -> the node's own snapshot trigger (raft's entry-count trigger is off)
//	Config.TrailingLogs                             -> TrailingLogs (entries kept behind a snapshot)
//	kafka.version                                   -> PreVoteDisabled (3.9) or hashicorp's pre-vote (4.1)
//
// hashicorp tests a follower's last contact on a ticker re-armed at
// U(T, 2T), pre-votes by default and refuses votes while it still has a
// leader, so left alone it detected a dead leader after 2-6 s and elected
// only once the slower follower had. The watchdog keeps Kafka's clocks
// instead: a voter stands exactly fetch.timeout after its last fetch (an
// entry's arrival, or a 500 ms max-wait boundary the leader was alive for),
// Unattached voters after election.timeout randomised to [T, 2T), and raft
// is made to act through ReloadConfig (a decrease of HeartbeatTimeout wakes
// its follower timer at once). In 3.9 votes carry hashicorp's
// leadership-transfer flag, so followers grant them as Kafka 3.9's do (no
// stickiness). After a kill -9 of the active controller a new one is
// elected in 1.5-2.0 s, or, in 3.9 when the two survivors stand together
// and split the vote, one election timeout later (2.5-4.0 s); in 4.1 the
// later survivor wins its pre-vote at once. What remains different: the
// leader resigns after election.timeout (hashicorp caps its lease at the
// lowered HeartbeatTimeout) instead of 1.5x fetch.timeout; a timed-out
// candidate retries without Kafka's 0-100 ms backoff. Followers learn the
// commit index on the next AppendEntries (at most CommitTimeout, 50 ms,
// when idle), where Kafka's voters learn it from their next fetch.
//
// # Simplifications (documented, deliberate)
//
//   - Forwarded CreateTopics/DeleteTopics are sent as themselves, not wrapped
//     in an Envelope.
//   - A broker keeps the uncommitted entries it fetched aside and drops them
//     when an answer comes from a new leader epoch, then fetches again from
//     its published offset; Kafka's observers truncate to the diverging
//     epoch instead. Either way nothing above the high watermark is served.
//   - The combined node's broker reads its local controller's image, which
//     a standby applies when hashicorp's next AppendEntries brings the
//     commit index (at most 50 ms when idle), not with Kafka 3.9's delayed
//     high watermark: combined-mode propagation from standbys is faster
//     than Kafka's.
//   - Broker-only nodes keep no local copy of the log: a restarted broker
//     rebuilds its image from the active controller (log or snapshot),
//     where Kafka's broker replays its local log first.
//   - There is no data plane, hence no AlterPartition: an unfenced broker
//     rejoins the ISR of its partitions at once. Leadership comes back to it
//     only through preferred-leader balancing (rebalance.go): as in Kafka
//     3.9's QuorumController, after every write event that leaves
//     partitions off their preferred replica the active controller
//     schedules, leader.imbalance.check.interval.seconds (300 s) ahead
//     unless auto.leader.rebalance.enable is false, a write that commits
//     PartitionChangeRecords moving leadership to each preferred replica
//     that is unfenced and in the ISR (at most 1000 per event), and
//     ElectLeaders (PREFERRED, forwarded by brokers) does so on request
//     (electleaders.go).
//   - DescribeQuorum: hashicorp/raft does not expose the leader's view of
//     its followers, so the active controller asks each voter for its own
//     position (a voter answers DescribeQuorum with NOT_LEADER_OR_FOLLOWER,
//     its log end offset and its last contact with the leader).
//   - Crash closes every connection and stops Raft without a goodbye, which
//     is what peers of a kill -9'd process see; killing real processes is
//     the providers' job (cluster/local, cluster/docker).
//
// # Use
//
//	err := kraftmode.Format(dir, clusterID, 1)     // once, like kafka-storage format
//	node, err := kraftmode.Start(ctx, kraftmode.Config{
//		NodeID: 1,
//		Roles:  []cluster.Role{cluster.RoleBroker, cluster.RoleController}, // combined
//		Voters: map[int32]string{1: "127.0.0.1:9093", 2: "127.0.0.1:9094", 3: "127.0.0.1:9095"},
//		BrokerEndpoint: cluster.Endpoint{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9092},
//		MetadataLogDir: dir,
//	}, front.NewServer(front.Options{})) // the CONTROLLER listener's server; nil for a broker
//	clients := front.NewServer(front.Options{})
//	front.RegisterKafkaAPIs(clients, node)
//	go clients.Serve(brokerListener)          // the PLAINTEXT listener, the caller's
//	defer node.Close()
package kraftmode
