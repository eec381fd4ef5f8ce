package zkmode

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	if old, err := readProps(path); err == nil {
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
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("log.dirs %s: %w", dir, err)
	}
	_, err = f.WriteString(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("log.dirs %s: write meta.properties: %w", dir, err)
	}
	return nil
}

// readProps reads a Java properties file of key=value lines.
func readProps(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			props[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return props, sc.Err()
}
