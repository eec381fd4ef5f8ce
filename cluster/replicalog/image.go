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

// SyncDelta is SyncImage for a broker that applied prev before img, as
// Kafka's ReplicaManager.applyDelta works from the topics delta rather than
// the whole image: only topics whose entry changed between the two images
// (images are copy-on-write, so an unchanged topic is the same *Topic) are
// looked at, which keeps an idle publish (a NoOpRecord every 500 ms) from
// walking every partition. prev nil is a first image: SyncImage.
func (d *Dir) SyncDelta(prev, img *cluster.Image, brokerID int32) error {
	if prev == nil {
		return d.SyncImage(img, brokerID)
	}
	var errs []error
	hosted := func(t *cluster.Topic, fn func(Partition)) {
		for _, p := range t.Partitions {
			if slices.Contains(p.Replicas, brokerID) {
				fn(Partition{Topic: t.Name, ID: p.ID})
			}
		}
	}
	for name, old := range prev.Topics {
		t, ok := img.Topics[name]
		if ok && t == old {
			continue
		}
		hosted(old, func(p Partition) {
			if !ok || t.ID != old.ID || !hosts(t, p.ID, brokerID) {
				errs = append(errs, d.Delete(p))
			}
		})
	}
	for name, t := range img.Topics {
		if old, ok := prev.Topics[name]; ok && old == t {
			continue
		}
		hosted(t, func(p Partition) { errs = append(errs, d.Create(p, t.ID)) })
	}
	return errors.Join(errs...)
}

// hosts reports whether partition id of t names brokerID as a replica.
func hosts(t *cluster.Topic, id, brokerID int32) bool {
	for _, p := range t.Partitions {
		if p.ID == id {
			return slices.Contains(p.Replicas, brokerID)
		}
	}
	return false
}
