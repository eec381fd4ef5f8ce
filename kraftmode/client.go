package kraftmode

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// leaderHint is a node's best knowledge of the active controller, learnt
// from controllers' answers (a Fetch's CurrentLeader, a NOT_CONTROLLER).
// Several clients of one node share it.
type leaderHint struct {
	id    atomic.Int32
	epoch atomic.Int32
}

func newLeaderHint() *leaderHint {
	h := &leaderHint{}
	h.id.Store(-1)
	return h
}

func (h *leaderHint) set(id, epoch int32) {
	if id < 0 {
		return
	}
	h.id.Store(id)
	if epoch >= 0 {
		h.epoch.Store(epoch)
	}
}

// forget drops the hint if it still names id.
func (h *leaderHint) forget(id int32) { h.id.CompareAndSwap(id, -1) }

// ctrlClient sends requests to the active controller over the controller
// listeners in controller.quorum.voters: to the hinted leader when there is
// one, else to each voter in turn, retrying on connection errors and on
// "not the controller" answers until ctx ends. Connections are pooled per
// address; each request holds one, so concurrent callers do not queue behind
// a long poll.
type ctrlClient struct {
	voters   map[int32]string
	order    []int32
	clientID string
	hint     *leaderHint
	local    func() int32 // the leader a local Raft knows; nil on brokers
	timeout  time.Duration

	mu     sync.Mutex
	idle   map[string][]*front.Conn
	next   int
	closed bool
}

func newCtrlClient(cfg *Config, clientID string, hint *leaderHint, local func() int32) *ctrlClient {
	order := make([]int32, 0, len(cfg.Voters))
	for id := range cfg.Voters {
		order = append(order, id)
	}
	slices.Sort(order)
	return &ctrlClient{voters: cfg.Voters, order: order, clientID: clientID, hint: hint, local: local,
		timeout: cfg.RequestTimeout, idle: map[string][]*front.Conn{}, next: int(cfg.NodeID)}
}

// verdict is what a caller makes of an answer: done, or retry elsewhere
// (with the leader the answer names, -1 if none).
type verdict struct {
	retry  bool
	leader int32
	epoch  int32
}

func (c *ctrlClient) target() (int32, string) {
	if c.local != nil {
		if id := c.local(); id >= 0 {
			return id, c.voters[id]
		}
	}
	if id := c.hint.id.Load(); id >= 0 {
		if addr, ok := c.voters[id]; ok {
			return id, addr
		}
	}
	c.mu.Lock()
	id := c.order[c.next%len(c.order)]
	c.next++
	c.mu.Unlock()
	return id, c.voters[id]
}

// do sends req until judge accepts an answer or ctx ends.
func (c *ctrlClient) do(ctx context.Context, req kmsg.Request, judge func(kmsg.Response) verdict) (kmsg.Response, error) {
	backoff := 10 * time.Millisecond
	var last error
	for {
		id, addr := c.target()
		resp, err := c.once(ctx, addr, req)
		if err == nil {
			v := judge(resp)
			if !v.retry {
				return resp, nil
			}
			err = fmt.Errorf("controller %d: %w", id, errNotController())
			if v.leader >= 0 && v.leader != id {
				c.hint.set(v.leader, v.epoch)
				last = err
				continue // go straight to the named leader
			}
		}
		c.hint.forget(id)
		last = err
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s to the active controller: %w (last: %v)", kmsg.NameForKey(req.Key()), ctx.Err(), last)
		case <-t.C:
		}
		backoff = min(2*backoff, 250*time.Millisecond)
	}
}

func (c *ctrlClient) once(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	conn, err := c.get(ctx, addr)
	if err != nil {
		return nil, err
	}
	resp, err := conn.Request(ctx, req)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.put(addr, conn)
	return resp, nil
}

func (c *ctrlClient) get(ctx context.Context, addr string) (*front.Conn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("controller client: %w", errNodeClosed)
	}
	if pool := c.idle[addr]; len(pool) > 0 {
		conn := pool[len(pool)-1]
		c.idle[addr] = pool[:len(pool)-1]
		c.mu.Unlock()
		return conn, nil
	}
	c.mu.Unlock()
	return front.Dial(ctx, addr, c.clientID)
}

// maxIdleConns bounds the idle connections kept per controller.
const maxIdleConns = 8

func (c *ctrlClient) put(addr string, conn *front.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || len(c.idle[addr]) >= maxIdleConns {
		conn.Close()
		return
	}
	c.idle[addr] = append(c.idle[addr], conn)
}

func (c *ctrlClient) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, pool := range c.idle {
		for _, conn := range pool {
			conn.Close()
		}
	}
	clear(c.idle)
}

// forwardCreate sends CreateTopics to the active controller, as a Kafka
// broker forwards it (Kafka wraps it in an Envelope; kraftbench forwards the
// request itself).
func (c *ctrlClient) forwardCreate(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	req := requestFromSpecs(specs, timeoutMillis(ctx, c.timeout))
	resp, err := c.do(ctx, req, func(r kmsg.Response) verdict {
		codes := []int16{}
		for _, t := range r.(*kmsg.CreateTopicsResponse).Topics {
			codes = append(codes, t.ErrorCode)
		}
		return verdict{retry: allNotController(codes), leader: -1}
	})
	if err != nil {
		return nil, err
	}
	return resultsFromCreate(resp.(*kmsg.CreateTopicsResponse)), nil
}

// forwardDelete sends DeleteTopics to the active controller.
func (c *ctrlClient) forwardDelete(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	req := deleteRequest(names, timeoutMillis(ctx, c.timeout))
	resp, err := c.do(ctx, req, func(r kmsg.Response) verdict {
		codes := []int16{}
		for _, t := range r.(*kmsg.DeleteTopicsResponse).Topics {
			codes = append(codes, t.ErrorCode)
		}
		return verdict{retry: allNotController(codes), leader: -1}
	})
	if err != nil {
		return nil, err
	}
	return resultsFromDelete(resp.(*kmsg.DeleteTopicsResponse)), nil
}

func timeoutMillis(ctx context.Context, dflt time.Duration) int32 {
	d := dflt
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl)
	}
	return int32(max(d, time.Millisecond) / time.Millisecond)
}

// isNotController reports whether err carries NOT_CONTROLLER.
func isNotController(err error) bool {
	return err != nil && cluster.ErrorCode(err) == kerr.NotController.Code
}
