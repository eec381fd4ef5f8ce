// Package front is the Kafka-protocol front of a kraftbench node: it reads
// size-prefixed Kafka frames, decodes them with franz-go's kmsg, hands each
// request to the handler registered for its API key, and writes the answer.
//
// It behaves as a Kafka broker's socket server does where clients can tell:
//   - requests on one connection are handled one at a time, in order, and
//     answered in order (Kafka mutes a channel while a request is in flight);
//   - ApiVersions is always answered: an unsupported ApiVersions version gets
//     a v0 answer with UNSUPPORTED_VERSION and the supported ranges, so the
//     client can retry with a version it shares;
//   - an unknown API key, an unsupported version of another API, a frame that
//     does not decode, or one larger than the size limit closes that
//     connection only, without an answer, as Kafka does.
//
// The node's Kafka APIs (Metadata, CreateTopics, ...) are registered by
// RegisterKafkaAPIs; node-to-node APIs (pushes, registration, heartbeats,
// metadata fetch) are registered by the modes with Handle.
package front

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sort"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Handler answers one decoded request. It runs on the connection's goroutine,
// so a slow handler delays later requests on the same connection only. A
// returned error closes the connection without an answer; Kafka-level
// failures belong in the response's error codes instead.
type Handler func(ctx context.Context, hdr RequestHeader, req kmsg.Request) (kmsg.Response, error)

type api struct {
	min, max int16
	h        Handler
}

// Options configure a Server.
type Options struct {
	// MaxFrameBytes bounds a request frame (socket.request.max.bytes);
	// DefaultMaxFrameBytes when zero.
	MaxFrameBytes int32
	// Logger receives connection-level errors; nothing is logged when nil.
	Logger *slog.Logger
}

// Server serves the Kafka protocol on any number of listeners.
type Server struct {
	maxFrame int32
	log      *slog.Logger

	mu        sync.Mutex
	apis      map[int16]api
	conns     map[net.Conn]struct{}
	listeners map[net.Listener]struct{}
	closed    bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewServer returns a server that knows only ApiVersions until handlers are
// registered.
func NewServer(o Options) *Server {
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		maxFrame: o.MaxFrameBytes, log: o.Logger,
		apis:  map[int16]api{},
		conns: map[net.Conn]struct{}{}, listeners: map[net.Listener]struct{}{},
		ctx: ctx, cancel: cancel,
	}
}

// apiVersionsMax is the highest ApiVersions version served (KIP-511's v3 is
// what current clients send; kmsg decodes up to its own maximum).
var apiVersionsMax = new(kmsg.ApiVersionsRequest).MaxVersion()

// Handle registers h for key, versions min..max (capped at what kmsg can
// decode). Register before Serve; a later registration replaces an earlier.
func (s *Server) Handle(key kmsg.Key, min, max int16, h Handler) {
	if r := kmsg.RequestForKey(key.Int16()); r != nil && max > r.MaxVersion() {
		max = r.MaxVersion()
	}
	s.mu.Lock()
	s.apis[key.Int16()] = api{min: min, max: max, h: h}
	s.mu.Unlock()
}

// Supported returns the API version ranges the server advertises, sorted by
// key, ApiVersions included.
func (s *Server) Supported() []kmsg.ApiVersionsResponseApiKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []kmsg.ApiVersionsResponseApiKey{{ApiKey: kmsg.ApiVersions.Int16(), MinVersion: 0, MaxVersion: apiVersionsMax}}
	for k, a := range s.apis {
		out = append(out, kmsg.ApiVersionsResponseApiKey{ApiKey: k, MinVersion: a.min, MaxVersion: a.max})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ApiKey < out[j].ApiKey })
	return out
}

// Serve accepts connections on ln until Close. It returns nil after Close.
func (s *Server) Serve(ln net.Listener) error { return s.ServeListener("", ln) }

