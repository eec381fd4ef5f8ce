package zkmeta

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Config change notifications, as Kafka 3.9 lays them out
// (core/src/main/scala/kafka/zk/ZkData.scala ConfigEntityChangeNotificationZNode
// and ConfigEntityChangeNotificationSequenceZNode): a persistent sequential
// /config/changes/config_change_<10 digits> whose data names the changed
// entity, {"version":2,"entity_path":"topics/<t>"}. Every broker watches
// the children of /config/changes (ZkConfigManager) and reads the entity's
// config znode for each notification newer than the last it processed.
const (
	ConfigChangesPath  = "/config/changes"
	ConfigChangePrefix = "config_change_"
	// ConfigChangeExpiry is how old a notification must be before a broker
	// deletes it (ZkConfigManager's changeExpirationMs, 15 minutes).
	ConfigChangeExpiryMillis = 15 * 60 * 1000
)

// ConfigChangeSeqPath is the path a sequential create is given: ZooKeeper
// appends the sequence number.
func ConfigChangeSeqPath() string { return ConfigChangesPath + "/" + ConfigChangePrefix }

// TopicEntityPath is a topic's entity path in a notification.
func TopicEntityPath(t string) string { return "topics/" + t }

type configChangeZNode struct {
	Version    int    `json:"version"`
	EntityPath string `json:"entity_path"`
}

// EncodeConfigChange is a version-2 notification for entityPath.
func EncodeConfigChange(entityPath string) []byte {
	b, _ := json.Marshal(configChangeZNode{Version: 2, EntityPath: entityPath})
	return b
}

// DecodeConfigChange returns the entity type and name a version-2
// notification names ("topics", "t").
func DecodeConfigChange(b []byte) (entityType, name string, err error) {
	var z configChangeZNode
	if err := json.Unmarshal(b, &z); err != nil {
		return "", "", fmt.Errorf("decode config change notification: %w", err)
	}
	if z.Version != 2 {
		return "", "", fmt.Errorf("config change notification version %d: only version 2 is supported", z.Version)
	}
	typ, name, ok := strings.Cut(z.EntityPath, "/")
	if !ok || name == "" {
		return "", "", fmt.Errorf("config change notification: invalid entity_path %q", z.EntityPath)
	}
	return typ, name, nil
}

// ConfigChangeNumber is the sequence number of a notification's name, false
// for a child that is not one.
func ConfigChangeNumber(child string) (int64, bool) {
	s, ok := strings.CutPrefix(child, ConfigChangePrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
