package kraftmode

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// metadataDir is where the Raft log, stable store and snapshots live inside
// metadata.log.dir, named as Kafka names the metadata log's partition dir.
const metadataDir = "__cluster_metadata-0"

// logCacheEntries is how many recent entries stay in memory, so broker
// fetches of the log tail do not read the disk (Kafka's page cache).
const logCacheEntries = 4096

// walSegmentBytes is the size of a log segment file, which raft-wal
// preallocates: Kafka's smallest metadata log segment
// (metadata.log.segment.min.bytes, 8 MiB, Kafka 3.9 KRaftConfigs.java), not
// its 1 GiB default, so that idle test clusters and containers do not
// reserve a gigabyte each.
const walSegmentBytes = 8 << 20

// boltLogFile is where kraftbench kept the Raft log before it used raft-wal.
const boltLogFile = "raft.db"

// quorum is a controller's Raft machinery and its durable stores.
type quorum struct {
	raft  *raft.Raft
	logs  *watchedLog // the cached log: what fetches read, and what wakes them
	store *wal.WAL    // the log and the stable store (term, vote)
	// meta is the store's metadata database, which wal.WAL.Close leaves
	// open (raft-wal v0.4.0): closing it frees its file lock, so the same
	// process can open the directory again (an in-process restart).
	meta  *metadb.BoltMetaDB
	snaps *raft.FileSnapshotStore
	mux   *mux
	// Kafka's election timers (election.go).
	arrivals *arrivalClock
	watchdog *electionWatchdog
}

// openQuorum opens the stores in metadata.log.dir, listens on the controller
// port and starts Raft. A first start (no Raft state on disk) bootstraps the
// quorum from controller.quorum.voters; every voter does so with the same
// configuration, which is what hashicorp/raft requires.
//
// The log is a raft-wal segment log: one fsync per append, as Kafka flushes
// its metadata log once per appended batch on the leader and once per
// fetched batch on a follower (Kafka 3.9, KafkaRaftClient.flushLeaderLog;
// RaftManager.scala, the metadata log flushed on every append). raft-boltdb,
// which kraftbench used before, fsyncs twice per append (bbolt's data pages,
// then its meta page).
func openQuorum(cfg *Config, f *fsm) (*quorum, error) {
	dir := filepath.Join(cfg.MetadataLogDir, metadataDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("metadata.log.dir: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, boltLogFile)); err == nil {
		return nil, fmt.Errorf("metadata.log.dir %s holds a Raft log in the raft-boltdb format (%s) of an older kraftbench; "+
			"this one keeps the log in raft-wal segments: format the directory again",
			cfg.MetadataLogDir, boltLogFile)
	}
	hl := hclog.New(&hclog.LoggerOptions{Name: "raft-wal", Level: hclog.Warn, Output: slogWriter{cfg.Logger}})
	meta := &metadb.BoltMetaDB{}
	store, err := wal.Open(dir, wal.WithSegmentSize(walSegmentBytes), wal.WithLogger(hl), wal.WithMetaStore(meta))
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("open raft log in %s: %w", dir, err)
	}
	q := &quorum{store: store, meta: meta}
	if err := q.start(cfg, f, dir); err != nil {
		q.close(true)
		return nil, err
	}
	return q, nil
}

func (q *quorum) start(cfg *Config, f *fsm, dir string) error {
	var err error
	hl := hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: slogWriter{cfg.Logger}})
	if q.snaps, err = raft.NewFileSnapshotStoreWithLogger(dir, 2, hl); err != nil {
		return fmt.Errorf("open snapshots in %s: %w", dir, err)
	}
	cache, err := raft.NewLogCache(logCacheEntries, q.store)
	if err != nil {
		return fmt.Errorf("log cache: %w", err)
	}
	// Appends stamp the election watchdog's clock (election.go), then wake
	// parked fetches (purgatory.go).
	q.arrivals = &arrivalClock{LogStore: cache}
	q.logs = newWatchedLog(q.arrivals)
	ln := cfg.ControllerListener
	if ln == nil {
		bind := cfg.ControllerListen
		if bind == "" {
			bind = cfg.Voters[cfg.NodeID]
		}
		if ln, err = net.Listen("tcp", bind); err != nil {
			return fmt.Errorf("listen on controller address %s: %w", bind, err)
		}
	}
	q.mux = newMux(ln, cfg.Voters[cfg.NodeID])
	trans := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: streamLayer{q.mux}, MaxPool: 3, Timeout: 10 * time.Second, Logger: hl,
	})
	hasState, err := raft.HasExistingState(q.logs, q.store, q.snaps)
	if err != nil {
		trans.Close()
		return fmt.Errorf("read raft state: %w", err)
	}
	if q.raft, err = raft.NewRaft(cfg.raftConfig(), f, q.logs, q.store, q.snaps, cfg.electionTransport(trans)); err != nil {
		trans.Close()
		return fmt.Errorf("start raft: %w", err)
	}
	if !hasState {
		err := q.raft.BootstrapCluster(votersConfiguration(cfg.Voters)).Error()
		if err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			return fmt.Errorf("bootstrap quorum: %w", err)
		}
	}
	q.watchdog = startElectionWatchdog(cfg, q.raft, q.arrivals)
	return nil
}

