package zkmode

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

func errNotController() error {
	return cluster.Errorf(kerr.NotController, "This is not the correct controller for this cluster.")
}

// CreateTopics is Kafka's ZooKeeper-mode admin path (ZkAdminManager): only
// the controller accepts it (others answer NOT_CONTROLLER, see CheckWrite). Each topic is
// validated and placed by cluster.PlanCreate against this broker's metadata
// cache, then /config/topics/<t> and /brokers/topics/<t> are written
// directly, not through the controller's event loop. The answer waits, as
// Kafka's DelayedCreatePartitions does, until the controller's watch has
// created the partition states and the controller's own broker has applied
// the UpdateMetadata carrying the topic's leaders, or until ctx ends
// (REQUEST_TIMED_OUT; the topic may still be created).
func (n *Node) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	if l := n.forwardTo(); l != nil {
		return l.CreateTopics(ctx, specs)
	}
	if err := n.CheckWrite(); err != nil {
		return nil, err
	}
	if d := n.cfg.TestCommitDelay; d > 0 { // test-only: zero in real runs
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	// A topic whose assignment znode could not fit jute.maxbuffer is
	// planned with one partition, so its other checks still answer first,
	// and refused if it passes them: Kafka places it, then fails the write.
	planned, tooLarge := slices.Clone(specs), make([]error, len(specs))
	for i, s := range specs {
		if tooLarge[i] = cluster.ErrTopicAssignmentTooLarge(s, n.cfg.Defaults); tooLarge[i] != nil {
			planned[i].NumPartitions = 1
		}
	}
	n.rmu.Lock()
	plans := cluster.PlanCreate(n.broker.img.Load(), planned, n.cfg.Defaults, n.planRandLocked())
	n.rmu.Unlock()
	for i := range plans {
		if plans[i].Err == nil && tooLarge[i] != nil {
			plans[i].Err = tooLarge[i]
		}
	}
	results := make([]cluster.TopicResult, len(specs))
	waits := make([]chan int16, len(specs))
	for i, plan := range plans {
		if plan.Err != nil {
			results[i] = cluster.ResultFor(specs[i].Name, plan.Err)
			continue
		}
		t := plan.Topic
		results[i] = cluster.TopicResult{Name: t.Name, ID: t.ID, NumPartitions: int32(len(t.Partitions)),
			ReplicationFactor: t.ReplicationFactor()}
		waits[i] = n.ctrl.waiters.add(createWait, t.Name)
		if err := n.writeTopic(t); err != nil {
			n.ctrl.waiters.remove(createWait, t.Name, waits[i])
			waits[i] = nil
			results[i] = cluster.ResultFor(t.Name, err)
		}
	}
	n.await(ctx, createWait, results, waits)
	return results, nil
}

// planRandLocked returns the rng CreateTopics plans with, drawn afresh from
// cfg.Rand for each controller epoch, as the KRaft controller draws one per
// term. A node restarted with the same seed thus never hands out the topic
// ids of its earlier life again (Kafka draws them at random): duplicate ids
// would be merged in a migration to KRaft, which knows topics by id. The
// caller holds rmu.
func (n *Node) planRandLocked() *rand.Rand {
	if e := n.ctrl.epochSeen.Load(); n.planRand == nil || e != n.planEpoch {
		n.planRand = rand.New(rand.NewPCG(n.cfg.Rand.Uint64(), uint64(uint32(e))<<32|uint64(uint32(n.cfg.NodeID))))
		n.planEpoch = e
	}
	return n.planRand
}

