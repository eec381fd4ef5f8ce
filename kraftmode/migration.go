package kraftmode

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// ZkMigrationState is Kafka's ZkMigrationState, which the metadata log
// carries in ZkMigrationStateRecords.
type ZkMigrationState int8

// Kafka's values.
const (
	MigrationNone ZkMigrationState = 0 // not a migrated cluster
	// MigrationDualWrite is Kafka's MIGRATION: the metadata was copied from
	// ZooKeeper and the controller writes every change back to it.
	MigrationDualWrite ZkMigrationState = 1
	// MigrationPre is PRE_MIGRATION: the quorum waits for every ZooKeeper
	// broker to register, then copies the metadata.
	MigrationPre ZkMigrationState = 2
	// MigrationPost is POST_MIGRATION: finalized, ZooKeeper is no longer used.
	MigrationPost ZkMigrationState = 3
)

// String is the state as cluster.Status reports it ("" for none).
func (s ZkMigrationState) String() string {
	switch s {
	case MigrationDualWrite:
		return "migration"
	case MigrationPre:
		return "pre-migration"
	case MigrationPost:
		return "post-migration"
	}
	return ""
}

// ZkMigrationStateRecord marks a migration state change in the log.
type ZkMigrationStateRecord struct{ State ZkMigrationState }

func (*ZkMigrationStateRecord) apiKey() int16  { return keyZkMigrationState }
func (*ZkMigrationStateRecord) version() int16 { return 0 }
func (r *ZkMigrationStateRecord) appendBody(dst []byte) []byte {
	return kbin.AppendInt8(dst, int8(r.State))
}
func (r *ZkMigrationStateRecord) readBody(b *kbin.Reader, _ int16) {
	r.State = ZkMigrationState(b.Int8())
}

// migrationState returns the committed migration state.
func (f *fsm) migrationState() ZkMigrationState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.migration
}

// migrationCopyBatch is how many records one entry of the copy holds.
const migrationCopyBatch = 2000

// migrationDriver is Kafka's KRaftMigrationDriver. It runs on every
// controller and acts only on the active one:
//
//   - migration enabled, state none or pre-migration: wait until every
//     broker registered in /brokers/ids has also registered with the quorum
//     (and is unfenced), claim /controller in ZooKeeper, copy every topic
//     from ZooKeeper into the log in one pass, then commit the
//     dual-write state;
//   - dual write: after every committed change, write it to ZooKeeper
//     (epoch-checked multis), record the position in /migration, and push
//     UpdateMetadata/LeaderAndIsr to the ZooKeeper-mode brokers; a new
//     active controller claims /controller again and reconciles ZooKeeper
//     with the log first;
//   - migration disabled while in dual write (the controllers were
//     restarted without it): commit post-migration. That is finalizing.
type migrationDriver struct {
	n   *Node
	log *slog.Logger

	zk       *zkmeta.MigrationClient
	pusher   *zkmeta.KRaftPusher
	term     uint64         // Raft term /controller was claimed in; 0 none
	synced   *cluster.Image // what ZooKeeper and the ZooKeeper brokers hold
	pushed   map[int32]int64
	lastWait time.Time
}

func newMigrationDriver(n *Node) *migrationDriver {
	return &migrationDriver{n: n, log: n.log.With("component", "migration"), pushed: map[int32]int64{}}
}

func (d *migrationDriver) run(ctx context.Context) {
	defer d.reset()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.n.fsm.waitCh():
		}
		if err := d.step(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("migration step failed; retrying", "err", err)
			d.term = 0 // claim again and reconcile
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
}

func (d *migrationDriver) reset() {
	if d.pusher != nil {
		d.pusher.Close()
		d.pusher = nil
	}
	if d.zk != nil {
		d.zk.Close()
		d.zk = nil
	}
	d.term, d.synced = 0, nil
	clear(d.pushed)
}

func (d *migrationDriver) step(ctx context.Context) error {
	n := d.n
	if !n.ctrl.isActive() {
		if d.zk != nil {
			d.reset()
		}
		return nil
	}
	state := n.fsm.migrationState()
	switch {
	case state == MigrationPost:
		if d.zk != nil {
			d.reset()
		}
		return nil
	case !n.cfg.MigrationEnabled:
		if state == MigrationDualWrite {
			return d.finalize(ctx)
		}
		return nil
	case state == MigrationNone && len(n.fsm.Image().Topics) > 0:
		if time.Since(d.lastWait) > 10*time.Second {
			d.lastWait = time.Now()
			d.log.Error("zookeeper.metadata.migration.enable=true on a KRaft cluster that was not created for a migration: ignored")
		}
		return nil
	case state == MigrationNone:
		if _, err := n.ctrl.submit(ctx, func(*metaState) ([]Record, error) {
			return []Record{&ZkMigrationStateRecord{State: MigrationPre}}, nil
		}); err != nil {
			return err
		}
		d.log.Info("migration: waiting for the ZooKeeper-mode brokers to register")
		return nil
	case state == MigrationPre:
		return d.migrate(ctx)
	}
	return d.dualWrite(ctx)
}

