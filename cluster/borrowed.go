package cluster

import (
	"errors"
	"fmt"
)

// ProviderExternal names the provider of a cluster kraftbench did not start
// (package cluster/external): a Kafka cluster described by a cluster file.
// Its topology is the cluster's own, not a Spec's, so a scenario run on it
// validates the cluster file instead of its topology.
const ProviderExternal = "external"

// A borrowed cluster is one kraftbench did not start and must hand back as it
// found it: the optional extras below let a run ask what such a cluster can
// give, and keep to the topics it made.

// Need is something a workload asks of a cluster beyond the Kafka protocol,
// Status and Fault.
type Need string

// The needs a cluster may be unable to meet.
const (
	// NeedStoreFloor is direct access to the metadata store (ZooKeeper's
	// ensemble, the KRaft controller's status listener) to time the floor.
	NeedStoreFloor Need = "store floor"
	// NeedMigration is starting, reconfiguring and stopping processes for
	// a ZooKeeper-to-KRaft migration.
	NeedMigration Need = "migration"
	// NeedColdStart is stopping every node and starting them all again
	// (Restarter).
	NeedColdStart Need = "cold start"
)

// ErrUnavailable is wrapped by the error of a cluster that cannot meet a
// Need. A workload that gets it is skipped, not failed: the run's result
// says it was skipped and why.
var ErrUnavailable = errors.New("not available on this cluster")

// NeedChecker is the optional extra of a cluster that cannot meet every
// Need. A cluster that is no NeedChecker meets them all as far as its other
// extras go (a Restarter can cold start, a Migrator migrate).
type NeedChecker interface {
	// CanMeet returns nil, or an error wrapping ErrUnavailable saying why.
	CanMeet(n Need) error
}

// CanMeet asks c whether it can meet n.
func CanMeet(c Cluster, n Need) error {
	if nc, ok := c.(NeedChecker); ok {
		return nc.CanMeet(n)
	}
	return nil
}

// Unavailable returns an error wrapping ErrUnavailable for need n.
func Unavailable(n Need, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", n, ErrUnavailable, fmt.Sprintf(format, args...))
}

// TopicScope is the optional extra of a borrowed cluster, whose other topics
// a run must never touch. Every topic the run creates is named with
// TopicPrefix first, and every Admin the run uses goes through Track, which
// records the names it asks to create; the cluster's Stop deletes the
// recorded topics that carry the prefix and still exist, and nothing else.
type TopicScope interface {
	// TopicPrefix is unique to the run: a topic name starting with it and
	// "-" is one the run may have made.
	TopicPrefix() string
	// Track returns adm recording every topic it asks to create. The result
	// is safe for concurrent use, as adm is.
	Track(adm Admin) Admin
}

// RunNoter is the optional extra of a cluster whose runs need a word in
// their results on how to read them (an external cluster says which of its
// settings were stated by the user rather than read from it).
type RunNoter interface {
	RunNotes() []string
}
