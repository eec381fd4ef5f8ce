package external

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// Status builds node id's status from the Kafka protocol, asking that node
// directly:
//
//   - a broker's image is its own Metadata answer (front.ImageFromMetadata,
//     so its Digest compares with any provider's); Registered means it
//     lists itself (Kafka leaves a fenced or unregistered broker out of
//     Metadata), LiveBrokers counts the brokers it lists;
//   - KRaft: the leader and its epoch are DescribeQuorum's, asked of the
//     node (a broker forwards it to the active controller, a controller
//     answers itself, a standby with NOT_LEADER_OR_FOLLOWER), so Active
//     means the node is the quorum's leader as the quorum says it; the
//     metadata offset is the high watermark for the leader, and for another
//     node the log end offset the leader reports for it. A controller with
//     no address in the file is asked about through a bootstrap broker;
//   - ZooKeeper: the controller and its epoch are /controller and
//     /controller_epoch, read together (see zkController), when the file
//     gives zookeeper.connect; without it the controller is the one the
//     node's Metadata names and the epoch is unknown (-1, never Active).
func (c *extCluster) Status(ctx context.Context, id int32) (cluster.Status, error) {
	n, ok := c.node(id)
	if !ok {
		return cluster.Status{}, fmt.Errorf("no node %d in cluster %s", id, c.f.name())
	}
	st := cluster.Status{NodeID: id, Mode: c.mode, Roles: slices.Clone(n.Roles), ActiveControllerID: -1,
		ControllerEpoch: -1, MetadataOffset: -1}
	direct := c.direct[id]
	asked := c.boot.SeedBrokers()[0] // for a node without an address
	if direct != nil {
		asked = direct.SeedBrokers()[0]
	}
	if st.HasRole(cluster.RoleBroker) {
		if direct == nil {
			return st, fmt.Errorf("broker %d: no address to ask it at (nodes[].addr)", id)
		}
		resp, err := asked.Request(ctx, kmsg.NewPtrMetadataRequest())
		if err != nil {
			return st, fmt.Errorf("metadata from broker %d: %w", id, err)
		}
		img := front.ImageFromMetadata(resp.(*kmsg.MetadataResponse))
		live := len(img.LiveBrokerIDs())
		st.LiveBrokers = &live
		_, st.Registered = img.Brokers[id]
		st.Digest = img.Digest()
		st.ActiveControllerID = img.ControllerID
	}
	switch c.mode {
	case cluster.ModeKRaft:
		return c.kraftStatus(ctx, st, asked, direct != nil)
	case cluster.ModeZK:
		if c.zk == nil {
			return st, nil
		}
		ctl, epoch, err := c.zkController()
		if err != nil {
			return st, err
		}
		st.ActiveControllerID, st.ControllerEpoch = ctl, epoch
		st.Active = ctl == id
	}
	return st, nil
}

// kraftStatus fills in the quorum's view of st's node; asked is the node
// itself when self, else a bootstrap broker.
func (c *extCluster) kraftStatus(ctx context.Context, st cluster.Status, asked *kgo.Broker, self bool) (cluster.Status, error) {
	q, err := describeQuorum(ctx, asked)
	if err != nil {
		if st.HasRole(cluster.RoleBroker) {
			st.ActiveControllerID = -1 // Metadata's is a random broker in KRaft mode
			return st, nil             // it answered Metadata; the quorum may be electing
		}
		return st, fmt.Errorf("controller %d: %w", st.NodeID, err)
	}
	if q.NotLeader {
		// A standby controller; Kafka's answer need not name the leader.
		if q.LeaderID < 0 {
			if bq, err := describeQuorum(ctx, c.boot.SeedBrokers()[0]); err == nil {
				q.LeaderID, q.LeaderEpoch = bq.LeaderID, bq.LeaderEpoch
			}
		}
		st.ActiveControllerID, st.ControllerEpoch = q.LeaderID, int64(q.LeaderEpoch)
		return st, nil
	}
	st.ActiveControllerID, st.ControllerEpoch = q.LeaderID, int64(q.LeaderEpoch)
	st.Active = q.LeaderID == st.NodeID && (self || !st.HasRole(cluster.RoleBroker))
	if st.Active {
		st.MetadataOffset = q.HighWatermark
	} else if off, ok := q.Offsets[st.NodeID]; ok {
		st.MetadataOffset = off
	}
	if !st.HasRole(cluster.RoleBroker) {
		st.Registered = false
	}
	return st, nil
}

// connectZK opens a read-only session on the file's zookeeper.connect and
// checks /controller_epoch can be read.
func (c *extCluster) connectZK(ctx context.Context) error {
	servers, root, err := zkmeta.ParseConnect(c.f.ZooKeeperConnect)
	if err != nil {
		return fmt.Errorf("zookeeper.connect: %w", err)
	}
	conn, events, err := zk.Connect(servers, zkmeta.DefaultSessionTimeout, zk.WithLogInfo(false))
	if err != nil {
		return fmt.Errorf("zookeeper.connect %s: %w", c.f.ZooKeeperConnect, err)
	}
	c.zk, c.zkRoot = conn, root
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				if _, _, err := c.zkController(); err != nil {
					return err
				}
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("zookeeper.connect %s: no session: %w", c.f.ZooKeeperConnect, ctx.Err())
		}
	}
}

// zkController reads the controller and its epoch. Kafka claims the post in
// one multi that creates /controller and sets /controller_epoch
// (KafkaZkClient.registerControllerAndIncrementControllerEpoch), so the pair
// is consistent when /controller was created in the transaction that last
// set the epoch; a read that straddles an election is read again. A pair
// that never matches (a store written otherwise) is taken as read.
func (c *extCluster) zkController() (int32, int64, error) {
	var id int32
	var epoch int32
	for range 3 {
		eb, est, err := c.zk.Get(c.zkRoot + zkmeta.ControllerEpochPath)
		if err != nil {
			return -1, -1, fmt.Errorf("zookeeper: read %s: %w", zkmeta.ControllerEpochPath, err)
		}
		if epoch, err = zkmeta.DecodeEpoch(eb); err != nil {
			return -1, -1, err
		}
		cb, cst, err := c.zk.Get(c.zkRoot + zkmeta.ControllerPath)
		if errors.Is(err, zk.ErrNoNode) {
			return -1, int64(epoch), nil // no controller now
		}
		if err != nil {
			return -1, -1, fmt.Errorf("zookeeper: read %s: %w", zkmeta.ControllerPath, err)
		}
		if id, err = zkmeta.DecodeController(cb); err != nil {
			return -1, -1, err
		}
		if cst.Czxid == est.Mzxid {
			break
		}
	}
	return id, int64(epoch), nil
}