func (d *migrationDriver) connect(ctx context.Context) error {
	if d.zk != nil {
		return nil
	}
	z, err := zkmeta.DialMigration(ctx, d.n.cfg.ZKConnect, d.n.cfg.ZKSessionTimeout, d.log)
	if err != nil {
		return err
	}
	d.zk = z
	d.pusher = zkmeta.NewKRaftPusher(d.n.cfg.NodeID, d.n.cfg.InterBrokerListener, 5*time.Second)
	return nil
}

// brokersReady reports whether every ZooKeeper-mode broker has registered
// with the quorum and is unfenced, naming one that has not.
func (d *migrationDriver) brokersReady(zkBrokers map[int32]*cluster.Broker) (bool, string) {
	if len(zkBrokers) == 0 {
		return false, "no broker is registered in ZooKeeper"
	}
	img := d.n.fsm.Image()
	for id := range zkBrokers {
		if b, ok := img.Brokers[id]; !ok || b.Fenced {
			return false, fmt.Sprintf("broker %d has not registered with the KRaft quorum (zookeeper.metadata.migration.enable=true and controller.quorum.voters on it)", id)
		}
	}
	return true, ""
}

// migrate copies the metadata from ZooKeeper into the log.
func (d *migrationDriver) migrate(ctx context.Context) error {
	if err := d.connect(ctx); err != nil {
		return err
	}
	zkBrokers, err := d.zk.Brokers()
	if err != nil {
		return err
	}
	if ok, why := d.brokersReady(zkBrokers); !ok {
		if time.Since(d.lastWait) > 5*time.Second {
			d.lastWait = time.Now()
			d.log.Info("migration: waiting for brokers", "why", why)
		}
		return nil
	}
	start := time.Now()
	_, term := d.n.q.leader()
	epoch, err := d.zk.ClaimController(d.n.cfg.NodeID, int32(term))
	if err != nil {
		return err
	}
	d.term = term
	zimg, err := d.zk.Load()
	if err != nil {
		return err
	}
	loaded := time.Since(start)
	have := d.n.fsm.Image()
	var recs []Record
	for _, name := range zimg.TopicNames() {
		t := zimg.Topics[name]
		if old, ok := have.Topics[name]; ok && old.ID == t.ID {
			continue // copied by an earlier, interrupted attempt
		}
		recs = append(recs, topicRecords(t)...)
	}
	for len(recs) > 0 {
		chunk := recs[:min(len(recs), migrationCopyBatch)]
		recs = recs[len(chunk):]
		if _, err := d.n.ctrl.submit(ctx, func(*metaState) ([]Record, error) { return chunk, nil }); err != nil {
			return fmt.Errorf("copy metadata from ZooKeeper: %w", err)
		}
	}
	off, err := d.n.ctrl.submit(ctx, func(*metaState) ([]Record, error) {
		return []Record{&ZkMigrationStateRecord{State: MigrationDualWrite}}, nil
	})
	if err != nil {
		return err
	}
	d.synced = zimg
	clear(d.pushed)
	d.log.Info("migration: metadata copied from ZooKeeper; dual write on", "zk_controller_epoch", epoch,
		"topics", len(zimg.Topics), "partitions", zimg.PartitionCount(), "offset", off,
		"zk_read", loaded, "took", time.Since(start))
	return d.dualWrite(ctx)
}

