package front

import (
	"context"
	"maps"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// The fake's topic configs, for tests only: overrides live in the
// committed image, as in KRaft mode; any node takes a change (as any
// ZooKeeper-mode broker does) and it is answered once committed, with the
// checks both modes share (cluster.ApplyConfigChanges,
// cluster.ValidateTopicConfigs).

var _ cluster.TopicConfigurer = (*fakeNode)(nil)

func (n *fakeNode) TopicConfigs(_ context.Context, topic string) (map[string]string, error) {
	t, ok := n.Image().Topics[topic]
	if !ok {
		return nil, &cluster.Error{Code: kerr.UnknownTopicOrPartition.Code}
	}
	return maps.Clone(t.Configs), nil
}

func (n *fakeNode) AlterTopicConfigs(ctx context.Context, alters []cluster.TopicConfigAlter, validateOnly bool) ([]cluster.ConfigResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fc := n.fc
	fc.mu.Lock()
	defer fc.mu.Unlock()
	next := fc.img.Clone()
	out := make([]cluster.ConfigResult, len(alters))
	for i, a := range alters {
		out[i] = cluster.ConfigResultFor(a.Topic, fakeAlter(next, a, validateOnly))
	}
	if !validateOnly {
		fc.commitLocked(next)
	}
	return out, nil
}

func fakeAlter(img *cluster.Image, a cluster.TopicConfigAlter, validateOnly bool) error {
	if err := cluster.ValidateTopicName(a.Topic); err != nil {
		return err
	}
	t, ok := img.Topics[a.Topic]
	var cur map[string]string
	if ok {
		cur = t.Configs
	}
	cfg, err := cluster.ApplyConfigChanges(cur, a)
	if err != nil {
		return err
	}
	if err := cluster.ValidateTopicConfigs(cfg); err != nil {
		return err
	}
	if !ok {
		return cluster.Errorf(kerr.UnknownTopicOrPartition, "The topic '%s' does not exist.", a.Topic)
	}
	if !validateOnly {
		c := t.Clone()
		c.Configs = cfg
		img.Topics[a.Topic] = c
	}
	return nil
}