// writeTopic is what ZkAdminManager.createTopics does for one topic once
// it is placed (3.9 ZkAdminManager.scala:204-216), request by request:
// AdminZkClient.validateTopicCreate's checks (AdminZkClient.scala:133-146:
// exists /admin/delete_topics/<t>, exists /brokers/topics/<t>, and the
// children of /brokers/topics when the name holds '.' or '_'), then
// createTopicWithAssignment: setOrCreateEntityConfigs (KafkaZkClient.scala:
// 484-540: getData /controller, a multi that checks /controller's version
// and sets /config/topics/<t>, which fails NONODE for a new topic, then the
// create), the topic znode (createTopicAssignment), and the topic id read
// back for the answer (populateIds, a getData of the topic znode).
func (n *Node) writeTopic(t *cluster.Topic) error {
	z := n.z
	if marked, err := z.Exists(zkmeta.DeleteTopicPath(t.Name)); err != nil {
		return err
	} else if marked {
		return cluster.Errorf(kerr.TopicAlreadyExists, "Topic '%s' is marked for deletion.", t.Name)
	}
	if ok, err := z.Exists(zkmeta.TopicPath(t.Name)); err != nil {
		return err
	} else if ok {
		return cluster.Errorf(kerr.TopicAlreadyExists, "Topic '%s' already exists.", t.Name)
	}
	if strings.ContainsAny(t.Name, "._") {
		if _, err := z.Children(zkmeta.TopicsPath); err != nil {
			return err
		}
	}
	if err := n.setOrCreateTopicConfig(t.Name, t.Configs); err != nil {
		return err
	}
	err := z.Create(zkmeta.TopicPath(t.Name), zkmeta.EncodeTopic(t), 0)
	if errors.Is(err, zk.ErrNodeExists) {
		return cluster.Errorf(kerr.TopicAlreadyExists, "Topic '%s' already exists.", t.Name)
	}
	if err != nil {
		return err
	}
	_, _, err = z.Get(zkmeta.TopicPath(t.Name))
	return err
}

// setOrCreateTopicConfig is KafkaZkClient.setOrCreateEntityConfigs with the
// controller check on (a broker's KafkaZkClient has
// enableEntityConfigControllerCheck = true, KafkaZkClient.scala:2283): the write is conditioned on the version of
// /controller read just before, so a broker that lost the controllership
// meanwhile writes nothing (NOT_CONTROLLER).
func (n *Node) setOrCreateTopicConfig(topic string, configs map[string]string) error {
	z := n.z
	_, st, err := z.Get(zkmeta.ControllerPath)
	if errors.Is(err, zk.ErrNoNode) {
		return errNotController()
	}
	if err != nil {
		return err
	}
	cfg := zkmeta.EncodeConfig(configs)
	set := func() error {
		_, err := z.Multi([]zkmeta.Op{
			{Kind: zkmeta.OpCheck, Path: zkmeta.ControllerPath, Version: st.Version},
			{Kind: zkmeta.OpSet, Path: zkmeta.TopicConfigPath(topic), Data: cfg, Version: -1},
		})
		var me *zkmeta.MultiError
		if errors.As(err, &me) && me.Index == 0 {
			return errNotController()
		}
		return err
	}
	err = set()
	if !errors.Is(err, zk.ErrNoNode) {
		return err
	}
	err = z.Create(zkmeta.TopicConfigPath(topic), cfg, 0)
	if errors.Is(err, zk.ErrNodeExists) {
		return set()
	}
	return err
}

// DeleteTopics is Kafka's ZooKeeper-mode deletion path (3.9
// ZkAdminManager.deleteTopics, AdminZkClient.deleteTopic :193-205): the
// controller checks the topics against its metadata cache, then for each
// checks that /brokers/topics/<t> exists and creates
// /admin/delete_topics/<t> (one already there is fine), and waits
// (DelayedDeleteTopics) until its own broker's cache has dropped the topic,
// which the controller's first UpdateMetadata of the deletion does; the
// StopReplica round and the znode deletions come after the answer.
func (n *Node) DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	if l := n.forwardTo(); l != nil {
		return l.DeleteTopics(ctx, names)
	}
	if err := n.CheckWrite(); err != nil {
		return nil, err
	}
	results := cluster.PlanDelete(n.broker.img.Load(), names)
	waits := make([]chan int16, len(names))
	for i, r := range results {
		if r.Code != 0 {
			continue
		}
		if n.cfg.TopicDeletionDisabled {
			results[i] = cluster.ResultFor(r.Name, cluster.Errorf(kerr.TopicDeletionDisabled, "Topic deletion is disabled."))
			continue
		}
		waits[i] = n.ctrl.waiters.add(deleteWait, r.Name)
		if err := n.markForDeletion(r.Name); err != nil {
			n.ctrl.waiters.remove(deleteWait, r.Name, waits[i])
			waits[i] = nil
			results[i] = cluster.ResultFor(r.Name, err)
			continue
		}
		if _, cached := n.broker.img.Load().Topics[r.Name]; !cached {
			// DelayedDeleteTopics' tryComplete: gone from the cache already.
			n.ctrl.waiters.complete(deleteWait, r.Name, 0)
		}
	}
	n.await(ctx, deleteWait, results, waits)
	return results, nil
}

