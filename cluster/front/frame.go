package front

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DefaultMaxFrameBytes is Kafka's socket.request.max.bytes default (100 MiB).
const DefaultMaxFrameBytes = 100 * 1024 * 1024

// ErrFrameTooLarge is returned for a frame whose size prefix exceeds the limit.
var ErrFrameTooLarge = errors.New("frame exceeds the maximum request size")

// readFrame reads one size-prefixed frame. A negative size or one over max is
// an error: Kafka closes such a connection without answering.
func readFrame(r io.Reader, max int32) ([]byte, error) {
	var sz [4]byte
	if _, err := io.ReadFull(r, sz[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(sz[:]))
	if n < 0 || n > max {
		return nil, fmt.Errorf("%w: size %d, limit %d", ErrFrameTooLarge, n, max)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// RequestHeader is the decoded header of a Kafka request.
type RequestHeader struct {
	Key           int16
	Version       int16
	CorrelationID int32
	ClientID      *string
	// Listener is the name of the listener the request arrived on (set by
	// the server, not read from the wire): Metadata answers with the
	// endpoints of that listener, as Kafka does.
	Listener string
}

// ErrMalformed marks a frame that cannot be a Kafka request.
var ErrMalformed = errors.New("malformed request")

// ParseRequestHeader decodes the fixed part of a request header (key, version,
// correlation id, client id) and returns it with the rest of the frame: the
// tagged header fields (flexible versions) and the body.
func ParseRequestHeader(frame []byte) (RequestHeader, []byte, error) {
	var h RequestHeader
	if len(frame) < 10 {
		return h, nil, fmt.Errorf("%w: header needs 10 bytes, frame has %d", ErrMalformed, len(frame))
	}
	h.Key = int16(binary.BigEndian.Uint16(frame[0:]))
	h.Version = int16(binary.BigEndian.Uint16(frame[2:]))
	h.CorrelationID = int32(binary.BigEndian.Uint32(frame[4:]))
	l := int16(binary.BigEndian.Uint16(frame[8:]))
	rest := frame[10:]
	switch {
	case l == -1:
	case l < -1 || int(l) > len(rest):
		return h, nil, fmt.Errorf("%w: client id length %d", ErrMalformed, l)
	default:
		s := string(rest[:l])
		h.ClientID = &s
		rest = rest[l:]
	}
	return h, rest, nil
}

// skipTags skips a tagged-field section (KIP-482) and returns what follows.
func skipTags(b []byte) ([]byte, error) {
	r := kbin.Reader{Src: b}
	kmsg.ReadTags(&r)
	if !r.Ok() {
		return nil, fmt.Errorf("%w: truncated tagged fields in the request header", ErrMalformed)
	}
	return r.Src, nil
}

// AppendRequest appends a complete size-prefixed request frame for req.
func AppendRequest(dst []byte, req kmsg.Request, correlationID int32, clientID string) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = kbin.AppendInt16(dst, req.Key())
	dst = kbin.AppendInt16(dst, req.GetVersion())
	dst = kbin.AppendInt32(dst, correlationID)
	dst = kbin.AppendNullableString(dst, &clientID)
	if req.IsFlexible() {
		dst = append(dst, 0)
	}
	dst = req.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// appendResponse appends a complete size-prefixed response frame. Flexible
// responses carry header v1 (with an empty tag section), except ApiVersions,
// whose response header is always v0 so that any client can read it.
func appendResponse(dst []byte, resp kmsg.Response, correlationID int32) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = kbin.AppendInt32(dst, correlationID)
	if resp.IsFlexible() && resp.Key() != kmsg.ApiVersions.Int16() {
		dst = append(dst, 0)
	}
	dst = resp.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// parseResponse strips the response header of a frame answering req.
func parseResponse(frame []byte, req kmsg.Request, wantCorrelation int32) (kmsg.Response, error) {
	if len(frame) < 4 {
		return nil, fmt.Errorf("%w: response of %d bytes", ErrMalformed, len(frame))
	}
	if c := int32(binary.BigEndian.Uint32(frame)); c != wantCorrelation {
		return nil, fmt.Errorf("%w: correlation id %d, want %d", ErrMalformed, c, wantCorrelation)
	}
	body := frame[4:]
	if req.IsFlexible() && req.Key() != kmsg.ApiVersions.Int16() {
		var err error
		if body, err = skipTags(body); err != nil {
			return nil, err
		}
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("decode %s response v%d: %w", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	return resp, nil
}
