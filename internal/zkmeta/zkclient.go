package zkmeta

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

// Client is one node's ZooKeeper session: the chroot of zookeeper.connect
// applied to every path, go-zookeeper's log sent to slog, and a dialer that
// can drop the connection the way a crashed process does.
//
// go-zookeeper pipelines requests on its one connection: concurrent calls
// from many goroutines are all in flight at once, as with Kafka's
// ZooKeeperClient and its async API; fl bounds them to
// zookeeper.max.in.flight.requests, as Kafka's semaphore does (inflight.go).
type Client struct {
	conn   *zk.Conn
	root   string
	Dialer *KillDialer
	fl     *inFlight
}

var openACL = zk.WorldACL(zk.PermAll)

// Connect opens a session and waits for it, up to timeout. onEvent sees
// every session event (it must not block).
// The session keeps at most zookeeper.max.in.flight.requests (Kafka's
// default 10) requests outstanding; WithMaxInFlight changes that.
func Connect(ctx context.Context, connect string, sessionTimeout, timeout time.Duration,
	log *slog.Logger, onEvent func(zk.Event)) (*Client, error) {
	servers, root, err := ParseConnect(connect)
	if err != nil {
		return nil, fmt.Errorf("zookeeper.connect: %w", err)
	}
	d := &KillDialer{}
	ready := make(chan struct{})
	var once sync.Once
	cb := func(ev zk.Event) {
		if ev.Type == zk.EventSession && ev.State == zk.StateHasSession {
			once.Do(func() { close(ready) })
		}
		if onEvent != nil {
			onEvent(ev)
		}
	}
	conn, _, err := zk.Connect(servers, sessionTimeout, zk.WithDialer(d.dial), zk.WithHostProvider(&lazyHosts{}),
		zk.WithLogger(zkLogger{log}), zk.WithLogInfo(false), zk.WithEventCallback(cb))
	if err != nil {
		return nil, fmt.Errorf("connect to zookeeper %s: %w", connect, err)
	}
	select {
	case <-ready:
	case <-ctx.Done():
		conn.Close()
		return nil, fmt.Errorf("connect to zookeeper %s: %w", connect, ctx.Err())
	case <-time.After(timeout):
		conn.Close()
		return nil, fmt.Errorf("connect to zookeeper %s: no session within %v (zookeeper.connection.timeout.ms)", connect, timeout)
	}
	z := &Client{conn: conn, Dialer: d, fl: newInFlight(DefaultMaxInFlightRequests)}
	if root != "" {
		// Kafka creates a missing chroot before using it.
		if err := z.EnsurePath(root); err != nil {
			conn.Close()
			return nil, err
		}
		z.root = root
	}
	return z, nil
}

// WithMaxInFlight sets zookeeper.max.in.flight.requests; call it before
// the session is shared.
func (z *Client) WithMaxInFlight(n int) *Client {
	z.fl = newInFlight(n)
	return z
}

// MaxInFlight is the session's zookeeper.max.in.flight.requests: callers
// that pipeline a batch themselves start no more workers than this.
func (z *Client) MaxInFlight() int { return z.fl.max() }

// Observe sends every request the session answers from now on to f, in the
// order the answers come, until Observe(nil). f runs on the requesting
// goroutine and must not block. zkmode's sequence tests observe this way
// to compare a controller's requests with Kafka's.
func (z *Client) Observe(f func(Request)) { z.fl.observe(f) }

// Close ends the session: ZooKeeper deletes its ephemeral znodes at once.
func (z *Client) Close() { z.conn.Close() }

// Kill drops the connection without closing the session, as kill -9 does:
// the ephemeral znodes stay until ZooKeeper expires the session.
func (z *Client) Kill() {
	z.Dialer.Kill()
	z.conn.Close()
}

// SessionID is the session's id, as ZooKeeper gave it.
func (z *Client) SessionID() int64 { return z.conn.SessionID() }

// Server is the address of the ZooKeeper server the session is connected to.
func (z *Client) Server() string { return z.conn.Server() }

