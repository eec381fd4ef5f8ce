package front

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Conn is a client connection speaking the Kafka protocol, used for
// node-to-node requests (pushes, registration, heartbeats, metadata fetch).
// Requests are sent one at a time; Request is safe for concurrent use and
// serialises callers, which keeps Kafka's per-connection ordering.
type Conn struct {
	addr     string
	clientID string

	mu   sync.Mutex
	c    net.Conn
	corr int32
	buf  []byte
}

// Dial opens a connection to addr.
func Dial(ctx context.Context, addr, clientID string) (*Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Conn{addr: addr, clientID: clientID, c: c}, nil
}

// Addr returns the address the connection was dialled to.
func (c *Conn) Addr() string { return c.addr }

// Request sends req at the version it carries (set it with SetVersion) and
// waits for its response, or until ctx ends. Any error leaves the connection
// closed: the caller dials again.
func (c *Conn) Request(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c == nil {
		return nil, fmt.Errorf("request %s to %s: %w", kmsg.NameForKey(req.Key()), c.addr, net.ErrClosed)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Time{}
	}
	// The callback may run while a failed request sets c.c to nil: it takes
	// the connection it was made for.
	nc := c.c
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c.c.SetDeadline(deadline)
	c.corr++
	c.buf = AppendRequest(c.buf[:0], req, c.corr, c.clientID)
	resp, err := c.roundTrip(req)
	if err != nil {
		c.c.Close()
		c.c = nil
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return nil, fmt.Errorf("request %s to %s: %w", kmsg.NameForKey(req.Key()), c.addr, err)
	}
	return resp, nil
}

func (c *Conn) roundTrip(req kmsg.Request) (kmsg.Response, error) {
	if _, err := c.c.Write(c.buf); err != nil {
		return nil, err
	}
	frame, err := readFrame(c.c, DefaultMaxFrameBytes)
	if err != nil {
		return nil, err
	}
	return parseResponse(frame, req, c.corr)
}

// Close closes the connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c == nil {
		return nil
	}
	err := c.c.Close()
	c.c = nil
	return err
}