// markForDeletion is AdminZkClient.deleteTopic: the topic znode must exist,
// then /admin/delete_topics/<t> is created; a topic marked already is fine
// (ZkAdminManager swallows TopicAlreadyMarkedForDeletionException).
func (n *Node) markForDeletion(name string) error {
	ok, err := n.z.Exists(zkmeta.TopicPath(name))
	if err != nil {
		return err
	}
	if !ok {
		return cluster.Errorf(kerr.UnknownTopicOrPartition, "Topic `%s` to delete does not exist", name)
	}
	err = n.z.Create(zkmeta.DeleteTopicPath(name), nil, 0)
	if errors.Is(err, zk.ErrNodeExists) {
		return nil
	}
	return err
}

// await fills in each waited result's code, REQUEST_TIMED_OUT for those
// ctx cut short.
func (n *Node) await(ctx context.Context, kind waitKind, results []cluster.TopicResult, waits []chan int16) {
	for i, ch := range waits {
		if ch == nil {
			continue
		}
		select {
		case code := <-ch:
			if code != 0 {
				results[i].Code, results[i].Message = code, cluster.ErrorName(code)
			}
		case <-ctx.Done():
			n.ctrl.waiters.remove(kind, results[i].Name, ch)
			results[i].Code = kerr.RequestTimedOut.Code
			results[i].Message = "Operation timed out"
		}
	}
}

// waitKind tells creation waiters from deletion waiters.
type waitKind int

const (
	createWait waitKind = iota
	deleteWait
)

type waitKey struct {
	kind  waitKind
	topic string
}

// waiters are the CreateTopics and DeleteTopics calls waiting for the
// controller (Kafka's delayed operation purgatory). Safe for concurrent use.
type waiters struct {
	mu sync.Mutex
	m  map[waitKey][]chan int16
}

func newWaiters() *waiters { return &waiters{m: map[waitKey][]chan int16{}} }

func (w *waiters) add(kind waitKind, topic string) chan int16 {
	ch := make(chan int16, 1)
	w.mu.Lock()
	k := waitKey{kind, topic}
	w.m[k] = append(w.m[k], ch)
	w.mu.Unlock()
	return ch
}

func (w *waiters) remove(kind waitKind, topic string, ch chan int16) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := waitKey{kind, topic}
	chs := w.m[k]
	for i, c := range chs {
		if c == ch {
			chs = append(chs[:i], chs[i+1:]...)
			break
		}
	}
	if len(chs) == 0 {
		delete(w.m, k)
	} else {
		w.m[k] = chs
	}
}

// complete answers every waiter for the topic with code.
func (w *waiters) complete(kind waitKind, topic string, code int16) {
	w.mu.Lock()
	k := waitKey{kind, topic}
	chs := w.m[k]
	delete(w.m, k)
	w.mu.Unlock()
	for _, ch := range chs {
		ch <- code
	}
}

// failAll answers every waiter with code (the controller resigned).
func (w *waiters) failAll(code int16) {
	w.mu.Lock()
	m := w.m
	w.m = map[waitKey][]chan int16{}
	w.mu.Unlock()
	for _, chs := range m {
		for _, ch := range chs {
			ch <- code
		}
	}
}

var _ cluster.WriteChecker = (*Node)(nil)

// CheckWrite says whether this broker would carry out a CreateTopics or
// DeleteTopics now: only the controller does, as in Kafka's ZooKeeper mode;
// every other broker answers NOT_CONTROLLER, to a ValidateOnly request too.
func (n *Node) CheckWrite() error {
	if !n.ctrl.isActive.Load() && n.forwardTo() == nil {
		return errNotController()
	}
	return nil
}
