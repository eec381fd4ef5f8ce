package cluster

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// TopicPlan is a CreateTopics entry after validation: either the topic to
// create (placed, leaders chosen) or the error to answer with.
type TopicPlan struct {
	Topic *Topic // nil when Err is set
	Err   error
}

// PlanCreate validates a CreateTopics request against img exactly as Kafka
// does and places the replicas of each valid topic. Both modes call it, so the
// same request produces the same answer and, for the same rng, the same
// placement in either mode.
//
// Checks, in Kafka's order: duplicate names in the request (INVALID_REQUEST),
// topic name rules (INVALID_TOPIC_EXCEPTION), existing topic
// (TOPIC_ALREADY_EXISTS) or '.'/'_' collision (INVALID_TOPIC_EXCEPTION),
// configs (INVALID_CONFIG), partition count (INVALID_PARTITIONS), replication
// factor against the live unfenced brokers (INVALID_REPLICATION_FACTOR), and
// manual assignments (INVALID_REPLICA_ASSIGNMENT). Topics earlier in the same
// request count as existing for the ones after them.
//
// The leader of each new partition is its first replica, the ISR all
// replicas, the leader epoch 0.
func PlanCreate(img *Image, specs []TopicSpec, d Defaults, rng *rand.Rand) []TopicPlan {
	plans := make([]TopicPlan, len(specs))
	walkCreate(img, specs, d, func(i int, s TopicSpec, live []int32, err error) bool {
		if err != nil {
			plans[i] = TopicPlan{Err: err}
			return false
		}
		plans[i] = TopicPlan{Topic: placeTopic(s, live, rng)}
		return true
	})
	return plans
}

// CheckCreate answers a CreateTopics request with ValidateOnly set: the
// checks of PlanCreate, in the same order and with the same codes, and for
// each valid topic its resolved partition count and replication factor, but
// no placement and no topic id. It allocates nothing per partition, so a
// request for 2^31-1 partitions is answered as cheaply as one for 1.
func CheckCreate(img *Image, specs []TopicSpec, d Defaults) []TopicResult {
	out := make([]TopicResult, len(specs))
	walkCreate(img, specs, d, func(i int, s TopicSpec, _ []int32, err error) bool {
		if err != nil {
			out[i] = ResultFor(s.Name, err)
			return false
		}
		out[i] = TopicResult{Name: s.Name, NumPartitions: s.NumPartitions, ReplicationFactor: s.ReplicationFactor}
		if len(s.Assignment) > 0 {
			out[i].NumPartitions = int32(len(s.Assignment))
			out[i].ReplicationFactor = int16(len(s.Assignment[0]))
		}
		return true
	})
	return out
}

// walkCreate checks each spec in request order and calls visit with the spec
// (counts resolved from d) and the live brokers, or with its error. visit
// returns whether the topic is taken: later specs then see it as existing.
func walkCreate(img *Image, specs []TopicSpec, d Defaults,
	visit func(i int, s TopicSpec, live []int32, err error) bool) {
	count := map[string]int{}
	for _, s := range specs {
		count[s.Name]++
	}
	// Only names holding '.' or '_' can collide with a different name, so
	// the index of existing names is built only when the request has one:
	// a request of plain names costs O(its topics), not O(every topic), as
	// Kafka's incrementally kept topicsWithCollisionChars makes it.
	unified := map[string]string{}
	if slices.ContainsFunc(specs, func(s TopicSpec) bool { return strings.ContainsAny(s.Name, "._") }) {
		for n := range img.Topics {
			if strings.ContainsAny(n, "._") {
				unified[UnifiedTopicName(n)] = n
			}
		}
	}
	live := img.LiveBrokerIDs()
	planned := map[string]bool{}
	exists := func(n string) bool { _, ok := img.Topics[n]; return ok || planned[n] }
	for i, s := range specs {
		err := checkSpec(img, &s, d, len(live), count, exists, unified)
		if visit(i, s, live, err) {
			planned[s.Name] = true
			unified[UnifiedTopicName(s.Name)] = s.Name
		}
	}
}

// checkSpec applies Kafka's checks to one spec, in Kafka's order, and
// resolves its -1 counts.
func checkSpec(img *Image, s *TopicSpec, d Defaults, live int,
	count map[string]int, exists func(string) bool, unified map[string]string) error {
	if count[s.Name] > 1 {
		return errDuplicate(s.Name)
	}
	if err := ValidateTopicName(s.Name); err != nil {
		return err
	}
	if err := checkCollision(s.Name, exists, unified); err != nil {
		return err
	}
	if err := ValidateTopicConfigs(s.Configs); err != nil {
		return err
	}
	if err := validateCounts(s, d, live); err != nil {
		return err
	}
	if len(s.Assignment) > 0 {
		return validateAssignment(s.Assignment, img)
	}
	return nil
}

// placeTopic builds the topic of a checked spec: the manual assignment or
// Kafka's placement, leaders the first replicas, a fresh id from rng.
func placeTopic(s TopicSpec, live []int32, rng *rand.Rand) *Topic {
	var assignment [][]int32
	if len(s.Assignment) > 0 {
		assignment = make([][]int32, len(s.Assignment))
		for p, reps := range s.Assignment {
			assignment[p] = append([]int32(nil), reps...)
		}
	} else {
		assignment = AssignReplicas(live, s.NumPartitions, s.ReplicationFactor, rng)
	}
	t := &Topic{Name: s.Name, ID: NewTopicID(rng), Partitions: make([]Partition, len(assignment))}
	for p, reps := range assignment {
		t.Partitions[p] = Partition{
			ID: int32(p), Replicas: reps, ISR: append([]int32(nil), reps...),
			Leader: reps[0], LeaderEpoch: 0,
		}
	}
	if len(s.Configs) > 0 {
		t.Configs = make(map[string]string, len(s.Configs))
		for k, v := range s.Configs {
			t.Configs[k] = v
		}
	}
	return t
}

// PlanDelete checks a DeleteTopics request: duplicate names are
// INVALID_REQUEST, unknown topics UNKNOWN_TOPIC_OR_PARTITION. It returns one
// result per name (Code 0 for the topics to delete, with their ids).
func PlanDelete(img *Image, names []string) []TopicResult {
	count := map[string]int{}
	for _, n := range names {
		count[n]++
	}
	out := make([]TopicResult, len(names))
	for i, n := range names {
		switch t, ok := img.Topics[n]; {
		case count[n] > 1:
			out[i] = ResultFor(n, errDuplicate(n))
		case !ok:
			out[i] = ResultFor(n, Errorf(kerr.UnknownTopicOrPartition, "Topic %s does not exist.", n))
		default:
			out[i] = TopicResult{Name: n, ID: t.ID, NumPartitions: int32(len(t.Partitions)),
				ReplicationFactor: t.ReplicationFactor()}
		}
	}
	return out
}
