package zkmode

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/kraftbench/kraftbench/cluster/clustertest"
)

// TestConformance runs the conformance suite over kadm against 3 ZooKeeper-
// mode brokers on a real 3-server ensemble.
func TestConformance(t *testing.T) {
	clustertest.Run(t, func(t *testing.T) clustertest.Cluster {
		c := newEmptyCluster(t)
		c.kafka = true
		for id := int32(1); id <= 3; id++ {
			c.start(id)
		}
		c.ready()
		var bootstrap []string
		for _, id := range c.ids() {
			ep := c.node(id).cfg.Endpoint
			bootstrap = append(bootstrap, net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port))))
		}
		a, err := admin.New(bootstrap, admin.Options{ClientID: t.Name(), WriteTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(a.Close)
		return clustertest.Cluster{Admin: a, Brokers: c.ids(), Bootstrap: bootstrap, Propagation: 10 * time.Second}
	})
}
