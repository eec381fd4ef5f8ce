// Package cluster is the seam both metadata control planes share.
//
// It holds the metadata model a broker serves (brokers, topics, partitions,
// and the Image that gathers them with a stable digest), Kafka's validation
// rules for topic requests, Kafka's rack-unaware replica placement, and the
// two small interfaces the rest of kraftbench is written against:
//
//   - Controller: what one node of either mode (zkmode, kraftmode) serves.
//     The Kafka-protocol front (package cluster/front) answers clients from it.
//   - Admin: what workloads drive, built on kadm over the Kafka protocol
//     (package cluster/admin), so the same workloads can point at a real
//     Kafka cluster.
//
// Nothing in this package knows which mode is running: the architecture is
// the only variable a benchmark changes.
package cluster
