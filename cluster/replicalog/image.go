package replicalog

import (
	"errors"
	"slices"

	"github.com/kraftbench/kraftbench/cluster"
)

// SyncImage is what a KRaft broker's ReplicaManager.applyDelta does to its
// logs after BrokerMetadataPublisher has published an image (3.9
// BrokerMetadataPublisher.scala:116 sets the metadata cache, :134 applies
// the topics delta to the replica manager): it creates the log of every
// partition that names brokerID as a replica and deletes the logs of the
// partitions that no longer do (their topic deleted, or the replica moved).
// It is the hook for kraftmode's broker, to be called after the image is
// stored, so that KRaft brokers publish first and create logs after, as
// Kafka's do; ZooKeeper-mode brokers create logs before answering
// LeaderAndIsr instead.
func (d *Dir) SyncImage(img *cluster.Image, brokerID int32) error {
	want := map[Partition][16]byte{}
	for _, t := range img.Topics {
		for _, p := range t.Partitions {
			if slices.Contains(p.Replicas, brokerID) {
				want[Partition{Topic: t.Name, ID: p.ID}] = t.ID
			}
		}
	}
	var errs []error
	for _, p := range d.Logs() {
		if _, ok := want[p]; !ok {
			errs = append(errs, d.Delete(p))
		}
	}
	for p, id := range want {
		errs = append(errs, d.Create(p, id))
	}
	return errors.Join(errs...)
}