func (z *Client) p(path string) string { return z.root + path }

func (z *Client) Get(path string) (b []byte, st *zk.Stat, err error) {
	err = z.fl.do("getData", path, nil, func() error {
		b, st, err = z.conn.Get(z.p(path))
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", path, err)
	}
	return b, st, nil
}

func (z *Client) GetW(path string) (b []byte, st *zk.Stat, ch <-chan zk.Event, err error) {
	err = z.fl.do("getData", path, nil, func() error {
		b, st, ch, err = z.conn.GetW(z.p(path))
		return err
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("get %s: %w", path, err)
	}
	return b, st, ch, nil
}

// Exists is Kafka's pathExists (an ExistsRequest without a watch).
func (z *Client) Exists(path string) (ok bool, err error) {
	err = z.fl.do("exists", path, nil, func() error {
		ok, _, err = z.conn.Exists(z.p(path))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("exists %s: %w", path, err)
	}
	return ok, nil
}

func (z *Client) ExistsW(path string) (ok bool, ch <-chan zk.Event, err error) {
	err = z.fl.do("exists", path, nil, func() error {
		ok, _, ch, err = z.conn.ExistsW(z.p(path))
		return err
	})
	if err != nil {
		return false, nil, fmt.Errorf("exists %s: %w", path, err)
	}
	return ok, ch, nil
}

func (z *Client) Children(path string) (c []string, err error) {
	err = z.fl.do("getChildren", path, nil, func() error {
		c, _, err = z.conn.Children(z.p(path))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("children %s: %w", path, err)
	}
	return c, nil
}

func (z *Client) ChildrenW(path string) (c []string, ch <-chan zk.Event, err error) {
	err = z.fl.do("getChildren", path, nil, func() error {
		c, _, ch, err = z.conn.ChildrenW(z.p(path))
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("children %s: %w", path, err)
	}
	return c, ch, nil
}

func (z *Client) Create(path string, data []byte, flags int32) error {
	err := z.fl.do("create", path, nil, func() error {
		_, err := z.conn.Create(z.p(path), data, flags, openACL)
		return err
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return nil
}

func (z *Client) Set(path string, data []byte, version int32) (st *zk.Stat, err error) {
	err = z.fl.do("setData", path, nil, func() error {
		st, err = z.conn.Set(z.p(path), data, version)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set %s: %w", path, err)
	}
	return st, nil
}

func (z *Client) Delete(path string, version int32) error {
	err := z.fl.do("delete", path, nil, func() error { return z.conn.Delete(z.p(path), version) })
	if err != nil {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	return nil
}

// EnsurePath creates path and its missing ancestors as persistent znodes.
func (z *Client) EnsurePath(path string) error {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	cur := ""
	for _, part := range parts {
		cur += "/" + part
		err := z.Create(cur, nil, 0)
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return err
		}
	}
	return nil
}

// Op is one operation of a multi, on a Kafka path (the chroot is added).
type Op struct {
	Kind    int // OpCreate, OpSet, OpDelete, OpCheck
	Path    string
	Data    []byte
	Version int32
	Flags   int32
}

const (
	OpCreate = iota
	OpSet
	OpDelete
	OpCheck
)

// opNames are the operations as Kafka's ZkOp names them (CreateOp,
// SetDataOp, DeleteOp, CheckOp), for the session's observer (inflight.go).
var opNames = [...]string{OpCreate: "create", OpSet: "setData", OpDelete: "delete", OpCheck: "check"}

func (z *Client) zkOp(o Op) any {
	switch o.Kind {
	case OpCreate:
		return &zk.CreateRequest{Path: z.p(o.Path), Data: o.Data, Acl: openACL, Flags: o.Flags}
	case OpSet:
		return &zk.SetDataRequest{Path: z.p(o.Path), Data: o.Data, Version: o.Version}
	case OpDelete:
		return &zk.DeleteRequest{Path: z.p(o.Path), Version: o.Version}
	default:
		return &zk.CheckVersionRequest{Path: z.p(o.Path), Version: o.Version}
	}
}

// MultiError says which operation of a failed multi failed and why.
type MultiError struct {
	Index int // into the ops given to multi
	Op    Op
	Err   error
}

func (e *MultiError) Error() string {
	return fmt.Sprintf("multi op %d (%s): %v", e.Index, e.Op.Path, e.Err)
}

func (e *MultiError) Unwrap() error { return e.Err }

// Multi runs ops atomically. A failed multi returns a *MultiError naming the
// first operation ZooKeeper refused; a lost connection returns its error.
func (z *Client) Multi(ops []Op) ([]zk.MultiResponse, error) {
	reqs := make([]any, len(ops))
	rec := make([]RequestOp, len(ops))
	for i, o := range ops {
		reqs[i] = z.zkOp(o)
		rec[i] = RequestOp{Kind: opNames[o.Kind], Path: o.Path}
	}
	var res []zk.MultiResponse
	err := z.fl.do("multi", "", rec, func() error {
		var err error
		res, err = z.conn.Multi(reqs...)
		return err
	})
	if err == nil {
		return res, nil
	}
	for i, r := range res {
		if r.Error != nil && i < len(ops) {
			return res, &MultiError{Index: i, Op: ops[i], Err: r.Error}
		}
	}
	return res, fmt.Errorf("multi of %d ops: %w", len(ops), err)
}

// GetResult is one answer of GetMany.
type GetResult struct {
	Data  []byte
	Stat  *zk.Stat
	Err   error
	Watch <-chan zk.Event // set by GetManyW on success
}

// GetMany reads paths with up to workers requests in flight on the session
// (pipelined, as Kafka's ZooKeeperClient.handleRequests sends a Seq of
// requests), never more than zookeeper.max.in.flight.requests.
func (z *Client) GetMany(paths []string, workers int) []GetResult {
	return z.GetManyW(paths, workers, func(int) bool { return false })
}

// GetManyW is GetMany leaving a data watch on the znodes for which watch(i)
// is true.
func (z *Client) GetManyW(paths []string, workers int, watch func(i int) bool) []GetResult {
	out := make([]GetResult, len(paths))
	workers = min(workers, z.fl.max())
	if workers > len(paths) {
		workers = len(paths)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				if watch(i) {
					out[i].Data, out[i].Stat, out[i].Watch, out[i].Err = z.GetW(paths[i])
				} else {
					out[i].Data, out[i].Stat, out[i].Err = z.Get(paths[i])
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// KillDialer dials ZooKeeper and, once killed, cuts the live connection and
// refuses to dial again, so the session is never closed, only abandoned.
type KillDialer struct {
	mu      sync.Mutex
	killed  bool
	blocked time.Time // dials fail until then (a partition from ZooKeeper)
	cur     net.Conn
}

var (
	// ErrKilled is what a killed client's dials return; zkmode's broker
	// answers pushes with it once its node is killed.
	ErrKilled      = errors.New("node killed")
	errPartitioned = errors.New("partitioned from zookeeper")
)

func (d *KillDialer) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.killed {
		return nil, ErrKilled
	}
	if time.Now().Before(d.blocked) {
		return nil, errPartitioned
	}
	c, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	d.cur = c
	return c, nil
}

// Kill cuts the live connection and refuses every later dial.
func (d *KillDialer) Kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.killed = true
	if d.cur != nil {
		d.cur.Close()
	}
}

// Partition cuts the connection and refuses dials for d, as a network
// partition between the node and ZooKeeper would: a d longer than the session
// timeout makes the session expire, and the client then opens a new one.
func (d *KillDialer) Partition(dur time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.blocked = time.Now().Add(dur)
	if d.cur != nil {
		d.cur.Close()
	}
}

// zkLogger sends go-zookeeper's messages to slog at debug level.
type zkLogger struct{ log *slog.Logger }

func (l zkLogger) Printf(format string, args ...any) {
	l.log.Debug("zookeeper client: " + fmt.Sprintf(format, args...))
}