// ServeListener is Serve for a named listener (EXTERNAL, INTERNAL, ...):
// requests carry the name in RequestHeader.Listener.
func (s *Server) ServeListener(name string, ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			delete(s.listeners, ln)
			s.mu.Unlock()
			if closed {
				return nil
			}
			return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
		}
		if !s.track(c) {
			c.Close()
			return nil
		}
		s.wg.Add(1)
		go s.serveConn(name, c)
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// Close stops every listener, closes every connection, cancels the context
// handlers run under, and waits for the connection goroutines to finish.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

func (s *Server) serveConn(listener string, c net.Conn) {
	defer s.wg.Done()
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	var out []byte
	for {
		frame, err := readFrame(c, s.maxFrame)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.log.Debug("closing connection", "remote", c.RemoteAddr(), "err", err)
			}
			return
		}
		resp, corr, err := s.handleFrame(listener, frame)
		if err != nil {
			s.log.Info("closing connection", "remote", c.RemoteAddr(), "err", err)
			return
		}
		out = appendResponse(out[:0], resp, corr)
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// handleFrame decodes one request frame and runs its handler. An error means
// the connection must be closed without an answer.
func (s *Server) handleFrame(listener string, frame []byte) (resp kmsg.Response, corr int32, err error) {
	hdr, rest, err := ParseRequestHeader(frame)
	if err != nil {
		return nil, 0, err
	}
	hdr.Listener = listener
	if hdr.Key == kmsg.ApiVersions.Int16() && (hdr.Version < 0 || hdr.Version > apiVersionsMax) {
		return s.unsupportedApiVersions(), hdr.CorrelationID, nil
	}
	req := kmsg.RequestForKey(hdr.Key)
	s.mu.Lock()
	a, known := s.apis[hdr.Key]
	s.mu.Unlock()
	if hdr.Key == kmsg.ApiVersions.Int16() {
		known, a = true, api{min: 0, max: apiVersionsMax, h: s.apiVersions}
	}
	if req == nil || !known {
		return nil, 0, fmt.Errorf("unknown API key %d", hdr.Key)
	}
	if hdr.Version < a.min || hdr.Version > a.max {
		return nil, 0, fmt.Errorf("unsupported version %d of %s (supported %d-%d)",
			hdr.Version, kmsg.NameForKey(hdr.Key), a.min, a.max)
	}
	req.SetVersion(hdr.Version)
	if req.IsFlexible() {
		if rest, err = skipTags(rest); err != nil {
			return nil, 0, err
		}
	}
	if err := req.ReadFrom(rest); err != nil {
		return nil, 0, fmt.Errorf("%w: %s v%d: %v", ErrMalformed, kmsg.NameForKey(hdr.Key), hdr.Version, err)
	}
	resp, err = s.call(a.h, hdr, req)
	if err != nil {
		return nil, 0, err
	}
	resp.SetVersion(hdr.Version)
	return resp, hdr.CorrelationID, nil
}

// call runs a handler, turning a panic into a closed connection rather than a
// dead node.
func (s *Server) call(h Handler, hdr RequestHeader, req kmsg.Request) (resp kmsg.Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("handler panic", "api", kmsg.NameForKey(hdr.Key), "panic", r, "stack", string(debug.Stack()))
			resp, err = nil, fmt.Errorf("handler for %s panicked: %v", kmsg.NameForKey(hdr.Key), r)
		}
	}()
	resp, err = h(s.ctx, hdr, req)
	if err == nil && resp == nil {
		err = fmt.Errorf("handler for %s returned no response", kmsg.NameForKey(hdr.Key))
	}
	return resp, err
}

func (s *Server) apiVersions(_ context.Context, _ RequestHeader, _ kmsg.Request) (kmsg.Response, error) {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.ApiKeys = s.Supported()
	return resp, nil
}

// unsupportedApiVersions is Kafka's answer to an ApiVersions request of a
// version it does not know: a v0 response with UNSUPPORTED_VERSION that still
// lists the supported ranges.
func (s *Server) unsupportedApiVersions() kmsg.Response {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.Version = 0
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	resp.ApiKeys = s.Supported()
	return resp
}
