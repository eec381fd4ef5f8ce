package kraftmode

import (
	"context"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// raftMagic is the first byte of every Raft connection on the controller
// port. As the first byte of a Kafka request's size prefix it would announce
// a frame over 1.3 GB, far beyond socket.request.max.bytes, so no Kafka
// client ever sends it: one byte tells the two protocols apart.
const raftMagic = 'R'

// routeTimeout bounds how long a new connection may stay silent before it is
// dropped unrouted.
const routeTimeout = 10 * time.Second

// mux shares one controller listener between Raft (connections that start
// with raftMagic) and the Kafka-protocol front (everything else), as Kafka
// puts Raft and broker-to-controller RPCs on the one CONTROLLER listener.
// It tracks every connection it accepts or dials, so abort can drop them all
// at once, as a killed process would.
type mux struct {
	ln        net.Listener
	advertise net.Addr
	raftLn    *chanListener
	kafkaLn   *chanListener

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup

	// dials ends with abort: a dial to a peer that does not answer would
	// otherwise wait out its timeout after the node was told to go
	dials      context.Context
	cancelDial context.CancelFunc
}

func newMux(ln net.Listener, advertise string) *mux {
	m := &mux{ln: ln, advertise: strAddr(advertise), conns: map[net.Conn]struct{}{}}
	m.dials, m.cancelDial = context.WithCancel(context.Background())
	done, once := make(chan struct{}), new(sync.Once)
	m.raftLn = &chanListener{ch: make(chan net.Conn), done: done, once: once, addr: m.advertise}
	m.kafkaLn = &chanListener{ch: make(chan net.Conn), done: done, once: once, addr: ln.Addr()}
	m.wg.Add(1)
	go m.accept()
	return m
}

type strAddr string

func (a strAddr) Network() string { return "tcp" }
func (a strAddr) String() string  { return string(a) }

func (m *mux) accept() {
	defer m.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			return
		}
		if !m.track(c) {
			c.Close()
			return
		}
		m.wg.Add(1)
		go m.route(c)
	}
}

func (m *mux) track(c net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.conns[c] = struct{}{}
	return true
}

func (m *mux) untrack(c net.Conn) {
	m.mu.Lock()
	delete(m.conns, c)
	m.mu.Unlock()
}

func (m *mux) route(c net.Conn) {
	defer m.wg.Done()
	var first [1]byte
	c.SetReadDeadline(time.Now().Add(routeTimeout))
	if _, err := io.ReadFull(c, first[:]); err != nil {
		m.untrack(c)
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	tc := &trackedConn{Conn: c, m: m}
	if first[0] == raftMagic {
		m.raftLn.deliver(tc)
		return
	}
	m.kafkaLn.deliver(&prefixConn{trackedConn: tc, first: first[0], pending: true})
}

// close stops accepting and closes the routed listeners; connections already
// handed out are left to their owners (raft, the front server).
func (m *mux) close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	m.mu.Unlock()
	m.ln.Close()
	m.raftLn.close()
	m.wg.Wait()
}

// abort closes every connection too, without a goodbye: what peers see when
// the process is killed.
func (m *mux) abort() {
	m.cancelDial()
	m.close()
	m.mu.Lock()
	for c := range m.conns {
		c.Close()
	}
	m.mu.Unlock()
}

// dial opens a Raft connection to a peer controller.
func (m *mux) dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	c, err := (&net.Dialer{Timeout: timeout}).DialContext(m.dials, "tcp", string(addr))
	if err != nil {
		return nil, err
	}
	if !m.track(c) {
		c.Close()
		return nil, net.ErrClosed
	}
	if _, err := c.Write([]byte{raftMagic}); err != nil {
		m.untrack(c)
		c.Close()
		return nil, err
	}
	return &trackedConn{Conn: c, m: m}, nil
}

// streamLayer is the raft.StreamLayer over the mux.
type streamLayer struct{ m *mux }

func (s streamLayer) Accept() (net.Conn, error) { return s.m.raftLn.Accept() }
func (s streamLayer) Close() error              { return s.m.raftLn.Close() }
func (s streamLayer) Addr() net.Addr            { return s.m.advertise }
func (s streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return s.m.dial(addr, timeout)
}

// chanListener is a net.Listener fed by the mux.
type chanListener struct {
	ch   chan net.Conn
	done chan struct{}
	addr net.Addr
	once *sync.Once // shared by both routed listeners, which share done
}

func (l *chanListener) deliver(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// close closes both routed listeners: they share done.
func (l *chanListener) close()       { l.once.Do(func() { close(l.done) }) }
func (l *chanListener) Close() error { l.close(); return nil }
func (l *chanListener) Addr() net.Addr {
	return l.addr
}

// trackedConn leaves the mux's set when closed.
type trackedConn struct {
	net.Conn
	m *mux
}

func (c *trackedConn) Close() error {
	c.m.untrack(c.Conn)
	return c.Conn.Close()
}

// prefixConn gives back the byte the mux read to route the connection.
type prefixConn struct {
	*trackedConn
	first   byte
	pending bool
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if c.pending && len(p) > 0 {
		p[0] = c.first
		c.pending = false
		return 1, nil
	}
	return c.trackedConn.Read(p)
}
