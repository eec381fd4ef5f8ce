package front

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func fmtInt(v int64) string { return strconv.FormatInt(v, 10) }

// isConnClosed reports whether err is the peer closing the connection.
func isConnClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func rawDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// expectClosed asserts the server closes c without answering.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	n, err := c.Read(b[:])
	if n != 0 || !isConnClosed(err) {
		t.Fatalf("read %d bytes, err %v: want the connection closed without an answer", n, err)
	}
}

// expectServing asserts the server still answers ApiVersions on a new
// connection and on c (already open), so one bad connection harmed no other.
func expectServing(t *testing.T, addr string, c *Conn) {
	t.Helper()
	for _, conn := range []*Conn{c, dial(t, addr)} {
		resp := request[*kmsg.ApiVersionsResponse](t, conn, kmsg.NewPtrApiVersionsRequest())
		if resp.ErrorCode != 0 || len(resp.ApiKeys) == 0 {
			t.Fatalf("ApiVersions after a bad connection: %+v", resp)
		}
	}
}

func sizePrefixed(body []byte) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(len(body))) // then body
}

func TestBadConnectionsAreClosedAlone(t *testing.T) {
	fc := StartFakeCluster(t, 1, 0)
	addr := fc.Addrs[0]
	bystander := dial(t, addr)
	unsupported := metadataReq(13)
	frame := func(req kmsg.Request) []byte { return AppendRequest(nil, req, 1, "t") }
	unknownKey := frame(kmsg.NewPtrApiVersionsRequest())
	binary.BigEndian.PutUint16(unknownKey[4:], 9999)
	garbageBody := frame(metadataReq(12, "a"))
	garbageBody = append(garbageBody[:len(garbageBody)-6], 0xff, 0xff, 0xff, 0x7f)
	binary.BigEndian.PutUint32(garbageBody, uint32(len(garbageBody)-4))
	cases := map[string][]byte{
		"unregistered API (Produce)":   frame(kmsg.NewPtrProduceRequest()),
		"API key unknown to Kafka":     unknownKey,
		"unsupported Metadata version": frame(unsupported),
		"short header":                 append(sizePrefixed(make([]byte, 5)), make([]byte, 5)...),
		"client id past the end":       append(sizePrefixed(make([]byte, 10)), 0, 3, 0, 0, 0, 0, 0, 0, 0x7f, 0),
		"body does not decode":         garbageBody,
		"negative size":                {0xff, 0xff, 0xff, 0xf0},
		"oversized frame":              sizePrefixed(make([]byte, 2<<20)), // limit is 1 MiB; body never sent
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			c := rawDial(t, addr)
			if _, err := c.Write(b); err != nil {
				t.Fatal(err)
			}
			expectClosed(t, c)
			expectServing(t, addr, bystander)
		})
	}
}

// TestPerConnectionOrdering pipelines requests whose handler takes varying
// time and checks the answers come back in request order.
func TestPerConnectionOrdering(t *testing.T) {
	s, addr := startServer(t)
	s.Handle(kmsg.Metadata, 0, 12, func(_ context.Context, hdr RequestHeader, _ kmsg.Request) (kmsg.Response, error) {
		time.Sleep(time.Duration(3-hdr.CorrelationID%3) * time.Millisecond)
		resp := kmsg.NewPtrMetadataResponse()
		resp.ControllerID = hdr.CorrelationID
		return resp, nil
	})
	c := rawDial(t, addr)
	const n = 30
	var out []byte
	for i := int32(1); i <= n; i++ {
		out = AppendRequest(out, metadataReq(12), i, "order")
	}
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := int32(1); i <= n; i++ {
		frame, err := readFrame(c, DefaultMaxFrameBytes)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		resp, err := parseResponse(frame, metadataReq(12), i)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if got := resp.(*kmsg.MetadataResponse).ControllerID; got != i {
			t.Fatalf("answer %d carries %d", i, got)
		}
	}
}
