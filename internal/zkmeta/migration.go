package zkmeta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// MigrationZNodePath is /migration, where a KRaft controller in migration
// mode records how far its dual writes have reached (Kafka's MigrationZNode).
const MigrationZNodePath = "/migration"

// MigrationZNode is the content of /migration.
type MigrationZNode struct {
	Version              int   `json:"version"`
	KRaftMetadataOffset  int64 `json:"kraft_metadata_offset"`
	KRaftControllerID    int32 `json:"kraft_controller_id"`
	KRaftMetadataEpoch   int64 `json:"kraft_metadata_epoch"`
	KRaftControllerEpoch int32 `json:"kraft_controller_epoch"`
}

// kraftControllerZNode is /controller written by a KRaft controller
// (Kafka's ControllerZNode version 2): brokerid is the KRaft controller's id.
type kraftControllerZNode struct {
	Version              int    `json:"version"`
	BrokerID             int32  `json:"brokerid"`
	Timestamp            string `json:"timestamp"`
	KRaftControllerEpoch int32  `json:"kraftControllerEpoch"`
}

// MigrationClient is the ZooKeeper side of a KRaft controller in migration
// mode (Kafka's ZkMigrationClient): it reads Kafka's znode layout into an
// image, claims /controller for the KRaft controller, writes the changes of
// the metadata log back (dual write), and records its position in
// /migration. It has its own ZooKeeper session. Methods are not safe for
// concurrent use: one migration driver owns the client.
type MigrationClient struct {
	z   *Client
	log *slog.Logger

	epoch        int32 // the controller epoch claimed, 0 until claimed
	epochVersion int32 // its znode version, which conditions every write
}

// DialMigration opens a session on zookeeper.connect for a KRaft controller.
func DialMigration(ctx context.Context, connect string, sessionTimeout time.Duration, log *slog.Logger) (*MigrationClient, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if sessionTimeout <= 0 {
		sessionTimeout = DefaultSessionTimeout
	}
	z, err := Connect(ctx, connect, sessionTimeout, sessionTimeout, log, nil)
	if err != nil {
		return nil, fmt.Errorf("migration: %w", err)
	}
	return &MigrationClient{z: z, log: log}, nil
}

// Close ends the session.
func (m *MigrationClient) Close() { m.z.Close() }

// Epoch returns the ZooKeeper controller epoch this client claimed (0 if none).
func (m *MigrationClient) Epoch() int32 { return m.epoch }

// ClusterID reads /cluster/id.
func (m *MigrationClient) ClusterID() (string, error) {
	return readClusterID(m.z)
}

func readClusterID(z *Client) (string, error) {
	b, _, err := z.Get(ClusterIDPath)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", ClusterIDPath, err)
	}
	var c ClusterIDZNode
	if err := json.Unmarshal(b, &c); err != nil {
		return "", fmt.Errorf("decode %s: %w", ClusterIDPath, err)
	}
	return c.ID, nil
}

// Brokers reads every registration in /brokers/ids: the ZooKeeper-mode
// brokers, with their broker epochs (czxid).
func (m *MigrationClient) Brokers() (map[int32]*cluster.Broker, error) {
	ids, err := m.z.Children(BrokerIDsPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", BrokerIDsPath, err)
	}
	out := make(map[int32]*cluster.Broker, len(ids))
	paths := make([]string, 0, len(ids))
	nums := make([]int32, 0, len(ids))
	for _, s := range ids {
		id, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			continue
		}
		nums, paths = append(nums, int32(id)), append(paths, BrokerPath(int32(id)))
	}
	for i, r := range m.z.GetMany(paths, m.z.MaxInFlight()) {
		if errors.Is(r.Err, zk.ErrNoNode) {
			continue
		}
		if r.Err != nil {
			return nil, fmt.Errorf("read %s: %w", paths[i], r.Err)
		}
		b, err := DecodeBroker(nums[i], r.Data, r.Stat.Czxid)
		if err != nil {
			return nil, err
		}
		out[b.ID] = b
	}
	return out, nil
}

// ClaimController makes the KRaft controller kraftID the controller in
// ZooKeeper (Kafka's tryRegisterKRaftControllerAsActiveController): one multi
// bumps /controller_epoch (conditioned on the version read), deletes any
// /controller and creates a persistent one naming kraftID with its Raft
// epoch. Persistent, so that the ZooKeeper-mode brokers do not run for
// election when the KRaft controller fails over; a rollback deletes it. The
// ZooKeeper-mode controller, if any, sees /controller change and resigns.
func (m *MigrationClient) ClaimController(kraftID, kraftEpoch int32) (int32, error) {
	for attempt := 0; attempt < 10; attempt++ {
		data, st, err := m.z.Get(ControllerEpochPath)
		if errors.Is(err, zk.ErrNoNode) {
			if err := m.z.Create(ControllerEpochPath, EncodeEpoch(0), 0); err != nil && !errors.Is(err, zk.ErrNodeExists) {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("claim controller: %w", err)
		}
		cur, err := DecodeEpoch(data)
		if err != nil {
			return 0, err
		}
		body, _ := json.Marshal(kraftControllerZNode{Version: 2, BrokerID: kraftID, Timestamp: nowMillis(), KRaftControllerEpoch: kraftEpoch})
		ops := []Op{{Kind: OpSet, Path: ControllerEpochPath, Data: EncodeEpoch(cur + 1), Version: st.Version}}
		if _, _, err := m.z.Get(ControllerPath); err == nil {
			ops = append(ops, Op{Kind: OpDelete, Path: ControllerPath, Version: -1})
		}
		ops = append(ops, Op{Kind: OpCreate, Path: ControllerPath, Data: body})
		res, err := m.z.Multi(ops)
		if err != nil {
			m.log.Info("claim of /controller raced; retrying", "err", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		m.epoch, m.epochVersion = cur+1, res[0].Stat.Version
		return m.epoch, nil
	}
	return 0, errors.New("claim controller: /controller_epoch kept moving")
}

// ReleaseController deletes /controller and /migration on connect, so that
// the ZooKeeper-mode brokers elect a controller of their own again: the last
// step of a rollback, which Kafka's operators do with zookeeper-shell.
func ReleaseController(ctx context.Context, connect string) error {
	z, err := Connect(ctx, connect, 10*time.Second, 10*time.Second, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return err
	}
	defer z.Close()
	for _, p := range []string{ControllerPath, MigrationZNodePath} {
		if err := z.Delete(p, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return fmt.Errorf("delete %s: %w", p, err)
		}
	}
	return nil
}

// ReadClusterID reads /cluster/id on connect: a KRaft quorum that takes over
// a ZooKeeper-mode cluster is formatted with the same cluster id.
func ReadClusterID(ctx context.Context, connect string) (string, error) {
	z, err := Connect(ctx, connect, 10*time.Second, 10*time.Second, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return "", err
	}
	defer z.Close()
	return readClusterID(z)
}

// ReadMigrationZNode reads /migration on connect (false when absent).
func ReadMigrationZNode(ctx context.Context, connect string) (MigrationZNode, bool, error) {
	var out MigrationZNode
	z, err := Connect(ctx, connect, 10*time.Second, 10*time.Second, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return out, false, err
	}
	defer z.Close()
	b, _, err := z.Get(MigrationZNodePath)
	if errors.Is(err, zk.ErrNoNode) {
		return out, false, nil
	}
	if err != nil {
		return out, false, err
	}
	return out, true, json.Unmarshal(b, &out)
}

// Load reads every topic, its configs and its partition states from
// ZooKeeper into an image (without brokers): the one-pass copy a KRaft
// controller makes at the start of a migration, and the reconciliation read
// after a KRaft failover. Reads are pipelined as a ZooKeeper-mode
// controller's reload is. Topics queued for deletion are left out.
func (m *MigrationClient) Load() (*cluster.Image, error) {
	clusterID, err := readClusterID(m.z)
	if err != nil {
		return nil, err
	}
	img := cluster.NewImage(clusterID)
	names, err := m.z.Children(TopicsPath)
	if err != nil {
		return nil, fmt.Errorf("load topics: %w", err)
	}
	dels, err := m.z.Children(DeleteTopicsPath)
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return nil, fmt.Errorf("load topic deletions: %w", err)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(dels, n) })
	paths := make([]string, 0, 2*len(names))
	for _, n := range names {
		paths = append(paths, TopicPath(n), TopicConfigPath(n))
	}
	res := m.z.GetMany(paths, m.z.MaxInFlight())
	var statePaths []string
	type ref struct {
		t *cluster.Topic
		p int
	}
	var refs []ref
	for i, n := range names {
		tr, cr := res[2*i], res[2*i+1]
		if errors.Is(tr.Err, zk.ErrNoNode) {
			continue
		}
		if tr.Err != nil {
			return nil, fmt.Errorf("load topics: %w", tr.Err)
		}
		id, assignment, err := DecodeTopic(n, tr.Data)
		if err != nil {
			return nil, err
		}
		t := &cluster.Topic{Name: n, ID: id, Partitions: make([]cluster.Partition, len(assignment))}
		if cr.Err == nil {
			if cfg, err := DecodeConfig(n, cr.Data); err == nil && len(cfg) > 0 {
				t.Configs = cfg
			}
		}
		for p, reps := range assignment {
			t.Partitions[p] = cluster.Partition{ID: int32(p), Replicas: reps, Leader: cluster.NoLeader}
			statePaths = append(statePaths, StatePath(n, int32(p)))
			refs = append(refs, ref{t, p})
		}
		img.Topics[n] = t
	}
	for i, r := range m.z.GetMany(statePaths, m.z.MaxInFlight()) {
		if errors.Is(r.Err, zk.ErrNoNode) {
			continue
		}
		if r.Err != nil {
			return nil, fmt.Errorf("load partition states: %w", r.Err)
		}
		s, err := DecodeState(statePaths[i], r.Data)
		if err != nil {
			return nil, err
		}
		p := &refs[i].t.Partitions[refs[i].p]
		p.Leader, p.LeaderEpoch, p.ISR = s.Leader, s.LeaderEpoch, s.ISR
	}
	return img, nil
}

// maxMultiOps bounds the operations of one dual-write multi, as a
// ZooKeeper-mode controller batches partition states.
const maxMultiOps = 100

// WriteDelta writes to ZooKeeper what changed from old to cur (Kafka's
// KRaftMigrationZkWriter): created topics (config, assignment and state
// znodes), changed partition states, and deleted topics (their znodes,
// children first). Every multi is conditioned on the controller epoch this
// client claimed, so a KRaft controller that lost the claim changes nothing.
// It returns the number of znodes written.
func (m *MigrationClient) WriteDelta(old, cur *cluster.Image) (int, error) {
	if m.epoch == 0 {
		return 0, errors.New("dual write: /controller not claimed")
	}
	var ops []Op
	written := 0
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		all := append([]Op{{Kind: OpCheck, Path: ControllerEpochPath, Version: m.epochVersion}}, ops...)
		_, err := m.z.Multi(all)
		var me *MultiError
		if errors.As(err, &me) && me.Index == 0 {
			return fmt.Errorf("dual write: controller epoch moved: %w", cluster.Errorf(kerr.NotController, "This is not the correct controller for this cluster."))
		}
		if err != nil {
			return fmt.Errorf("dual write: %w", err)
		}
		written += len(ops)
		ops = ops[:0]
		return nil
	}
	add := func(o ...Op) error {
		if len(ops)+len(o) > maxMultiOps {
			if err := flush(); err != nil {
				return err
			}
		}
		ops = append(ops, o...)
		return nil
	}
	for _, name := range cur.TopicNames() {
		t := cur.Topics[name]
		ot, had := old.Topics[name]
		if had && ot == t {
			continue
		}
		if had && ot.ID != t.ID {
			if err := m.deleteTopic(ot, add, flush); err != nil {
				return written, err
			}
			had = false
		}
		if !had {
			if err := m.createTopic(t, add, flush); err != nil {
				return written, err
			}
			continue
		}
		for i, p := range t.Partitions {
			if i < len(ot.Partitions) && partitionEqual(ot.Partitions[i], p) {
				continue
			}
			if err := add(Op{Kind: OpSet, Path: StatePath(name, p.ID), Data: EncodeState(p.Leader, p.LeaderEpoch, p.ISR, m.epoch), Version: -1}); err != nil {
				return written, err
			}
		}
		if !maps.Equal(ot.Configs, t.Configs) {
			if err := add(Op{Kind: OpSet, Path: TopicConfigPath(name), Data: EncodeConfig(t.Configs), Version: -1}); err != nil {
				return written, err
			}
		}
	}
	for _, name := range old.TopicNames() {
		if _, ok := cur.Topics[name]; !ok {
			if err := m.deleteTopic(old.Topics[name], add, flush); err != nil {
				return written, err
			}
		}
	}
	return written, flush()
}

