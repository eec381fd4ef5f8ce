package zkmode

import (
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// configListener is a broker's ZkConfigManager for topic configs (Kafka
// 3.9 core/src/main/scala/kafka/server/ZkConfigManager.scala and
// core/src/main/scala/kafka/common/ZkNodeChangeNotificationListener.scala),
// on the broker's own session, so its reads share the session's
// zookeeper.max.in.flight.requests with the controller's, as in Kafka:
//
//   - at start-up, every topic's config is read (fetchAllEntityConfigs: the
//     children of /config/topics, then a getData of each, pipelined);
//   - then, each time the children of /config/changes change (a child
//     watch), processNotifications: getChildren with the watch; for each
//     notification newer than the last one processed (all of them at
//     start-up: lastExecutedChange starts at -1), a getData of it and, for
//     a topic entity, a getData of /config/topics/<t>
//     (TopicConfigHandler.processConfigChanges through fetchEntityConfig);
//     then purgeObsoleteNotifications: a getData of every notification,
//     one at a time, deleting those older than 15 minutes. That purge pass
//     makes each change cost every broker one read per notification of the
//     last 15 minutes.
//
// What a broker applies is kept per topic (Kafka's LogManager updates each
// log's LogConfig); AppliedTopicConfigs shows it. Entities other than
// topics (brokers, clients, users) are not modelled: their notifications
// are read and skipped.
type configListener struct {
	n    *Node
	stop chan struct{}

	mu      sync.Mutex
	applied map[string]map[string]string
	last    int64 // lastExecutedChange
	changed chan struct{}
}

func newConfigListener(n *Node) *configListener {
	return &configListener{n: n, stop: make(chan struct{}),
		applied: map[string]map[string]string{}, last: -1, changed: make(chan struct{})}
}

// run is the listener's event thread until close. A failed round (a lost
// connection) is retried after retryBackoff, as Kafka's
// afterInitializingSession re-queues a round on a new session.
func (l *configListener) run() {
	const retryBackoff = 200 * time.Millisecond
	for !l.loadAll() {
		if !l.sleep(retryBackoff) {
			return
		}
	}
	for {
		ch, err := l.processNotifications()
		if err != nil {
			if !l.sleep(retryBackoff) {
				return
			}
			continue
		}
		select {
		case <-ch:
		case <-l.stop:
			return
		}
	}
}

func (l *configListener) sleep(d time.Duration) bool {
	select {
	case <-l.stop:
		return false
	case <-time.After(d):
		return true
	}
}

// loadAll is fetchAllEntityConfigs for topics; false when it must be
// retried.
func (l *configListener) loadAll() bool {
	z := l.n.z
	topics, err := z.Children(zkmeta.ConfigTopicsPath)
	if err != nil {
		return false
	}
	slices.Sort(topics)
	paths := make([]string, len(topics))
	for i, t := range topics {
		paths[i] = zkmeta.TopicConfigPath(t)
	}
	for i, r := range z.GetMany(paths, z.MaxInFlight()) {
		if r.Err != nil {
			if errors.Is(r.Err, zk.ErrNoNode) {
				continue
			}
			return false
		}
		if cfg, err := zkmeta.DecodeConfig(topics[i], r.Data); err == nil {
			l.apply(topics[i], cfg)
		}
	}
	return true
}

// processNotifications is one round (see configListener); it returns the
// child watch that starts the next.
func (l *configListener) processNotifications() (<-chan zk.Event, error) {
	z := l.n.z
	children, ch, err := z.ChildrenW(zkmeta.ConfigChangesPath)
	if err != nil {
		return nil, err
	}
	slices.Sort(children)
	now := time.Now().UnixMilli()
	for _, c := range children {
		id, ok := zkmeta.ConfigChangeNumber(c)
		if !ok || id <= l.lastExecuted() {
			continue
		}
		if err := l.processNotification(c); err != nil {
			return nil, err
		}
		l.mu.Lock()
		l.last = id
		l.mu.Unlock()
	}
	if len(children) > 0 {
		l.purge(now, children)
	}
	return ch, nil
}

func (l *configListener) lastExecuted() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// processNotification reads one notification and applies what it names.
// A notification that cannot be decoded is skipped, as Kafka logs and
// skips it; a read that fails is retried with the round.
func (l *configListener) processNotification(child string) error {
	z := l.n.z
	b, _, err := z.Get(zkmeta.ConfigChangesPath + "/" + child)
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	typ, name, err := zkmeta.DecodeConfigChange(b)
	if err != nil || typ != "topics" {
		return nil
	}
	cfg, err := l.n.fetchTopicConfig(name)
	if err != nil {
		return err
	}
	l.apply(name, cfg)
	return nil
}

// purge is purgeObsoleteNotifications: a read of each notification and a
// delete of those older than the expiry. Its errors are logged and left
// for the next round, as Kafka's are.
func (l *configListener) purge(now int64, children []string) {
	z := l.n.z
	for _, c := range children {
		path := zkmeta.ConfigChangesPath + "/" + c
		_, st, err := z.Get(path)
		if err != nil {
			continue
		}
		if now-st.Ctime > zkmeta.ConfigChangeExpiryMillis {
			if err := z.Delete(path, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
				l.n.log.Debug("purge config change notification", "path", path, "err", err)
			}
		}
	}
}

func (l *configListener) apply(topic string, cfg map[string]string) {
	l.mu.Lock()
	l.applied[topic] = maps.Clone(cfg)
	old := l.changed
	l.changed = make(chan struct{})
	l.mu.Unlock()
	close(old)
}

// topicConfigs returns what the broker applies for topic, and a channel
// closed at the next change applied to any topic.
func (l *configListener) topicConfigs(topic string) (map[string]string, bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cfg, ok := l.applied[topic]
	return maps.Clone(cfg), ok, l.changed
}

// close stops the listener without waiting: a request it has in flight
// fails once the session closes, and it then sees stop.
func (l *configListener) close() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
}

// AppliedTopicConfigs returns the overrides this broker applies to topic's
// logs, as its config listener last read them, false when it has read none
// for the topic; and a channel closed at the next change it applies.
func (n *Node) AppliedTopicConfigs(topic string) (map[string]string, bool, <-chan struct{}) {
	return n.configs.topicConfigs(topic)
}
