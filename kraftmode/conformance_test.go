package kraftmode

import (
	"fmt"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/kraftbench/kraftbench/cluster/clustertest"
)

// TestConformance runs the conformance suite on 3 controllers + 3 brokers,
// separated and combined, in-process over real TCP, through kadm.
func TestConformance(t *testing.T) {
	for _, combined := range []bool{false, true} {
		t.Run(fmt.Sprintf("combined=%v", combined), func(t *testing.T) {
			clustertest.Run(t, func(t *testing.T) clustertest.Cluster {
				c := newTCluster(t, combined, nil)
				c.active(10 * time.Second)
				c.waitUnfenced(10 * time.Second)
				a, err := admin.New(c.bootstrap(), admin.Options{ClientID: t.Name(), WriteTimeout: 5 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(a.Close)
				return clustertest.Cluster{Admin: a, Brokers: c.brokerIDs, Bootstrap: c.bootstrap(),
					Propagation: 5 * time.Second, ControllerPerAnswer: true}
			})
		})
	}
}
