package front

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func startServer(t *testing.T) (*Server, string) {
	t.Helper()
	s := NewServer(Options{MaxFrameBytes: 1 << 20})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return s, ln.Addr().String()
}

func dial(t *testing.T, addr string) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestApiVersionsListsRegisteredAPIs(t *testing.T) {
	s, addr := startServer(t)
	s.Handle(kmsg.Metadata, 0, 12, func(context.Context, RequestHeader, kmsg.Request) (kmsg.Response, error) {
		return kmsg.NewPtrMetadataResponse(), nil
	})
	c := dial(t, addr)
	for v := int16(0); v <= apiVersionsMax; v++ {
		req := kmsg.NewPtrApiVersionsRequest()
		req.SetVersion(v)
		resp, err := c.Request(context.Background(), req)
		if err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		r := resp.(*kmsg.ApiVersionsResponse)
		if r.ErrorCode != 0 || len(r.ApiKeys) != 2 || r.ApiKeys[0].ApiKey != kmsg.Metadata.Int16() || r.ApiKeys[0].MaxVersion != 12 {
			t.Fatalf("v%d: unexpected answer %+v", v, r)
		}
	}
}

func TestUnsupportedApiVersionsGetsV0Error(t *testing.T) {
	_, addr := startServer(t)
	c := dial(t, addr)
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(apiVersionsMax + 1)
	// The answer is v0 whatever was asked: decode it as v0.
	c.mu.Lock()
	c.corr++
	c.buf = AppendRequest(c.buf[:0], req, c.corr, "test")
	c.mu.Unlock()
	if _, err := c.c.Write(c.buf); err != nil {
		t.Fatal(err)
	}
	frame, err := readFrame(c.c, DefaultMaxFrameBytes)
	if err != nil {
		t.Fatal(err)
	}
	v0 := kmsg.NewPtrApiVersionsRequest()
	v0.SetVersion(0)
	resp, err := parseResponse(frame, v0, c.corr)
	if err != nil {
		t.Fatal(err)
	}
	if code := resp.(*kmsg.ApiVersionsResponse).ErrorCode; code != kerr.UnsupportedVersion.Code {
		t.Fatalf("error code %d, want UNSUPPORTED_VERSION", code)
	}
}
