package cluster

import (
	"context"
	"time"
)

// TopicSpec is one topic of a CreateTopics request, as Kafka carries it.
type TopicSpec struct {
	Name string
	// NumPartitions and ReplicationFactor may be -1 for the broker defaults
	// (num.partitions, default.replication.factor).
	NumPartitions     int32
	ReplicationFactor int16
	// Assignment, when set, is a manual replica assignment by partition id;
	// NumPartitions and ReplicationFactor must then be -1.
	Assignment map[int32][]int32
	Configs    map[string]string
}

// TopicResult is the outcome for one topic of a CreateTopics or DeleteTopics
// request. Code is a Kafka error code (0 for success), Message says why.
type TopicResult struct {
	Name              string
	ID                TopicID
	NumPartitions     int32
	ReplicationFactor int16
	Code              int16
	Message           string
}

// Err returns the result's error, or nil on success.
func (r TopicResult) Err() error {
	if r.Code == 0 {
		return nil
	}
	return &Error{Code: r.Code, Message: r.Message}
}

// ResultFor builds a TopicResult carrying err's Kafka code.
func ResultFor(name string, err error) TopicResult {
	r := TopicResult{Name: name, Code: ErrorCode(err)}
	if err != nil {
		if e, ok := err.(*Error); ok {
			r.Message = e.Message
		} else {
			r.Message = err.Error()
		}
	}
	return r
}

// Role is a value of process.roles.
type Role string

// The roles a node can take. ZooKeeper-mode brokers are controller-eligible
// and report RoleBroker; the elected one also reports Active.
const (
	RoleBroker     Role = "broker"
	RoleController Role = "controller"
)

// Status is a node's own account of where it stands.
type Status struct {
	NodeID int32
	Mode   Mode // ModeZK or ModeKRaft
	Roles  []Role
	// ActiveControllerID is the active controller as this node knows it, -1
	// when unknown. Active says whether this node is that controller.
	ActiveControllerID int32
	Active             bool
	// ControllerEpoch is the ZooKeeper controller epoch or the Raft term.
	ControllerEpoch int64
	// MetadataOffset is the offset of the image this node serves.
	MetadataOffset int64
	// Registered and Fenced describe this node's broker registration (both
	// false for a controller-only node).
	Registered bool
	Fenced     bool
	Digest     string
	// LiveBrokers is how many brokers are live (unfenced) in the image this
	// node serves: readiness needs every broker in it, since brokers can
	// agree on one digest that still lacks a broker that just registered,
	// or that lacks every broker (the empty image each broker serves until
	// the first UpdateMetadata or metadata record reaches it). Nil only for
	// a status that does not carry the count (the docker provider's fake
	// node); a real node always sets it, to 0 when its image has no broker.
	LiveBrokers *int `json:",omitempty"`
	// Migration is a KRaft controller's ZooKeeper-migration state (Kafka's
	// ZkMigrationState: "pre-migration", "migration" for dual writes,
	// "post-migration" once finalized), empty when there is none.
	Migration string `json:",omitempty"`
	// LogsBehind says that a broker serves an image whose replica logs it
	// is still making or removing: a KRaft broker publishes an image before
	// it creates the logs the image gives it (BrokerMetadataPublisher), so
	// for a while after a large create it serves partitions it has no log
	// for yet, and applies nothing newer until it is done. A ZooKeeper-mode
	// broker makes them before it answers LeaderAndIsr, so it is never
	// behind in this sense.
	LogsBehind bool `json:",omitempty"`
}

// HasRole reports whether the status lists role r.
func (s Status) HasRole(r Role) bool {
	for _, x := range s.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Controller is the metadata control plane as one node hosts it: zkmode and
// kraftmode implement it, and the Kafka-protocol front serves clients from it.
//
// Concurrency: every method is safe for concurrent use. CreateTopics and
// DeleteTopics may block until the change is committed and visible as Kafka
// defines it (ZooKeeper mode: every partition has a leader in the brokers'
// caches; KRaft mode: the batch is committed to the metadata log), or until ctx
// ends. Results come back in request order, one per topic; a non-nil error
// means the whole request failed (for example NOT_CONTROLLER), and then no
// result is returned.
//
// A node that cannot accept writes (a ZooKeeper-mode broker that is not the
// controller) answers with an *Error carrying NOT_CONTROLLER; a KRaft broker
// or standby forwards to the active controller.
type Controller interface {
	CreateTopics(ctx context.Context, specs []TopicSpec) ([]TopicResult, error)
	DeleteTopics(ctx context.Context, names []string) ([]TopicResult, error)
	// Image returns the image this node serves now. It must not be modified.
	Image() *Image
	// Status is cheap and never blocks on the network.
	Status() Status
	// Close stops the node's control-plane work. It is idempotent.
	Close() error
}

// WriteChecker is the optional extra of a node that may refuse writes as a
// whole, without looking at them: a ZooKeeper-mode broker that is not the
// controller, or a KRaft standby controller. The front calls it before
// answering a CreateTopics with ValidateOnly set, which it checks against the
// node's image without writing: a node that would answer NOT_CONTROLLER to a
// write says so to a validation too, as Kafka does.
//
// CheckWrite is cheap and never blocks on the network. It returns nil when
// the node would carry out (or forward) a write now, or the whole-request
// error (an *Error with NOT_CONTROLLER) it would answer.
type WriteChecker interface {
	CheckWrite() error
}

// QuorumDescriber is the optional extra of a KRaft node: what
// kafka-metadata-quorum.sh describe --status shows.
type QuorumDescriber interface {
	DescribeQuorum(ctx context.Context) (QuorumInfo, error)
}

// QuorumInfo describes the metadata quorum.
type QuorumInfo struct {
	LeaderID      int32
	LeaderEpoch   int32
	HighWatermark int64
	Voters        []ReplicaState
	Observers     []ReplicaState
}

// ReplicaState is one voter's or observer's position in the metadata log.
type ReplicaState struct {
	ID           int32
	LogEndOffset int64
	LastFetch    time.Time // zero when unknown
	LastCaughtUp time.Time // zero when unknown
}
