package cluster

import (
	"fmt"
	"slices"
)

// KafkaVersion is the Apache Kafka release whose behaviour a mode models
// (the kafka.version property). Each behaviour that changed between releases
// asks the version (its methods below) instead of comparing strings, so the
// list of what differs lives here, once.
//
//   - 3.9: the last release with both modes (ZooKeeper mode and KRaft). The
//     default, and the only version ZooKeeper mode models.
//   - 4.1: KRaft only: pre-vote (KIP-996, Kafka 4.0) and the leader waking
//     parked observer fetches when the high watermark moves (KAFKA-14145,
//     Kafka 4.1).
type KafkaVersion string

// The versions kraftbench models.
const (
	Kafka39 KafkaVersion = "3.9"
	Kafka41 KafkaVersion = "4.1"
)

// DefaultKafkaVersion is kafka.version's default.
const DefaultKafkaVersion = Kafka39

// KafkaVersions lists every modelled version, oldest first.
func KafkaVersions() []KafkaVersion { return []KafkaVersion{Kafka39, Kafka41} }

// ParseKafkaVersion reads a kafka.version value; "" is the default.
func ParseKafkaVersion(s string) (KafkaVersion, error) {
	if s == "" {
		return DefaultKafkaVersion, nil
	}
	v := KafkaVersion(s)
	if !slices.Contains(KafkaVersions(), v) {
		return "", fmt.Errorf("kafka.version %q: want one of %v", s, KafkaVersions())
	}
	return v, nil
}

// OrDefault returns v, or DefaultKafkaVersion when v is empty.
func (v KafkaVersion) OrDefault() KafkaVersion {
	if v == "" {
		return DefaultKafkaVersion
	}
	return v
}

// SupportsMode reports whether the release has mode (ModeZK or ModeKRaft):
// ZooKeeper mode was removed in Kafka 4.0.
func (v KafkaVersion) SupportsMode(mode Mode) bool {
	if mode == ModeZK {
		return v.OrDefault() == Kafka39
	}
	return true
}

// PreVote reports whether KRaft voters pre-vote before an election and
// refuse pre-votes while they still hear from a leader (KIP-996, Kafka 4.0).
func (v KafkaVersion) PreVote() bool { return v.OrDefault() != Kafka39 }

// FastHighWatermark reports whether the KRaft leader completes parked
// observer fetches when the high watermark advances (KAFKA-14145, Kafka
// 4.1). Before it, a parked fetch completes only when the leader's log end
// offset grows or the fetch's max wait expires, so brokers learn of a commit
// on the next append or after up to 500 ms.
func (v KafkaVersion) FastHighWatermark() bool { return v.OrDefault() != Kafka39 }
