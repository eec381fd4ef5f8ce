package front

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// A broker with two listeners answers each client with the endpoint of the
// listener it connected to: the host reaches 127.0.0.1:PORT, peers reach the
// container name. This is what makes kraftbench clusters usable from both
// sides of a container network.
func TestMetadataAnswersWithTheEndpointOfTheListenerUsed(t *testing.T) {
	fc := newFakeController("c", 1, 0)
	node := fc.addNode(1, cluster.RoleBroker)
	fc.mutate(func(img *cluster.Image) {
		img.Brokers[1] = &cluster.Broker{ID: 1, Endpoints: []cluster.Endpoint{
			{Listener: "EXTERNAL", Host: "127.0.0.1", Port: 19092},
			{Listener: "INTERNAL", Host: "broker-1", Port: 9093},
		}}
	})
	if err := fc.waitApplied(context.Background(), fc.img.Offset); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Options{})
	RegisterKafkaAPIs(s, node)
	t.Cleanup(func() { s.Close() })
	addrs := map[string]string{}
	for _, name := range []string{"EXTERNAL", "INTERNAL"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go s.ServeListener(name, ln)
		addrs[name] = ln.Addr().String()
	}
	want := map[string]string{"EXTERNAL": "127.0.0.1:19092", "INTERNAL": "broker-1:9093"}
	for name, addr := range addrs {
		c := dial(t, addr)
		req := kmsg.NewPtrMetadataRequest()
		req.Version = 12
		resp := request[*kmsg.MetadataResponse](t, c, req)
		if len(resp.Brokers) != 1 {
			t.Fatalf("%s: brokers %+v", name, resp.Brokers)
		}
		got := net.JoinHostPort(resp.Brokers[0].Host, strconv.Itoa(int(resp.Brokers[0].Port)))
		if got != want[name] {
			t.Errorf("on %s: broker advertised as %s, want %s", name, got, want[name])
		}
	}
}
