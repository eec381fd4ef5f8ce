package zkmode

import (
	"context"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// TestControlledShutdownMovesLeadershipBeforeStop stops, cleanly, the broker
// that leads the most partitions, controller or not. When Close returns,
// every surviving broker already serves other leaders for those partitions
// and has dropped the stopped broker from every ISR: there is no window in
// which Metadata names a stopped broker as leader. The state znodes show one
// leader-epoch bump per moved partition. When the broker starts again it
// rejoins every ISR (ISR expansion).
func TestControlledShutdownMovesLeadershipBeforeStop(t *testing.T) {
	for _, victimIsController := range []bool{false, true} {
		t.Run("controller="+strconv.FormatBool(victimIsController), func(t *testing.T) {
			c := newTestCluster(t, 3)
			ctrl := c.ready()
			mustCreate(t, ctrl, cluster.TopicSpec{Name: "cs", NumPartitions: 12, ReplicationFactor: 3})
			c.waitConverged(10 * time.Second)
			victim := mostLeader(ctrl.Image(), "cs", func(id int32) bool { return (id == ctrl.cfg.NodeID) == victimIsController })
			before := ctrl.Image().Topics["cs"]
			var led []int32
			for _, p := range before.Partitions {
				if p.Leader == victim {
					led = append(led, p.ID)
				}
			}
			if len(led) == 0 {
				t.Fatalf("broker %d leads nothing: %+v", victim, before)
			}

			start := time.Now()
			c.stop(victim)
			took := time.Since(start)
			for _, id := range c.ids() {
				img := c.node(id).Image()
				for _, p := range img.Topics["cs"].Partitions {
					if p.Leader == victim || p.Leader == cluster.NoLeader {
						t.Errorf("right after the stop, broker %d serves cs-%d with leader %d", id, p.ID, p.Leader)
					}
					if slices.Contains(p.ISR, victim) {
						t.Errorf("right after the stop, broker %d serves cs-%d with ISR %v, still holding %d", id, p.ID, p.ISR, victim)
					}
				}
			}
			if took > 3*time.Second {
				t.Errorf("controlled shutdown of %d partitions took %v", len(led), took)
			}
			t.Logf("controlled shutdown of broker %d (controller: %v) moved %d leaders in %v", victim, victimIsController, len(led), took)

			z := c.zk()
			for _, id := range led {
				b, _, err := z.Get(zkmeta.StatePath("cs", id))
				if err != nil {
					t.Fatal(err)
				}
				s, _ := zkmeta.DecodeState("", b)
				if s.Leader == victim || s.LeaderEpoch != before.Partitions[id].LeaderEpoch+1 {
					t.Errorf("cs-%d state %s: want a new leader at leader_epoch %d", id, b, before.Partitions[id].LeaderEpoch+1)
				}
			}

			c.start(victim)
			c.waitConverged(10 * time.Second)
			waitFor(t, 10*time.Second, "the restarted broker to rejoin every ISR", func() bool {
				for _, id := range c.ids() {
					for _, p := range c.node(id).Image().Topics["cs"].Partitions {
						if len(p.ISR) != 3 {
							return false
						}
					}
				}
				return true
			})
		})
	}
}

// mostLeader returns the broker among those ok accepts that leads the most
// partitions of topic.
func mostLeader(img *cluster.Image, topic string, ok func(int32) bool) int32 {
	count := map[int32]int{}
	for _, p := range img.Topics[topic].Partitions {
		if ok(p.Leader) {
			count[p.Leader]++
		}
	}
	best := int32(-1)
	for _, id := range sortedKeys(count) {
		if best == -1 || count[id] > count[best] {
			best = id
		}
	}
	return best
}

// TestControlledShutdownOfLastBrokerGivesUp stops the brokers one by one.
// The last one has no replica to hand its leaderships to: the controller
// answers with the partitions it still leads, the broker makes
// controlled.shutdown.max.retries attempts with the backoff before each
// retry (Kafka sleeps only "if (!shutdownSucceeded && remainingRetries >
// 0)"), and then stops anyway, as Kafka's does.
//
// Each broker is stopped only once its metadata cache names the active
// controller: Kafka's broker sends ControlledShutdown to the controller its
// cache names (KafkaServer.controlledShutdown: metadataCache.getControllerId,
// which only an UpdateMetadata changes), so one stopped before the new
// controller's first push dials the old one, fails (an IOException from
// NetworkClientUtils.awaitReady) and sleeps the backoff before it asks
// again, as the broker here does.
func TestControlledShutdownOfLastBrokerGivesUp(t *testing.T) {
	c := newTestCluster(t, 3)
	ctrl := c.ready()
	mustCreate(t, ctrl, cluster.TopicSpec{Name: "last", NumPartitions: 4, ReplicationFactor: 3})
	c.waitConverged(10 * time.Second)
	ids := c.ids()
	for i, id := range ids[:2] {
		if i > 0 {
			c.waitCachedController(id, 10*time.Second)
		}
		start := time.Now()
		c.stop(id)
		if d := time.Since(start); d >= testCSBackoff {
			t.Errorf("stop of broker %d took %v: it should have handed over at the first attempt", id, d)
		}
		c.waitActive(10 * time.Second)
	}
	c.waitCachedController(ids[2], 10*time.Second)
	last := c.node(ids[2])
	waitFor(t, 10*time.Second, "the last broker to lead everything", func() bool {
		for _, p := range last.Image().Topics["last"].Partitions {
			if p.Leader != ids[2] {
				return false
			}
		}
		return true
	})
	start := time.Now()
	c.stop(ids[2])
	took := time.Since(start)
	want := time.Duration(DefaultControlledShutdownMaxRetries-1) * testCSBackoff
	if took < want || took >= want+testCSBackoff {
		t.Fatalf("last broker's stop took %v; want %d attempts with a %v backoff between them ([%v, %v))",
			took, DefaultControlledShutdownMaxRetries, testCSBackoff, want, want+testCSBackoff)
	}
	z := c.zk()
	for p := int32(0); p < 4; p++ {
		b, _, err := z.Get(zkmeta.StatePath("last", p))
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := zkmeta.DecodeState("", b); s.Leader != ids[2] {
			t.Errorf("last-%d state %s: the leader should stay with broker %d", p, b, ids[2])
		}
	}
}

// TestControlledShutdownRequestErrors sends ControlledShutdown over the wire
// as a broker would: a broker that is not the controller answers
// NOT_CONTROLLER; the controller answers STALE_BROKER_EPOCH for an old
// broker epoch and BROKER_NOT_AVAILABLE for an unknown broker.
func TestControlledShutdownRequestErrors(t *testing.T) {
	c := newTestCluster(t, 2)
	ctrl := c.ready()
	var other *Node
	for _, id := range c.ids() {
		if n := c.node(id); n != ctrl {
			other = n
		}
	}
	ask := func(to *Node, broker int32, epoch int64) int16 {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ep := to.cfg.Endpoint
		conn, err := front.Dial(ctx, net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port))), "test")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		req := kmsg.NewPtrControlledShutdownRequest()
		req.SetVersion(controlledShutdownVersion)
		req.BrokerID, req.BrokerEpoch = broker, epoch
		r, err := conn.Request(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return r.(*kmsg.ControlledShutdownResponse).ErrorCode
	}
	oid, oepoch := other.cfg.NodeID, other.broker.epoch.Load()
	if code := ask(other, oid, oepoch); code != kerr.NotController.Code {
		t.Errorf("to a non-controller: %s, want NOT_CONTROLLER", cluster.ErrorName(code))
	}
	if code := ask(ctrl, oid, oepoch-1); code != kerr.StaleBrokerEpoch.Code {
		t.Errorf("old broker epoch: %s, want STALE_BROKER_EPOCH", cluster.ErrorName(code))
	}
	if code := ask(ctrl, 99, -1); code != kerr.BrokerNotAvailable.Code {
		t.Errorf("unknown broker: %s, want BROKER_NOT_AVAILABLE", cluster.ErrorName(code))
	}
}
