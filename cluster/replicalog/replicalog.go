// Package replicalog lays out a broker's replica logs on disk as Kafka 3.9
// does under log.dirs, so that becoming a replica and dropping one cost the
// file-system work they cost a Kafka broker: no data is ever appended.
//
// Creating a log (LogManager.getOrCreateLog, 3.9 LogManager.scala:1033-1110)
// makes the directory <topic>-<partition> (createLogDirectory,
// Files.createDirectories, :1123-1140), and UnifiedLog's load (LogLoader.scala
// :153-160, 453-463) opens the first segment, base offset 0:
// 00000000000000000000.log, empty without log.preallocate, and its offset and
// time indexes, which resizeIndexes(segment.index.bytes) creates and sizes at
// once (AbstractIndex.java:90-102: createNewFile, setLength rounded down to
// the entry size, 8 and 12 bytes), so two sparse files of about 10 MB; the
// leader-epoch-checkpoint is created empty (CheckpointFile.java:67). The
// partition.metadata file (version 0 and the topic id) is written by a
// scheduler task after the log is created (UnifiedLog.initializeTopicId,
// UnifiedLog.scala:208-231; PartitionMetadataFile.maybeFlush: a temporary
// file, fsync, atomic rename), so after the LeaderAndIsr answer.
//
// Deleting a log (LogManager.asyncDelete, :1301-1335) renames the directory
// to <topic>-<partition>.<uuid>-delete (atomicMoveWithFallback, which also
// fsyncs the parent), rewrites the directory's checkpoints without it, and
// removes the files after file.delete.delay.ms (60000).
//
// The checkpoints Kafka's background tasks rewrite (tmp, fsync, rename;
// CheckpointFile.java:75-88) are written on Kafka's schedule:
// replication-offset-checkpoint every
// replica.high.watermark.checkpoint.interval.ms (5000) and
// recovery-point-offset-checkpoint and log-start-offset-checkpoint every
// log.flush.offset.checkpoint.interval.ms (60000).
//
// Not modelled: the index mmaps and their page faults, and the log flusher.
package replicalog

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/internal/propfile"
)

// Kafka's defaults for the sizes and schedules above.
const (
	// SegmentIndexBytes is segment.index.bytes.
	SegmentIndexBytes = 10 * 1024 * 1024
	// FileDeleteDelay is file.delete.delay.ms.
	FileDeleteDelay = 60 * time.Second
	// HighWatermarkCheckpointInterval is replica.high.watermark.checkpoint.interval.ms.
	HighWatermarkCheckpointInterval = 5 * time.Second
	// OffsetCheckpointInterval is log.flush.offset.checkpoint.interval.ms.
	OffsetCheckpointInterval = 60 * time.Second
)

// The files of a log and of its directory, as Kafka names them.
const (
	FirstSegment          = "00000000000000000000"
	PartitionMetadataFile = "partition.metadata"
	LeaderEpochCheckpoint = "leader-epoch-checkpoint"
	ReplicationCheckpoint = "replication-offset-checkpoint"
	RecoveryCheckpoint    = "recovery-point-offset-checkpoint"
	LogStartCheckpoint    = "log-start-offset-checkpoint"
	deleteSuffix          = "-delete"
)

// Partition names one replica.
type Partition struct {
	Topic string
	ID    int32
}

// DirName is Kafka's log directory name, <topic>-<partition>.
func (p Partition) DirName() string { return p.Topic + "-" + strconv.Itoa(int(p.ID)) }

// Options are a Dir's timings; zero values take Kafka's defaults.
type Options struct {
	DeleteDelay        time.Duration // file.delete.delay.ms
	HighWatermarkEvery time.Duration // replica.high.watermark.checkpoint.interval.ms
	OffsetsEvery       time.Duration // log.flush.offset.checkpoint.interval.ms
	BackgroundThreads  int           // background.threads
}

// Dir is one log.dirs entry of a broker. Safe for concurrent use.
type Dir struct {
	root string
	opts Options

	mu    sync.Mutex
	logs  map[Partition]bool
	tasks *scheduler // KafkaScheduler: partition.metadata flushes, deletions
	stop  chan struct{}
	done  sync.WaitGroup // the checkpointer
}

// Open creates root if needed, loads the logs it already holds (a broker
// restarting on its log.dirs, load below) and starts the checkpoint tasks.
func Open(root string, opts Options) (*Dir, error) {
	if opts.DeleteDelay == 0 {
		opts.DeleteDelay = FileDeleteDelay
	}
	if opts.HighWatermarkEvery == 0 {
		opts.HighWatermarkEvery = HighWatermarkCheckpointInterval
	}
	if opts.OffsetsEvery == 0 {
		opts.OffsetsEvery = OffsetCheckpointInterval
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("log.dirs %s: %w", root, err)
	}
	if opts.BackgroundThreads == 0 {
		opts.BackgroundThreads = BackgroundThreads
	}
	d := &Dir{root: root, opts: opts, logs: map[Partition]bool{}, stop: make(chan struct{})}
	d.tasks = newScheduler(opts.BackgroundThreads)
	if err := d.load(); err != nil {
		d.tasks.close()
		return nil, err
	}
	d.done.Add(1)
	go d.checkpointer()
	return d, nil
}

