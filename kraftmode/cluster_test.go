package kraftmode

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestClusterCreateDeleteConverges(t *testing.T) {
	for _, combined := range []bool{false, true} {
		t.Run(fmt.Sprintf("combined=%v", combined), func(t *testing.T) {
			c := newTCluster(t, combined, nil)
			c.active(10 * time.Second)
			c.waitUnfenced(10 * time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			// Through every node: brokers and standbys forward to the active controller.
			for i, id := range c.allIDs() {
				r, err := createOne(ctx, c.nodes[id], fmt.Sprintf("t%d", i), 3)
				if err != nil {
					t.Fatalf("create through node %d: %v", id, err)
				}
				if r.NumPartitions != 3 || r.ReplicationFactor != 3 || r.ID == (cluster.TopicID{}) {
					t.Fatalf("unexpected result %+v", r)
				}
			}
			_, err := createOne(ctx, c.nodes[c.brokerIDs[0]], "t0", 1)
			if !errors.Is(err, kerr.TopicAlreadyExists) {
				t.Fatalf("second create of t0: got %v, want TOPIC_ALREADY_EXISTS", err)
			}
			c.converged(10 * time.Second)
			img := c.nodes[c.brokerIDs[1]].Image()
			if len(img.Topics) != len(c.allIDs()) || len(img.LiveBrokerIDs()) != 3 {
				t.Fatalf("broker image: %d topics, live brokers %v", len(img.Topics), img.LiveBrokerIDs())
			}
			for _, p := range img.Topics["t1"].Partitions {
				if len(p.Replicas) != 3 || p.Leader != p.Replicas[0] || len(p.ISR) != 3 {
					t.Fatalf("partition %+v", p)
				}
			}
			res, err := c.nodes[c.brokerIDs[2]].DeleteTopics(ctx, []string{"t0", "nope"})
			if err != nil || res[0].Code != 0 || res[1].Code != kerr.UnknownTopicOrPartition.Code {
				t.Fatalf("delete: %+v %v", res, err)
			}
			c.converged(10 * time.Second)
			if _, ok := c.nodes[c.brokerIDs[0]].Image().Topics["t0"]; ok {
				t.Fatal("t0 still in a broker's image after delete")
			}
		})
	}
}

func TestDescribeQuorum(t *testing.T) {
	c := newTCluster(t, false, nil)
	leader := c.active(10 * time.Second)
	c.waitUnfenced(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := createOne(ctx, leader, "dq", 1); err != nil {
		t.Fatal(err)
	}
	var info cluster.QuorumInfo
	eventually(t, 5*time.Second, "every observer caught up", func() bool {
		var err error
		info, err = c.nodes[4].DescribeQuorum(ctx) // a broker asks the active controller
		if err != nil || len(info.Observers) != 3 {
			return false
		}
		for _, o := range info.Observers {
			if o.LogEndOffset < info.HighWatermark-2 {
				return false
			}
		}
		return true
	})
	if info.LeaderID != leader.cfg.NodeID || info.LeaderEpoch <= 0 || info.HighWatermark <= 1 || len(info.Voters) != 3 {
		t.Fatalf("quorum info %+v", info)
	}
	for _, v := range info.Voters {
		if v.LogEndOffset <= 0 || v.LastFetch.IsZero() {
			t.Fatalf("voter %+v has no position", v)
		}
	}
	if st := c.nodes[4].Status(); st.ActiveControllerID != leader.cfg.NodeID {
		t.Fatalf("broker status names %d as active controller, want %d", st.ActiveControllerID, leader.cfg.NodeID)
	}
}

// On the controller listener, the active controller answers CreateTopics
// (validate-only here: nothing is created) and a standby answers
// NOT_CONTROLLER, as Kafka's controllers do.
func TestControllerListenerAnswers(t *testing.T) {
	c := newTCluster(t, false, nil)
	active := c.active(10 * time.Second)
	c.waitUnfenced(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := requestFromSpecs([]cluster.TopicSpec{{Name: "v", NumPartitions: 4, ReplicationFactor: 3}}, 5000)
	req.ValidateOnly = true
	for _, id := range c.ctrlIDs {
		conn, err := front.Dial(ctx, c.voters[id], "test")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := conn.Request(ctx, req)
		conn.Close()
		if err != nil {
			t.Fatalf("controller %d: %v", id, err)
		}
		got := resp.(*kmsg.CreateTopicsResponse).Topics[0]
		want := kerr.NotController.Code
		if id == active.cfg.NodeID {
			want = 0
		}
		if got.ErrorCode != want || (want == 0 && got.NumPartitions != 4) {
			t.Fatalf("controller %d answered %+v, want code %d", id, got, want)
		}
	}
	if _, ok := active.Image().Topics["v"]; ok {
		t.Fatal("a validate-only request created the topic")
	}
}
