package replicalog

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// metadataTopic is KRaft's metadata log, which LogManager.loadLogs leaves to
// the Raft layer (3.9 LogManager.scala:465-470).
const metadataTopic = "__cluster_metadata"

// load is LogManager.loadLogs for one log directory (3.9
// LogManager.scala:412-545) after a clean shutdown: it reads the recovery
// and log-start checkpoints, then loads each <topic>-<partition> directory
// with num.recovery.threads.per.data.dir (1) thread, as LogLoader does for a
// log that needs no recovery: it opens the segment and its two indexes and
// reads partition.metadata (UnifiedLog.initializeTopicId). Directories
// renamed for deletion are removed after file.delete.delay.ms, as the
// logsToBeDeleted queue does. So a broker that restarts knows its logs and
// does not create them again (LogManager.getOrCreateLog returns a loaded
// log), and pays a cost that grows with the logs it holds.
func (d *Dir) load() error {
	for _, name := range []string{RecoveryCheckpoint, LogStartCheckpoint} {
		if _, err := os.ReadFile(filepath.Join(d.root, name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("read %s: %w", name, err)
		}
	}
	entries, err := os.ReadDir(d.root)
	if err != nil {
		return fmt.Errorf("log.dirs %s: %w", d.root, err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(d.root, e.Name())
		if strings.HasSuffix(e.Name(), deleteSuffix) {
			time.AfterFunc(d.opts.DeleteDelay, func() { d.schedule(func() { _ = os.RemoveAll(dir) }) })
			continue
		}
		p, ok := parseDirName(e.Name())
		if !ok || p.Topic == metadataTopic {
			continue
		}
		if err := loadLog(dir); err != nil {
			return fmt.Errorf("load log %s: %w", e.Name(), err)
		}
		d.logs[p] = true
	}
	return nil
}

// loadLog opens what LogLoader opens for a cleanly shut-down log; a file a
// crash left missing is created again, as LogLoader rebuilds a missing
// index.
func loadLog(dir string) error {
	for _, lf := range logFiles {
		path := filepath.Join(dir, lf.name)
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			if err := createSized(path, lf.size); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		_, err = f.Stat()
		f.Close()
		if err != nil {
			return err
		}
	}
	if _, err := os.ReadFile(filepath.Join(dir, PartitionMetadataFile)); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// parseDirName is UnifiedLog.parseTopicPartitionName: the partition is what
// follows the last '-'.
func parseDirName(name string) (Partition, bool) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return Partition{}, false
	}
	id, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || id < 0 {
		return Partition{}, false
	}
	return Partition{Topic: name[:i], ID: int32(id)}, true
}