func (m *MigrationClient) createTopic(t *cluster.Topic, add func(...Op) error, flush func() error) error {
	// The topic's own znodes go in one multi so that a reader never sees an
	// assignment without its partitions znode.
	if err := flush(); err != nil {
		return err
	}
	if err := add(
		Op{Kind: OpCreate, Path: TopicConfigPath(t.Name), Data: EncodeConfig(t.Configs)},
		Op{Kind: OpCreate, Path: TopicPath(t.Name), Data: EncodeTopic(t)},
		Op{Kind: OpCreate, Path: PartitionsPath(t.Name)},
	); err != nil {
		return err
	}
	for _, p := range t.Partitions {
		if err := add(
			Op{Kind: OpCreate, Path: PartitionPath(t.Name, p.ID)},
			Op{Kind: OpCreate, Path: StatePath(t.Name, p.ID), Data: EncodeState(p.Leader, p.LeaderEpoch, p.ISR, m.epoch)},
		); err != nil {
			return err
		}
	}
	return nil
}

func (m *MigrationClient) deleteTopic(t *cluster.Topic, add func(...Op) error, flush func() error) error {
	// Children first; a ZooKeeper-mode controller's half-done deletion may
	// have left some of them out, so they are read rather than assumed.
	if err := flush(); err != nil {
		return err
	}
	parts, err := m.z.Children(PartitionsPath(t.Name))
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return err
	}
	for _, ps := range parts {
		p, _ := strconv.Atoi(ps)
		if err := add(Op{Kind: OpDelete, Path: StatePath(t.Name, int32(p)), Version: -1},
			Op{Kind: OpDelete, Path: PartitionPath(t.Name, int32(p)), Version: -1}); err != nil {
			return err
		}
	}
	if err == nil {
		if err := add(Op{Kind: OpDelete, Path: PartitionsPath(t.Name), Version: -1}); err != nil {
			return err
		}
	}
	if err := add(Op{Kind: OpDelete, Path: TopicPath(t.Name), Version: -1}); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	for _, p := range []string{TopicConfigPath(t.Name), DeleteTopicPath(t.Name)} {
		if err := m.z.Delete(p, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return err
		}
	}
	return nil
}

// SetMigrationZNode records the log position the dual writes reached.
func (m *MigrationClient) SetMigrationZNode(st MigrationZNode) error {
	st.Version = 0
	b, _ := json.Marshal(st)
	_, err := m.z.Set(MigrationZNodePath, b, -1)
	if errors.Is(err, zk.ErrNoNode) {
		err = m.z.Create(MigrationZNodePath, b, 0)
	}
	return err
}

func partitionEqual(a, b cluster.Partition) bool {
	return a.Leader == b.Leader && a.LeaderEpoch == b.LeaderEpoch && slices.Equal(a.ISR, b.ISR) && slices.Equal(a.Replicas, b.Replicas)
}
