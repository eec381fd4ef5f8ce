package cluster

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// MaxTopicNameLength is Kafka's limit on a topic name (Topic.MAX_NAME_LENGTH).
const MaxTopicNameLength = 249

// ValidateTopicName applies Kafka's rules (org.apache.kafka.common.internals.Topic):
// not empty, not "." or "..", at most 249 characters, only ASCII letters,
// digits, '.', '_' and '-'. The error is INVALID_TOPIC_EXCEPTION with Kafka's
// message.
func ValidateTopicName(name string) error {
	switch {
	case name == "":
		return Errorf(kerr.InvalidTopicException, "Topic name is illegal, it can't be empty")
	case name == "." || name == "..":
		return Errorf(kerr.InvalidTopicException, "Topic name cannot be \".\" or \"..\"")
	case len(name) > MaxTopicNameLength:
		return Errorf(kerr.InvalidTopicException,
			"Topic name is illegal, it can't be longer than %d characters, topic name: %s", MaxTopicNameLength, name)
	}
	for i := 0; i < len(name); i++ {
		if !legalTopicByte(name[i]) {
			return Errorf(kerr.InvalidTopicException,
				"Topic name %q is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
		}
	}
	return nil
}

func legalTopicByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// UnifiedTopicName maps '.' to '_': Kafka refuses two topics whose names are
// equal under this mapping, because their metric names would collide.
func UnifiedTopicName(name string) string {
	return strings.ReplaceAll(name, ".", "_")
}

// Defaults are the broker settings that fill in a CreateTopics request's -1s.
type Defaults struct {
	NumPartitions     int32 // num.partitions, Kafka's default 1
	ReplicationFactor int16 // default.replication.factor, Kafka's default 1
}

// KafkaDefaults returns Kafka's shipped defaults.
func KafkaDefaults() Defaults { return Defaults{NumPartitions: 1, ReplicationFactor: 1} }

// validateCounts resolves -1 to the defaults and checks the counts against
// the live brokers, with Kafka's codes and messages.
func validateCounts(spec *TopicSpec, d Defaults, live int) error {
	if len(spec.Assignment) > 0 {
		if spec.NumPartitions != -1 || spec.ReplicationFactor != -1 {
			return Errorf(kerr.InvalidRequest,
				"Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.")
		}
		return nil
	}
	if spec.NumPartitions == -1 {
		spec.NumPartitions = d.NumPartitions
	}
	if spec.ReplicationFactor == -1 {
		spec.ReplicationFactor = d.ReplicationFactor
	}
	if spec.NumPartitions <= 0 {
		return Errorf(kerr.InvalidPartitions, "Number of partitions was set to an invalid non-positive value.")
	}
	if spec.ReplicationFactor <= 0 {
		return Errorf(kerr.InvalidReplicationFactor,
			"Replication factor must be larger than 0, or -1 to use the default value.")
	}
	if int(spec.ReplicationFactor) > live {
		return Errorf(kerr.InvalidReplicationFactor,
			"Unable to replicate the partition %d time(s): The target replication factor of %d cannot be reached because only %d broker(s) are registered.",
			spec.ReplicationFactor, spec.ReplicationFactor, live)
	}
	return nil
}

// validateAssignment checks a manual replica assignment as Kafka does:
// partitions numbered 0..n-1, one replication factor, no duplicate replica,
// every replica a live broker.
func validateAssignment(a map[int32][]int32, img *Image) error {
	rf := -1
	for p := int32(0); p < int32(len(a)); p++ {
		reps, ok := a[p]
		if !ok {
			return Errorf(kerr.InvalidReplicaAssignment, "Partitions should be a consecutive 0-based integer sequence")
		}
		if len(reps) == 0 {
			return Errorf(kerr.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
		}
		if rf >= 0 && len(reps) != rf {
			return Errorf(kerr.InvalidReplicaAssignment, "All partitions should have the same number of replicas")
		}
		rf = len(reps)
		seen := map[int32]bool{}
		for _, r := range reps {
			if seen[r] {
				return Errorf(kerr.InvalidReplicaAssignment, "Duplicate replica assignment found: %v", reps)
			}
			seen[r] = true
			if b, ok := img.Brokers[r]; !ok || b.Fenced {
				return Errorf(kerr.InvalidReplicaAssignment,
					"The manual partition assignment includes broker %d, but no such broker is registered.", r)
			}
		}
	}
	return nil
}

// checkCollision returns TOPIC_ALREADY_EXISTS for an exact match and
// INVALID_TOPIC_EXCEPTION for a '.'/'_' collision with an existing topic.
func checkCollision(name string, exists func(string) bool, unified map[string]string) error {
	if exists(name) {
		return Errorf(kerr.TopicAlreadyExists, "Topic '%s' already exists.", name)
	}
	if other, ok := unified[UnifiedTopicName(name)]; ok && other != name {
		return Errorf(kerr.InvalidTopicException, "Topic '%s' collides with existing topic: %s", name, other)
	}
	return nil
}

// errDuplicate is Kafka's answer to a request naming one topic twice.
func errDuplicate(name string) error {
	return Errorf(kerr.InvalidRequest, "Found multiple entries for topic %s in the request.", name)
}