// dualWrite writes what changed since the last sync to ZooKeeper and
// pushes it to the ZooKeeper-mode brokers.
func (d *migrationDriver) dualWrite(ctx context.Context) error {
	if err := d.connect(ctx); err != nil {
		return err
	}
	if _, term := d.n.q.leader(); d.term != term {
		epoch, err := d.zk.ClaimController(d.n.cfg.NodeID, int32(term))
		if err != nil {
			return err
		}
		zimg, err := d.zk.Load()
		if err != nil {
			return err
		}
		d.term, d.synced = term, zimg
		clear(d.pushed)
		d.log.Info("migration: took over dual write", "zk_controller_epoch", epoch, "topics", len(zimg.Topics))
	}
	img := d.n.fsm.Image()
	zkBrokers, err := d.zk.Brokers()
	if err != nil {
		return err
	}
	changed, deleted := topicDelta(d.synced, img)
	liveMoved := !sameLiveBrokers(d.synced, img)
	if len(changed) > 0 || len(deleted) > 0 {
		if _, err := d.zk.WriteDelta(d.synced, img); err != nil {
			return err
		}
	}
	if img.Offset != d.synced.Offset {
		_, term := d.n.q.leader()
		if err := d.zk.SetMigrationZNode(zkmeta.MigrationZNode{KRaftMetadataOffset: img.Offset,
			KRaftControllerID: d.n.cfg.NodeID, KRaftMetadataEpoch: int64(term), KRaftControllerEpoch: int32(term)}); err != nil {
			return err
		}
	}
	// Brokers that registered anew (or never had the full metadata) get it
	// all; the others the changes.
	full, incr := map[int32]*cluster.Broker{}, map[int32]*cluster.Broker{}
	for id, b := range zkBrokers {
		if d.pushed[id] != b.Epoch {
			full[id] = b
		} else if len(changed) > 0 || len(deleted) > 0 || liveMoved {
			incr[id] = b
		}
	}
	for id := range d.pushed {
		if _, ok := zkBrokers[id]; !ok {
			delete(d.pushed, id)
		}
	}
	epoch := d.zk.Epoch()
	var perr error
	if len(full) > 0 {
		if err := d.pusher.Push(ctx, full, epoch, zkmeta.PushSet{Image: img, Full: true}); err != nil {
			perr = err
		}
		for id, b := range full {
			d.pushed[id] = b.Epoch
		}
	}
	if len(incr) > 0 {
		if err := d.pusher.Push(ctx, incr, epoch, zkmeta.PushSet{Image: img, Changed: changed, Deleted: deleted}); err != nil {
			perr = err
		}
	}
	d.synced = img
	if perr != nil {
		// A broker being restarted misses a push: it gets the full
		// metadata when it registers again (a new broker epoch).
		d.log.Info("migration: push not acknowledged", "err", perr)
		for id := range full {
			delete(d.pushed, id)
		}
		for id := range incr {
			delete(d.pushed, id)
		}
	}
	return nil
}

// finalize commits post-migration: the controllers run without
// zookeeper.metadata.migration.enable now, so ZooKeeper is left behind.
func (d *migrationDriver) finalize(ctx context.Context) error {
	off, err := d.n.ctrl.submit(ctx, func(st *metaState) ([]Record, error) {
		if st.migration != MigrationDualWrite {
			return nil, nil
		}
		return []Record{&ZkMigrationStateRecord{State: MigrationPost}}, nil
	})
	if err != nil {
		return err
	}
	d.log.Info("migration finalized: dual writes off, ZooKeeper no longer used", "offset", off)
	return nil
}

// topicDelta lists the topics of cur that differ from old (new or changed)
// and the topics of old that cur no longer has (or has under another id).
func topicDelta(old, cur *cluster.Image) (changed []string, deleted []*cluster.Topic) {
	for _, name := range cur.TopicNames() {
		if ot, ok := old.Topics[name]; !ok || ot != cur.Topics[name] {
			if ok && topicEqual(ot, cur.Topics[name]) {
				continue
			}
			if ok && ot.ID != cur.Topics[name].ID {
				deleted = append(deleted, ot)
			}
			changed = append(changed, name)
		}
	}
	for _, name := range old.TopicNames() {
		if _, ok := cur.Topics[name]; !ok {
			deleted = append(deleted, old.Topics[name])
		}
	}
	return changed, deleted
}

func topicEqual(a, b *cluster.Topic) bool {
	if a.ID != b.ID || len(a.Partitions) != len(b.Partitions) {
		return false
	}
	for i := range a.Partitions {
		p, q := a.Partitions[i], b.Partitions[i]
		if p.Leader != q.Leader || p.LeaderEpoch != q.LeaderEpoch || !int32sEqual(p.ISR, q.ISR) || !int32sEqual(p.Replicas, q.Replicas) {
			return false
		}
	}
	return true
}

func int32sEqual(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameLiveBrokers(a, b *cluster.Image) bool {
	la, lb := a.LiveBrokerIDs(), b.LiveBrokerIDs()
	if !int32sEqual(la, lb) {
		return false
	}
	for _, id := range la {
		if a.Brokers[id] != b.Brokers[id] {
			return false
		}
	}
	return true
}
