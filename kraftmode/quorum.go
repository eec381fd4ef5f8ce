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
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// metadataDir is where the Raft log, stable store and snapshots live inside
// metadata.log.dir, named as Kafka names the metadata log's partition dir.
const metadataDir = "__cluster_metadata-0"

// logCacheEntries is how many recent entries stay in memory, so broker
// fetches of the log tail do not read the disk (Kafka's page cache).
const logCacheEntries = 4096

// quorum is a controller's Raft machinery and its durable stores.
type quorum struct {
	raft  *raft.Raft
	logs  raft.LogStore // the cached log: what fetches read
	bolt  *raftboltdb.BoltStore
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
func openQuorum(cfg *Config, f *fsm) (*quorum, error) {
	dir := filepath.Join(cfg.MetadataLogDir, metadataDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("metadata.log.dir: %w", err)
	}
	bolt, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(dir, "raft.db")}) // fsync on every append
	if err != nil {
		return nil, fmt.Errorf("open raft log in %s: %w", dir, err)
	}
	q := &quorum{bolt: bolt}
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
	if q.logs, err = raft.NewLogCache(logCacheEntries, q.bolt); err != nil {
		return fmt.Errorf("log cache: %w", err)
	}
	q.arrivals = &arrivalClock{LogStore: q.logs}
	q.logs = q.arrivals
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
	hasState, err := raft.HasExistingState(q.logs, q.bolt, q.snaps)
	if err != nil {
		trans.Close()
		return fmt.Errorf("read raft state: %w", err)
	}
	if q.raft, err = raft.NewRaft(cfg.raftConfig(), f, q.logs, q.bolt, q.snaps, cfg.electionTransport(trans)); err != nil {
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
// makes the most up-to-date follower start an election now.
func (q *quorum) close(abrupt bool) error {
	var errs []error
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
		errs = append(errs, q.raft.Shutdown().Error())
	}
	if q.mux != nil {
		q.mux.abort() // the rest: connections raft or the front did not close
	}
	if q.bolt != nil {
		errs = append(errs, q.bolt.Close())
	}
	return errors.Join(errs...)
}
