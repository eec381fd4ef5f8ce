package cluster

import (
	"encoding/base64"
	"maps"
	"math/rand/v2"
	"slices"
)

// NoLeader is the leader id of a partition that has no live leader, as Kafka
// writes it.
const NoLeader int32 = -1

// Endpoint is one listener a broker advertises, in Kafka's terms.
type Endpoint struct {
	Listener string // listener name, e.g. PLAINTEXT
	Host     string
	Port     int32
}

// Broker is a broker as the metadata image records it.
type Broker struct {
	ID        int32
	Endpoints []Endpoint // the first is the one clients are given
	Rack      string     // empty when broker.rack is unset
	// Epoch is the broker's registration epoch: the offset of its
	// RegisterBrokerRecord in KRaft mode, the czxid of its /brokers/ids znode
	// in ZooKeeper mode. It changes each time the broker registers anew.
	Epoch int64
	// Fenced brokers are registered but may not lead partitions and are not
	// returned to clients (KRaft). ZooKeeper mode has no fencing: a broker is
	// either registered (present) or gone.
	Fenced bool
}

// Addr returns the client endpoint (the first) of the broker.
func (b *Broker) Addr() (Endpoint, bool) {
	if len(b.Endpoints) == 0 {
		return Endpoint{}, false
	}
	return b.Endpoints[0], true
}

// EndpointFor returns the endpoint on the named listener, or the first
// endpoint when the broker has none of that name (or name is empty). Kafka
// answers a client with the endpoints of the listener it connected to, which
// is how one broker can be reached as 127.0.0.1:PORT from the host and by its
// container name from its peers.
func (b *Broker) EndpointFor(listener string) (Endpoint, bool) {
	for _, e := range b.Endpoints {
		if e.Listener == listener && listener != "" {
			return e, true
		}
	}
	return b.Addr()
}

// Partition is one partition's assignment and leadership.
type Partition struct {
	ID          int32
	Replicas    []int32
	ISR         []int32
	Leader      int32 // NoLeader when no replica can lead
	LeaderEpoch int32
	// Adding and Removing are the replicas a reassignment in progress adds
	// and removes (KIP-455); both empty when none is (reassign.go).
	Adding   []int32
	Removing []int32
}

// Clone returns a deep copy of p.
func (p Partition) Clone() Partition {
	p.Replicas = slices.Clone(p.Replicas)
	p.ISR = slices.Clone(p.ISR)
	p.Adding = slices.Clone(p.Adding)
	p.Removing = slices.Clone(p.Removing)
	return p
}

// TopicID is Kafka's 16-byte topic id.
type TopicID [16]byte

// NewTopicID draws a random, non-zero topic id from rng.
func NewTopicID(rng *rand.Rand) TopicID {
	var id TopicID
	for id == (TopicID{}) {
		for i := 0; i < 16; i += 8 {
			v := rng.Uint64()
			for j := 0; j < 8; j++ {
				id[i+j] = byte(v >> (8 * j))
			}
		}
	}
	return id
}

// String formats the id the way Kafka's tools print it (URL-safe base64, no
// padding).
func (id TopicID) String() string {
	return base64.RawURLEncoding.EncodeToString(id[:])
}

// ParseTopicID parses the String form of a topic id.
func ParseTopicID(s string) (TopicID, bool) {
	var id TopicID
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return id, false
	}
	copy(id[:], b)
	return id, true
}

// Topic is a topic with its partitions, indexed by partition id.
type Topic struct {
	Name       string
	ID         TopicID
	Partitions []Partition // Partitions[i].ID == i
	Configs    map[string]string
}

// Clone returns a deep copy of t.
func (t *Topic) Clone() *Topic {
	c := &Topic{Name: t.Name, ID: t.ID, Partitions: make([]Partition, len(t.Partitions))}
	for i, p := range t.Partitions {
		c.Partitions[i] = p.Clone()
	}
	if t.Configs != nil {
		c.Configs = make(map[string]string, len(t.Configs))
		for k, v := range t.Configs {
			c.Configs[k] = v
		}
	}
	return c
}

// ReplicationFactor returns the replica count of the first partition.
func (t *Topic) ReplicationFactor() int16 {
	if len(t.Partitions) == 0 {
		return 0
	}
	return int16(len(t.Partitions[0].Replicas))
}

// Image is the metadata a node serves: every broker, every topic, and where
// in the metadata history it stands.
//
// An Image is immutable once published: readers share it without locks, and
// writers derive the next one with Clone (which copies the maps but shares the
// *Topic and *Broker values) and replace, never mutate, the entries they
// change. That keeps an update O(topics) instead of O(partitions).
type Image struct {
	ClusterID string
	// Offset is the position in the metadata history this image reflects:
	// the last applied log offset in KRaft mode, the controller's update
	// sequence in ZooKeeper mode. It only grows on one node.
	Offset int64
	// ControllerID is the active controller as this node knows it, or -1.
	ControllerID int32
	Brokers      map[int32]*Broker
	Topics       map[string]*Topic
}

// NewImage returns an empty image.
func NewImage(clusterID string) *Image {
	return &Image{
		ClusterID:    clusterID,
		ControllerID: -1,
		Brokers:      map[int32]*Broker{},
		Topics:       map[string]*Topic{},
	}
}

// Clone returns a copy whose maps may be changed without touching img. The
// Broker and Topic values are shared: replace them, do not mutate them.
func (img *Image) Clone() *Image {
	c := *img
	c.Brokers = make(map[int32]*Broker, len(img.Brokers))
	for k, v := range img.Brokers {
		c.Brokers[k] = v
	}
	c.Topics = make(map[string]*Topic, len(img.Topics))
	for k, v := range img.Topics {
		c.Topics[k] = v
	}
	return &c
}

// TopicNames returns the topic names in sorted order.
func (img *Image) TopicNames() []string {
	return slices.Sorted(maps.Keys(img.Topics))
}

// BrokerIDs returns the ids of all registered brokers, sorted.
func (img *Image) BrokerIDs() []int32 {
	return slices.Sorted(maps.Keys(img.Brokers))
}

// LiveBrokerIDs returns the ids of registered, unfenced brokers, sorted:
// the brokers that may be given new replicas or lead partitions.
func (img *Image) LiveBrokerIDs() []int32 {
	ids := make([]int32, 0, len(img.Brokers))
	for id, b := range img.Brokers {
		if !b.Fenced {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// PartitionCount returns the total number of partitions in the image.
func (img *Image) PartitionCount() int {
	n := 0
	for _, t := range img.Topics {
		n += len(t.Partitions)
	}
	return n
}

// TopicByID returns the topic with the given id, if any.
func (img *Image) TopicByID(id TopicID) (*Topic, bool) {
	for _, t := range img.Topics {
		if t.ID == id {
			return t, true
		}
	}
	return nil, false
}