func votersConfiguration(voters map[int32]string) raft.Configuration {
	var c raft.Configuration
	for id, addr := range voters {
		c.Servers = append(c.Servers, raft.Server{Suffrage: raft.Voter,
			ID: serverID(id), Address: raft.ServerAddress(addr)})
	}
	sort.Slice(c.Servers, func(i, j int) bool { return c.Servers[i].ID < c.Servers[j].ID })
	return c
}

func serverID(id int32) raft.ServerID { return raft.ServerID(strconv.Itoa(int(id))) }

func parseServerID(id raft.ServerID) int32 {
	v, err := strconv.ParseInt(string(id), 10, 32)
	if err != nil {
		return -1
	}
	return int32(v)
}

// leader returns the Raft leader's node id and the current term.
func (q *quorum) leader() (int32, uint64) {
	_, id := q.raft.LeaderWithID()
	if id == "" {
		return -1, q.raft.CurrentTerm()
	}
	return parseServerID(id), q.raft.CurrentTerm()
}

// close stops Raft and the stores. abrupt drops every connection first, so
// peers see what they would see if the process were killed: no leadership
// transfer, no goodbye, half-written requests. A graceful close of the
// leader resigns first, as a Kafka controller's graceful shutdown does (it
// sends EndQuorumEpoch so the voters elect at once rather than after the
// fetch timeout); hashicorp/raft's way is a leadership transfer, which
// makes the most up-to-date follower start an election now. The graceful
// part is bounded as Kafka bounds it (gracefulShutdownTimeout): past it,
// every connection is dropped so that no Raft RPC to a peer that does not
// answer holds the stop for its transport timeout.
// gracefulShutdownTimeout bounds a controller's graceful Raft shutdown as
// Kafka's does: KafkaRaftClientDriver.initiateShutdown gives the Raft client
// client.shutdown(5000) (raft/src/main/java/org/apache/kafka/raft/
// KafkaRaftClientDriver.java:73 at 3.9), and the node goes on closing when
// it has not finished.
const gracefulShutdownTimeout = 5 * time.Second

// stuckShutdownGrace is how long a close waits for Raft's shutdown once
// every connection has been dropped; past it Raft is left stuck (see close).
const stuckShutdownGrace = time.Second

func (q *quorum) close(abrupt bool) error {
	var errs []error
	deadline := time.Now().Add(gracefulShutdownTimeout)
	if !abrupt && q.raft != nil && q.raft.State() == raft.Leader {
		// Best effort, as in Kafka: with no follower to take over (a
		// single voter, or none reachable) the quorum elects as after a
		// crash.
		_ = q.raft.LeadershipTransfer().Error()
	}
	if q.watchdog != nil {
		q.watchdog.close()
	}
	if q.mux != nil {
		if abrupt {
			q.mux.abort()
		} else {
			q.mux.close()
		}
	}
	if q.raft != nil {
		done := make(chan error, 1)
		go func() { done <- q.raft.Shutdown().Error() }()
		var err error
		select {
		case err = <-done:
		case <-time.After(time.Until(deadline)):
			if q.mux != nil {
				q.mux.abort() // in-flight RPCs fail at once
			}
			select {
			case err = <-done:
			case <-time.After(stuckShutdownGrace):
				// hashicorp/raft v1.7.3: a replication pipeline whose
				// decoder quit on an error leaves its sender blocked on
				// a full channel that only the pipeline's own close, which
				// that sender defers, would free. Its goroutine is all that
				// is left; the node goes on closing without it, as Kafka's
				// does past its shutdown timeout.
				err = nil
			}
		}
		errs = append(errs, err)
	}
	if q.mux != nil {
		q.mux.abort() // the rest: connections raft or the front did not close
	}
	if q.store != nil {
		errs = append(errs, q.store.Close(), q.meta.Close())
	}
	return errors.Join(errs...)
}
