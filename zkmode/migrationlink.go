package zkmode

import (
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

type linkHolder struct{ l zkmeta.MigrationLink }

// AttachMigrationLink gives the node its link to the KRaft quorum. Call it
// once, right after Start; Close and Kill close the link before the
// ZooKeeper session, so the controlled shutdown is still answered with
// pushes.
func (n *Node) AttachMigrationLink(l zkmeta.MigrationLink) { n.link.Store(&linkHolder{l}) }

// ClusterID returns the cluster id read from /cluster/id at start-up.
func (n *Node) ClusterID() string { return n.broker.img.Load().ClusterID }

// forwardTo returns the link writes go through: set only while a KRaft
// controller is the one pushing metadata to this broker (the dual-write
// phase of a migration), as Kafka's ZooKeeper-mode brokers forward to the
// KRaft controller then.
func (n *Node) forwardTo() zkmeta.MigrationLink {
	h := n.link.Load()
	if h == nil || !n.broker.kraftController.Load() {
		return nil
	}
	return h.l
}

func (n *Node) closeLink(kill bool) {
	h := n.link.Load()
	if h == nil {
		return
	}
	if kill {
		h.l.Kill()
		return
	}
	if err := h.l.Close(); err != nil {
		n.log.Info("migration link close", "err", err)
	}
}

// clientControllerID is the controller id a broker gives clients while a
// KRaft controller pushes its metadata: the lowest live broker, as a KRaft
// broker answers, since clients cannot reach a KRaft controller and brokers
// forward their writes.
func clientControllerID(img *cluster.Image) int32 {
	if ids := img.LiveBrokerIDs(); len(ids) > 0 {
		return ids[0]
	}
	return -1
}
