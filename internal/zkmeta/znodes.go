package zkmeta

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// The znodes Kafka's ZooKeeper mode keeps (kafka.zk.ZkData), with the same
// paths and JSON shapes, so zkCli.sh shows a kraftbench cluster as it would
// show a Kafka one.
const (
	ControllerPath      = "/controller"       // ephemeral {"version":1,"brokerid":N,"timestamp":"ms"}
	ControllerEpochPath = "/controller_epoch" // "E"; its version fences controllers
	BrokerIDsPath       = "/brokers/ids"      // /<id>: ephemeral registration
	TopicsPath          = "/brokers/topics"   // /<t>: assignment; /<t>/partitions/<p>/state
	DeleteTopicsPath    = "/admin/delete_topics"
	ConfigTopicsPath    = "/config/topics"
	ClusterIDPath       = "/cluster/id"

	// Checked by a new controller (onControllerFailover); kraftbench
	// writes none of them.
	LogDirEventsPath       = "/log_dir_event_notification"
	IsrChangesPath         = "/isr_change_notification"
	PreferredElectionPath  = "/admin/preferred_replica_election"
	ReassignPartitionsPath = "/admin/reassign_partitions"
	FeaturePath            = "/feature"
)

// PersistentPaths are created at broker start-up (Kafka's
// ZkData.PersistentZkPaths, the ones kraftbench uses plus their siblings).
var PersistentPaths = []string{
	"/consumers", BrokerIDsPath, TopicsPath, "/brokers/seqid", "/config/changes",
	ConfigTopicsPath, "/config/clients", "/config/brokers", DeleteTopicsPath,
	"/isr_change_notification", "/log_dir_event_notification",
}

func BrokerPath(id int32) string     { return BrokerIDsPath + "/" + strconv.Itoa(int(id)) }
func TopicPath(t string) string      { return TopicsPath + "/" + t }
func PartitionsPath(t string) string { return TopicPath(t) + "/partitions" }
func PartitionPath(t string, p int32) string {
	return PartitionsPath(t) + "/" + strconv.Itoa(int(p))
}
func StatePath(t string, p int32) string { return PartitionPath(t, p) + "/state" }
func DeleteTopicPath(t string) string    { return DeleteTopicsPath + "/" + t }
func TopicConfigPath(t string) string    { return ConfigTopicsPath + "/" + t }

func nowMillis() string { return strconv.FormatInt(time.Now().UnixMilli(), 10) }

// controllerZNode is /controller (Kafka's ControllerZNode).
type controllerZNode struct {
	Version   int    `json:"version"`
	BrokerID  int32  `json:"brokerid"`
	Timestamp string `json:"timestamp"`
}

func EncodeController(id int32) []byte {
	b, _ := json.Marshal(controllerZNode{Version: 1, BrokerID: id, Timestamp: nowMillis()})
	return b
}

func DecodeController(b []byte) (int32, error) {
	var z controllerZNode
	if err := json.Unmarshal(b, &z); err != nil {
		return -1, fmt.Errorf("decode %s: %w", ControllerPath, err)
	}
	return z.BrokerID, nil
}

func EncodeEpoch(e int32) []byte { return []byte(strconv.Itoa(int(e))) }

func DecodeEpoch(b []byte) (int32, error) {
	e, err := strconv.ParseInt(string(b), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("decode %s: %w", ControllerEpochPath, err)
	}
	return int32(e), nil
}

// brokerZNode is /brokers/ids/<id> at version 5 (Kafka 3.x BrokerIdZNode).
type brokerZNode struct {
	ListenerSecurityProtocolMap map[string]string `json:"listener_security_protocol_map"`
	Endpoints                   []string          `json:"endpoints"`
	JMXPort                     int               `json:"jmx_port"`
	Features                    map[string]any    `json:"features"`
	Host                        string            `json:"host"`
	Timestamp                   string            `json:"timestamp"`
	Port                        int32             `json:"port"`
	Version                     int               `json:"version"`
	Rack                        *string           `json:"rack,omitempty"`
}

// EncodeBroker writes every advertised listener; host and port are the
// first's (Kafka's legacy fields).
func EncodeBroker(eps []cluster.Endpoint, rack string) []byte {
	ep := eps[0]
	z := brokerZNode{
		ListenerSecurityProtocolMap: map[string]string{},
		JMXPort:                     -1, Features: map[string]any{},
		Host: ep.Host, Port: ep.Port, Timestamp: nowMillis(), Version: 5,
	}
	for _, e := range eps {
		z.ListenerSecurityProtocolMap[e.Listener] = "PLAINTEXT"
		z.Endpoints = append(z.Endpoints, e.Listener+"://"+net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port))))
	}
	if rack != "" {
		z.Rack = &rack
	}
	b, _ := json.Marshal(z)
	return b
}

// DecodeBroker reads a registration; epoch is the znode's czxid, Kafka's
// broker epoch.
func DecodeBroker(id int32, b []byte, epoch int64) (*cluster.Broker, error) {
	var z brokerZNode
	if err := json.Unmarshal(b, &z); err != nil {
		return nil, fmt.Errorf("decode %s: %w", BrokerPath(id), err)
	}
	br := &cluster.Broker{ID: id, Epoch: epoch}
	for _, e := range z.Endpoints {
		ep, err := parseEndpoint(e)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", BrokerPath(id), err)
		}
		br.Endpoints = append(br.Endpoints, ep)
	}
	if len(br.Endpoints) == 0 {
		br.Endpoints = []cluster.Endpoint{{Listener: "PLAINTEXT", Host: z.Host, Port: z.Port}}
	}
	if z.Rack != nil {
		br.Rack = *z.Rack
	}
	return br, nil
}

