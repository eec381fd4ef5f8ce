package zkmode

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

// zkClient is one node's ZooKeeper session: the chroot of zookeeper.connect
// applied to every path, go-zookeeper's log sent to slog, and a dialer that
// can drop the connection the way a crashed process does.
//
// go-zookeeper pipelines requests on its one connection: concurrent calls
// from many goroutines are all in flight at once, as with Kafka's
// ZooKeeperClient and its async API; fl bounds them to
// zookeeper.max.in.flight.requests, as Kafka's semaphore does (inflight.go).
type zkClient struct {
	conn   *zk.Conn
	root   string
	dialer *killDialer
	fl     *inFlight
}

var openACL = zk.WorldACL(zk.PermAll)

// connectZK opens a session and waits for it, up to timeout. onEvent sees
// every session event (it must not block).
// The session keeps at most zookeeper.max.in.flight.requests (Kafka's
// default 10) requests outstanding; withMaxInFlight changes that.
func connectZK(ctx context.Context, connect string, sessionTimeout, timeout time.Duration,
	log *slog.Logger, onEvent func(zk.Event)) (*zkClient, error) {
	servers, root, err := parseConnect(connect)
	if err != nil {
		return nil, fmt.Errorf("zookeeper.connect: %w", err)
	}
	d := &killDialer{}
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
	conn, _, err := zk.Connect(servers, sessionTimeout, zk.WithDialer(d.dial),
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
	z := &zkClient{conn: conn, dialer: d, fl: newInFlight(DefaultMaxInFlightRequests)}
	if root != "" {
		// Kafka creates a missing chroot before using it.
		if err := z.ensurePath(root); err != nil {
			conn.Close()
			return nil, err
		}
		z.root = root
	}
	return z, nil
}

// withMaxInFlight sets zookeeper.max.in.flight.requests; call it before
// the session is shared.
func (z *zkClient) withMaxInFlight(n int) *zkClient {
	z.fl = newInFlight(n)
	return z
}

// close ends the session: ZooKeeper deletes its ephemeral znodes at once.
func (z *zkClient) close() { z.conn.Close() }

// kill drops the connection without closing the session, as kill -9 does:
// the ephemeral znodes stay until ZooKeeper expires the session.
func (z *zkClient) kill() {
	z.dialer.kill()
	z.conn.Close()
}

func (z *zkClient) sessionID() int64 { return z.conn.SessionID() }

func (z *zkClient) p(path string) string { return z.root + path }

func (z *zkClient) get(path string) (b []byte, st *zk.Stat, err error) {
	err = z.fl.do("getData", path, nil, func() error {
		b, st, err = z.conn.Get(z.p(path))
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", path, err)
	}
	return b, st, nil
}

func (z *zkClient) getW(path string) (b []byte, st *zk.Stat, ch <-chan zk.Event, err error) {
	err = z.fl.do("getData", path, nil, func() error {
		b, st, ch, err = z.conn.GetW(z.p(path))
		return err
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("get %s: %w", path, err)
	}
	return b, st, ch, nil
}

// exists is Kafka's pathExists (an ExistsRequest without a watch).
func (z *zkClient) exists(path string) (ok bool, err error) {
	err = z.fl.do("exists", path, nil, func() error {
		ok, _, err = z.conn.Exists(z.p(path))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("exists %s: %w", path, err)
	}
	return ok, nil
}

func (z *zkClient) existsW(path string) (ok bool, ch <-chan zk.Event, err error) {
	err = z.fl.do("exists", path, nil, func() error {
		ok, _, ch, err = z.conn.ExistsW(z.p(path))
		return err
	})
	if err != nil {
		return false, nil, fmt.Errorf("exists %s: %w", path, err)
	}
	return ok, ch, nil
}

func (z *zkClient) children(path string) (c []string, err error) {
	err = z.fl.do("getChildren", path, nil, func() error {
		c, _, err = z.conn.Children(z.p(path))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("children %s: %w", path, err)
	}
	return c, nil
}

func (z *zkClient) childrenW(path string) (c []string, ch <-chan zk.Event, err error) {
	err = z.fl.do("getChildren", path, nil, func() error {
		c, _, ch, err = z.conn.ChildrenW(z.p(path))
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("children %s: %w", path, err)
	}
	return c, ch, nil
}

func (z *zkClient) create(path string, data []byte, flags int32) error {
	err := z.fl.do("create", path, nil, func() error {
		_, err := z.conn.Create(z.p(path), data, flags, openACL)
		return err
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return nil
}

func (z *zkClient) set(path string, data []byte, version int32) (st *zk.Stat, err error) {
	err = z.fl.do("setData", path, nil, func() error {
		st, err = z.conn.Set(z.p(path), data, version)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set %s: %w", path, err)
	}
	return st, nil
}

func (z *zkClient) delete(path string, version int32) error {
	err := z.fl.do("delete", path, nil, func() error { return z.conn.Delete(z.p(path), version) })
	if err != nil {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	return nil
}

// ensurePath creates path and its missing ancestors as persistent znodes.
func (z *zkClient) ensurePath(path string) error {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	cur := ""
	for _, part := range parts {
		cur += "/" + part
		err := z.create(cur, nil, 0)
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return err
		}
	}
	return nil
}

// op is one operation of a multi, on a Kafka path (the chroot is added).
type op struct {
	kind    int // opCreate, opSet, opDelete, opCheck
	path    string
	data    []byte
	version int32
	flags   int32
}

const (
	opCreate = iota
	opSet
	opDelete
	opCheck
)

// opNames are the operations as Kafka's ZkOp names them (CreateOp,
// SetDataOp, DeleteOp, CheckOp), for the request recorder.
var opNames = [...]string{opCreate: "create", opSet: "setData", opDelete: "delete", opCheck: "check"}

func (z *zkClient) zkOp(o op) any {
	switch o.kind {
	case opCreate:
		return &zk.CreateRequest{Path: z.p(o.path), Data: o.data, Acl: openACL, Flags: o.flags}
	case opSet:
		return &zk.SetDataRequest{Path: z.p(o.path), Data: o.data, Version: o.version}
	case opDelete:
		return &zk.DeleteRequest{Path: z.p(o.path), Version: o.version}
	default:
		return &zk.CheckVersionRequest{Path: z.p(o.path), Version: o.version}
	}
}

// multiError says which operation of a failed multi failed and why.
type multiError struct {
	Index int // into the ops given to multi
	Op    op
	Err   error
}

func (e *multiError) Error() string {
	return fmt.Sprintf("multi op %d (%s): %v", e.Index, e.Op.path, e.Err)
}

func (e *multiError) Unwrap() error { return e.Err }

// multi runs ops atomically. A failed multi returns a *multiError naming the
// first operation ZooKeeper refused; a lost connection returns its error.
func (z *zkClient) multi(ops []op) ([]zk.MultiResponse, error) {
	reqs := make([]any, len(ops))
	rec := make([]recordedOp, len(ops))
	for i, o := range ops {
		reqs[i] = z.zkOp(o)
		rec[i] = recordedOp{Kind: opNames[o.kind], Path: o.path}
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
			return res, &multiError{Index: i, Op: ops[i], Err: r.Error}
		}
	}
	return res, fmt.Errorf("multi of %d ops: %w", len(ops), err)
}

// getResult is one answer of getMany.
type getResult struct {
	data  []byte
	stat  *zk.Stat
	err   error
	watch <-chan zk.Event // set by getManyW on success
}

// getMany reads paths with up to workers requests in flight on the session
// (pipelined, as Kafka's ZooKeeperClient.handleRequests sends a Seq of
// requests), never more than zookeeper.max.in.flight.requests.
func (z *zkClient) getMany(paths []string, workers int) []getResult {
	return z.getManyW(paths, workers, func(int) bool { return false })
}

// getManyW is getMany leaving a data watch on the znodes for which watch(i)
// is true.
func (z *zkClient) getManyW(paths []string, workers int, watch func(i int) bool) []getResult {
	out := make([]getResult, len(paths))
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
					out[i].data, out[i].stat, out[i].watch, out[i].err = z.getW(paths[i])
				} else {
					out[i].data, out[i].stat, out[i].err = z.get(paths[i])
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// killDialer dials ZooKeeper and, once killed, cuts the live connection and
// refuses to dial again, so the session is never closed, only abandoned.
type killDialer struct {
	mu      sync.Mutex
	killed  bool
	blocked time.Time // dials fail until then (a partition from ZooKeeper)
	cur     net.Conn
}

var (
	errKilled      = errors.New("node killed")
	errPartitioned = errors.New("partitioned from zookeeper")
)

func (d *killDialer) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.killed {
		return nil, errKilled
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

func (d *killDialer) kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.killed = true
	if d.cur != nil {
		d.cur.Close()
	}
}

// partition cuts the connection and refuses dials for d, as a network
// partition between the node and ZooKeeper would: a d longer than the session
// timeout makes the session expire, and the client then opens a new one.
func (d *killDialer) partition(dur time.Duration) {
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
