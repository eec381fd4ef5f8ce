package kraftmode

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kraftbench/kraftbench/internal/propfile"
)

// metaFile is Kafka's per-directory identity file.
const metaFile = "meta.properties"

// ErrNotFormatted is returned by Start for a metadata.log.dir that
// Format has not prepared.
var ErrNotFormatted = errors.New("metadata.log.dir is not formatted")

// NewClusterID draws a cluster id the way kafka-storage random-uuid prints
// one: 16 random bytes, URL-safe base64 without padding.
func NewClusterID(rng *rand.Rand) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkClusterID accepts what Kafka's Uuid.fromString accepts.
func checkClusterID(id string) error {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(b) != 16 {
		return fmt.Errorf("cluster.id %q: not a base64 UUID (22 characters, as kafka-storage random-uuid prints)", id)
	}
	return nil
}

// Format prepares dir as kafka-storage format does: it writes meta.properties
// (version=1, cluster.id, node.id) and syncs it. Formatting a directory again
// for the same cluster and node is a no-op; a directory that belongs to
// another cluster or node, or that holds metadata without meta.properties, is
// refused.
func Format(dir, clusterID string, nodeID int32) error {
	if err := checkClusterID(clusterID); err != nil {
		return fmt.Errorf("format %s: %w", dir, err)
	}
	if nodeID < 0 {
		return fmt.Errorf("format %s: node.id %d: must be >= 0", dir, nodeID)
	}
	m, err := readMeta(dir)
	switch {
	case err == nil && m.clusterID == clusterID && m.nodeID == nodeID && m.version == 0:
		// A ZooKeeper-mode broker's log dir being migrated (KIP-866): Kafka
		// keeps its data and rewrites meta.properties with node.id
		// (MetaPropertiesEnsemble.Copier in KafkaServer.scala:287-300 and
		// KafkaRaftServer at 3.9).
		return writeMeta(dir, clusterID, nodeID)
	case err == nil && m.clusterID == clusterID && m.nodeID == nodeID:
		return nil
	case err == nil:
		return fmt.Errorf("format %s: already formatted for cluster.id=%s node.id=%d; refusing to reformat it for cluster.id=%s node.id=%d",
			dir, m.clusterID, m.nodeID, clusterID, nodeID)
	case !errors.Is(err, ErrNotFormatted):
		return fmt.Errorf("format %s: %w", dir, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		return fmt.Errorf("format %s: directory is not empty and has no %s: refusing to format over foreign data", dir, metaFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("format %s: %w", dir, err)
	}
	return writeMeta(dir, clusterID, nodeID)
}

// writeMeta writes a version-1 meta.properties and syncs it.
func writeMeta(dir, clusterID string, nodeID int32) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "#\n#%s\nversion=1\ncluster.id=%s\nnode.id=%d\n", time.Now().UTC().Format(time.UnixDate), clusterID, nodeID)
	if err := propfile.WriteSync(filepath.Join(dir, metaFile), buf.Bytes()); err != nil {
		return fmt.Errorf("format %s: %w", dir, err)
	}
	return nil
}

// meta is the content of meta.properties.
type meta struct {
	version   int // 0: a ZooKeeper-mode broker's (broker.id), 1: KRaft's (node.id)
	clusterID string
	nodeID    int32
}

// readMeta reads dir/meta.properties; ErrNotFormatted when it is missing.
func readMeta(dir string) (meta, error) {
	props, err := propfile.Read(filepath.Join(dir, metaFile))
	if errors.Is(err, os.ErrNotExist) {
		return meta{}, fmt.Errorf("%w: %s has no %s (run kbnode format / kafka-storage format first)", ErrNotFormatted, dir, metaFile)
	}
	if err != nil {
		return meta{}, err
	}
	// Version 0 is what a ZooKeeper-mode broker writes (broker.id), version
	// 1 a KRaft node's (node.id); Kafka's loader reads both
	// (MetaProperties.java at 3.9, BROKER_ID_PROP "Only in V0").
	idProp, version := "node.id", 1
	switch props["version"] {
	case "1":
	case "0":
		idProp, version = "broker.id", 0
	default:
		return meta{}, fmt.Errorf("%s/%s: version=%q, want 1 (a KRaft directory) or 0 (a ZooKeeper-mode broker's)", dir, metaFile, props["version"])
	}
	id, err := strconv.ParseInt(props[idProp], 10, 32)
	if err != nil {
		return meta{}, fmt.Errorf("%s/%s: %s=%q: %w", dir, metaFile, idProp, props[idProp], err)
	}
	if err := checkClusterID(props["cluster.id"]); err != nil {
		return meta{}, fmt.Errorf("%s/%s: %w", dir, metaFile, err)
	}
	return meta{version: version, clusterID: props["cluster.id"], nodeID: int32(id)}, nil
}

// checkFormatted returns the cluster id of a directory formatted for nodeID.
func checkFormatted(dir string, nodeID int32) (string, error) {
	m, err := readMeta(dir)
	if err != nil {
		return "", err
	}
	if m.nodeID != nodeID {
		return "", fmt.Errorf("%s/%s has node.id=%d but this node is node.id=%d: it belongs to another node",
			dir, metaFile, m.nodeID, nodeID)
	}
	return m.clusterID, nil
}