// Root is the directory.
func (d *Dir) Root() string { return d.root }

// logFiles are the files of a new log and their sizes.
var logFiles = []struct {
	name string
	size int64
}{
	{FirstSegment + ".log", 0},
	{FirstSegment + ".index", SegmentIndexBytes / 8 * 8},
	{FirstSegment + ".timeindex", SegmentIndexBytes / 12 * 12},
	{LeaderEpochCheckpoint, 0},
}

// Create makes p's log unless it exists (LogManager.getOrCreateLog), and
// schedules its partition.metadata with topicID (Kafka's 16-byte Uuid).
func (d *Dir) Create(p Partition, topicID [16]byte) error {
	d.mu.Lock()
	if d.logs[p] {
		d.mu.Unlock()
		return nil
	}
	d.logs[p] = true
	d.mu.Unlock()
	dir := filepath.Join(d.root, p.DirName())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create log %s: %w", p.DirName(), err)
	}
	for _, f := range logFiles {
		if err := createSized(filepath.Join(dir, f.name), f.size); err != nil {
			return fmt.Errorf("create log %s: %w", p.DirName(), err)
		}
	}
	d.schedule(func() {
		body := "version: 0\ntopic_id: " + base64.RawURLEncoding.EncodeToString(topicID[:])
		_ = writeAtomic(filepath.Join(dir, PartitionMetadataFile), body)
	})
	return nil
}

// Delete is LogManager.asyncDelete: rename to the -delete name (fsyncing the
// parent), rewrite the checkpoints, remove the files after the delay. A log
// that does not exist is fine.
func (d *Dir) Delete(p Partition) error {
	d.mu.Lock()
	had := d.logs[p]
	delete(d.logs, p)
	d.mu.Unlock()
	if !had {
		return nil
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	from := filepath.Join(d.root, p.DirName())
	to := filepath.Join(d.root, p.DirName()+"."+hex.EncodeToString(id[:])+deleteSuffix)
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("delete log %s: %w", p.DirName(), err)
	}
	if err := syncDir(d.root); err != nil {
		return err
	}
	if err := d.writeCheckpoints(RecoveryCheckpoint, LogStartCheckpoint); err != nil {
		return err
	}
	time.AfterFunc(d.opts.DeleteDelay, func() { d.schedule(func() { _ = os.RemoveAll(to) }) })
	return nil
}

// Logs lists the logs the directory holds, sorted.
func (d *Dir) Logs() []Partition {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Partition, 0, len(d.logs))
	for p := range d.logs {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Partition) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out
}

// Close stops the background tasks after the pending ones ran, and removes
// the logs already renamed for deletion (Kafka would at its next start).
func (d *Dir) Close() error {
	select {
	case <-d.stop:
		return nil
	default:
		close(d.stop)
	}
	d.done.Wait()
	d.tasks.close()
	entries, err := os.ReadDir(d.root)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), deleteSuffix) {
			errs = append(errs, os.RemoveAll(filepath.Join(d.root, e.Name())))
		}
	}
	return errors.Join(errs...)
}

func (d *Dir) schedule(task func()) { d.tasks.schedule(task) }

func (d *Dir) checkpointer() {
	defer d.done.Done()
	hw := time.NewTicker(d.opts.HighWatermarkEvery)
	offsets := time.NewTicker(d.opts.OffsetsEvery)
	defer hw.Stop()
	defer offsets.Stop()
	for {
		select {
		case <-hw.C:
			_ = d.writeCheckpoints(ReplicationCheckpoint)
		case <-offsets.C:
			_ = d.writeCheckpoints(RecoveryCheckpoint, LogStartCheckpoint)
		case <-d.stop:
			return
		}
	}
}

// writeCheckpoints writes the named offset checkpoints of the directory in
// CheckpointFile's version-0 format: the version, the entry count, then
// "topic partition offset" per log (every offset is 0: nothing is written).
func (d *Dir) writeCheckpoints(names ...string) error {
	var b strings.Builder
	logs := d.Logs()
	fmt.Fprintf(&b, "0\n%d\n", len(logs))
	for _, p := range logs {
		fmt.Fprintf(&b, "%s %d 0\n", p.Topic, p.ID)
	}
	for _, n := range names {
		if err := writeAtomic(filepath.Join(d.root, n), b.String()); err != nil {
			return err
		}
	}
	return nil
}

// createSized creates path with size bytes, sparse (RandomAccessFile.setLength).
func createSized(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if size > 0 {
		if err := f.Truncate(size); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// writeAtomic writes body to path.tmp, fsyncs it and renames it over path,
// then fsyncs the directory (Utils.atomicMoveWithFallback).
func writeAtomic(path, body string) error {
	if err := propfile.WriteSync(path, []byte(body)); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