// parseEndpoint reads LISTENER://host:port.
func parseEndpoint(s string) (cluster.Endpoint, error) {
	name, addr, ok := strings.Cut(s, "://")
	if !ok {
		return cluster.Endpoint{}, fmt.Errorf("endpoint %q: want LISTENER://host:port", s)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return cluster.Endpoint{}, fmt.Errorf("endpoint %q: %w", s, err)
	}
	p, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		return cluster.Endpoint{}, fmt.Errorf("endpoint %q: %w", s, err)
	}
	return cluster.Endpoint{Listener: name, Host: host, Port: int32(p)}, nil
}

// topicZNode is /brokers/topics/<t> at version 3 (Kafka 3.x TopicZNode).
type topicZNode struct {
	Version          int                `json:"version"`
	TopicID          string             `json:"topic_id"`
	Partitions       map[string][]int32 `json:"partitions"`
	AddingReplicas   map[string][]int32 `json:"adding_replicas"`
	RemovingReplicas map[string][]int32 `json:"removing_replicas"`
}

func EncodeTopic(t *cluster.Topic) []byte {
	z := topicZNode{
		Version: 3, TopicID: t.ID.String(), Partitions: make(map[string][]int32, len(t.Partitions)),
		AddingReplicas: map[string][]int32{}, RemovingReplicas: map[string][]int32{},
	}
	for _, p := range t.Partitions {
		k := strconv.Itoa(int(p.ID))
		z.Partitions[k] = p.Replicas
		// A reassignment in progress (KIP-455): Kafka's TopicZNode writes
		// the adding and removing replicas of the partitions that have them.
		if len(p.Adding) > 0 {
			z.AddingReplicas[k] = p.Adding
		}
		if len(p.Removing) > 0 {
			z.RemovingReplicas[k] = p.Removing
		}
	}
	b, _ := json.Marshal(z)
	return b
}

// DecodeTopicPartitions is DecodeTopic with each partition's adding and
// removing replicas (a reassignment in progress), Leader cluster.NoLeader.
func DecodeTopicPartitions(name string, b []byte) (cluster.TopicID, []cluster.Partition, error) {
	id, assignment, err := DecodeTopic(name, b)
	if err != nil {
		return id, nil, err
	}
	var z topicZNode
	_ = json.Unmarshal(b, &z) // DecodeTopic read it already
	out := make([]cluster.Partition, len(assignment))
	for p, reps := range assignment {
		k := strconv.Itoa(p)
		out[p] = cluster.Partition{ID: int32(p), Replicas: reps, Leader: cluster.NoLeader,
			Adding: z.AddingReplicas[k], Removing: z.RemovingReplicas[k]}
	}
	return id, out, nil
}

// DecodeTopic returns the topic id and the replica assignment, indexed by
// partition id.
func DecodeTopic(name string, b []byte) (cluster.TopicID, [][]int32, error) {
	var z topicZNode
	if err := json.Unmarshal(b, &z); err != nil {
		return cluster.TopicID{}, nil, fmt.Errorf("decode %s: %w", TopicPath(name), err)
	}
	id, ok := cluster.ParseTopicID(z.TopicID)
	if !ok {
		return id, nil, fmt.Errorf("decode %s: bad topic_id %q", TopicPath(name), z.TopicID)
	}
	ids := make([]int, 0, len(z.Partitions))
	for k := range z.Partitions {
		p, err := strconv.Atoi(k)
		if err != nil || p < 0 || p >= len(z.Partitions) {
			return id, nil, fmt.Errorf("decode %s: bad partition %q", TopicPath(name), k)
		}
		ids = append(ids, p)
	}
	sort.Ints(ids)
	out := make([][]int32, len(ids))
	for _, p := range ids {
		out[p] = z.Partitions[strconv.Itoa(p)]
	}
	return id, out, nil
}

// StateZNode is /brokers/topics/<t>/partitions/<p>/state
// (Kafka's TopicPartitionStateZNode).
type StateZNode struct {
	ControllerEpoch int32   `json:"controller_epoch"`
	Leader          int32   `json:"leader"`
	Version         int     `json:"version"`
	LeaderEpoch     int32   `json:"leader_epoch"`
	ISR             []int32 `json:"isr"`
}

func EncodeState(leader, leaderEpoch int32, isr []int32, controllerEpoch int32) []byte {
	if isr == nil {
		isr = []int32{}
	}
	b, _ := json.Marshal(StateZNode{ControllerEpoch: controllerEpoch, Leader: leader, Version: 1, LeaderEpoch: leaderEpoch, ISR: isr})
	return b
}

func DecodeState(path string, b []byte) (StateZNode, error) {
	var z StateZNode
	if err := json.Unmarshal(b, &z); err != nil {
		return z, fmt.Errorf("decode %s: %w", path, err)
	}
	return z, nil
}

// configZNode is /config/topics/<t> (Kafka's ConfigEntityZNode).
type configZNode struct {
	Version int               `json:"version"`
	Config  map[string]string `json:"config"`
}

func EncodeConfig(cfg map[string]string) []byte {
	if cfg == nil {
		cfg = map[string]string{}
	}
	b, _ := json.Marshal(configZNode{Version: 1, Config: cfg})
	return b
}

func DecodeConfig(t string, b []byte) (map[string]string, error) {
	var z configZNode
	if err := json.Unmarshal(b, &z); err != nil {
		return nil, fmt.Errorf("decode %s: %w", TopicConfigPath(t), err)
	}
	return z.Config, nil
}

// ClusterIDZNode is /cluster/id.
type ClusterIDZNode struct {
	Version string `json:"version"`
	ID      string `json:"id"`
}
