package external

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// TopicPrefix is the run's prefix: the file's topic_prefix (default
// "kraftbench"), the time and a random part.
func (c *extCluster) TopicPrefix() string { return c.prefix }

// Track returns adm recording every topic it asks to create. It refuses to
// create a topic without the run's prefix, and to delete one the run did
// not ask to create.
func (c *extCluster) Track(adm cluster.Admin) cluster.Admin { return &tracked{Admin: adm, c: c} }

// tracked is an Admin that keeps to the run's topics.
type tracked struct {
	cluster.Admin
	c *extCluster
}

func (t *tracked) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	for _, s := range specs {
		if !t.c.ours(s.Name) {
			return nil, fmt.Errorf("create topic %s: not named with this run's prefix %s-; an external cluster's other topics are not kraftbench's", s.Name, t.c.prefix)
		}
	}
	t.c.mu.Lock()
	if t.c.stopped {
		t.c.mu.Unlock()
		return nil, fmt.Errorf("cluster %s is stopped: its topics are being removed", t.c.f.name())
	}
	for _, s := range specs {
		t.c.requested[s.Name] = true
	}
	t.c.creating.Add(1)
	t.c.mu.Unlock()
	defer t.c.creating.Done()
	return t.Admin.CreateTopics(ctx, specs)
}

func (t *tracked) DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	t.c.mu.Lock()
	for _, n := range names {
		if !t.c.requested[n] || !t.c.ours(n) {
			t.c.mu.Unlock()
			return nil, fmt.Errorf("delete topic %s: this run did not create it; kraftbench deletes only its own topics on an external cluster", n)
		}
	}
	t.c.mu.Unlock()
	return t.Admin.DeleteTopics(ctx, names)
}

// ours reports whether name carries the run's prefix.
func (c *extCluster) ours(name string) bool { return strings.HasPrefix(name, c.prefix+"-") }

// cleanupPoll is how often removeTopics lists the topics again.
const cleanupPoll = 250 * time.Millisecond

// removeTopics deletes every topic the run asked to create that carries the
// prefix and that the cluster still lists, and nothing else. It first waits
// for the creates still outstanding (a create cut short by Ctrl-C may yet
// be carried out by the controller), then lists and deletes until two
// listings in a row, cleanupPoll apart, show none of them: a create the
// controller completes after the first listing shows up in the second.
// Deletes that find a topic already gone are fine.
func (c *extCluster) removeTopics(ctx context.Context) error {
	done := make(chan struct{})
	go func() { c.creating.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("remove the run's topics: creates still outstanding: %w", ctx.Err())
	}
	c.mu.Lock()
	if len(c.requested) == 0 {
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	t := time.NewTicker(cleanupPoll)
	defer t.Stop()
	clean := 0
	var left []string
	for clean < 2 {
		var err error
		left, err = c.leftTopics(ctx)
		switch {
		case err != nil:
			clean = 0
		case len(left) == 0:
			clean++
		default:
			clean = 0
			if derr := c.deleteTopics(ctx, left); derr != nil {
				c.log.Warn("delete the run's topics", "topics", len(left), "err", derr)
			}
		}
		if clean == 2 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("remove the run's topics: %d left (%s): %w", len(left), strings.Join(first(left, 5), ", "), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// leftTopics lists the run's requested topics the cluster still serves.
func (c *extCluster) leftTopics(ctx context.Context) ([]string, error) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(rctx, c.boot)
	if err != nil {
		return nil, err
	}
	img := front.ImageFromMetadata(resp)
	c.mu.Lock()
	defer c.mu.Unlock()
	var left []string
	for name := range img.Topics {
		if c.ours(name) && c.requested[name] {
			left = append(left, name)
		}
	}
	slices.Sort(left)
	return left, nil
}

// deleteTopics deletes names, 500 to a request, through the controller.
func (c *extCluster) deleteTopics(ctx context.Context, names []string) error {
	for chunk := range slices.Chunk(names, 500) {
		req := kmsg.NewPtrDeleteTopicsRequest()
		req.TimeoutMillis = 30_000
		for _, n := range chunk {
			t := kmsg.NewDeleteTopicsRequestTopic()
			t.Topic = kmsg.StringPtr(n)
			req.Topics = append(req.Topics, t)
			req.TopicNames = append(req.TopicNames, n)
		}
		rctx, cancel := context.WithTimeout(ctx, 40*time.Second)
		resp, err := req.RequestWith(rctx, c.boot)
		cancel()
		if err != nil {
			return err
		}
		for _, t := range resp.Topics {
			if t.ErrorCode != 0 && t.ErrorCode != kerr.UnknownTopicOrPartition.Code {
				return fmt.Errorf("delete %s: %s", deref(t.Topic), cluster.ErrorName(t.ErrorCode))
			}
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }
