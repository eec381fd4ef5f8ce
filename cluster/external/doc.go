// Package external is the provider of a Kafka cluster kraftbench did not
// start: real Apache Kafka in either mode, on Kubernetes or anywhere, or a
// kraftbench cluster started elsewhere, described by a cluster file (see
// File). Start starts nothing: it connects, reads the cluster's mode from the
// file or from the cluster's own answers (DescribeQuorum, ApiVersions), and
// checks that the nodes the file names are the ones the cluster serves.
//
// Everything a workload learns comes from the Kafka protocol, asked of each
// node directly: Status builds a node's image from its own Metadata answer
// (so digests compare with any other provider's), the KRaft leader and epoch
// from DescribeQuorum, and in ZooKeeper mode the controller and its epoch
// from /controller and /controller_epoch when the file gives
// zookeeper.connect. Faults are the file's shell commands, each run with
// bash -c under its own timeout; a fault the file gives no command for is
// refused with an error naming the missing key.
//
// The cluster is borrowed, so a run leaves it as it found it: every topic it
// creates starts with a prefix unique to the run (cluster.TopicScope), every
// create is recorded, and Stop deletes the recorded topics that carry the
// prefix (and nothing else) and runs the undo of any fault still in place.
// What needs more than the Kafka protocol (the store floor, a migration, a
// cold start without stop and start commands) is refused with
// cluster.ErrUnavailable, so those workloads are skipped with the reason.
package external
