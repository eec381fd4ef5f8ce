package zkmode

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kraftbench/kraftbench/internal/propfile"
)

// writeBrokerMeta writes the log dir's meta.properties as a ZooKeeper-mode
// Kafka broker does at start (3.9 KafkaServer.scala:287-300, through
// MetaPropertiesEnsemble.Copier): version 0, broker.id and the cluster.id
// read from /cluster/id. A directory whose meta.properties names another
// broker or cluster is refused, as Kafka's verify does (KafkaServer.scala:258,
// InconsistentBrokerIdException / InconsistentClusterIdException). A KRaft
// broker rolled onto the same directory during a migration reads this file
// (kraftmode/format.go).
func writeBrokerMeta(dir, clusterID string, brokerID int32) error {
	path := filepath.Join(dir, "meta.properties")
	if old, err := propfile.Read(path); err == nil {
		id := old["broker.id"]
		if old["version"] == "1" {
			id = old["node.id"]
		}
		if id != fmt.Sprint(brokerID) || old["cluster.id"] != clusterID {
			return fmt.Errorf("log.dirs %s: meta.properties is for broker %s of cluster %s, not broker %d of cluster %s",
				dir, id, old["cluster.id"], brokerID, clusterID)
		}
		if old["version"] == "0" {
			return nil
		}
	} else if !os.IsNotExist(err) {
		return fmt.Errorf("log.dirs %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("log.dirs %s: %w", dir, err)
	}
	body := fmt.Sprintf("#\n#kraftbench\nversion=0\nbroker.id=%d\ncluster.id=%s\n", brokerID, clusterID)
	if err := propfile.WriteSync(path, []byte(body)); err != nil {
		return fmt.Errorf("log.dirs %s: write meta.properties: %w", dir, err)
	}
	return nil
}
