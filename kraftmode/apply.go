package kraftmode

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kraftbench/kraftbench/cluster"
)

// metaState is an image plus the indexes replaying records needs: topic ids
// to names (records name topics by id) and each broker's incarnation id
// (which the image does not carry, but duplicate-registration checks do).
//
// One goroutine owns a metaState: the FSM, the active controller's planning
// state, or a broker's fetch loop. The indexes are mutated in place by their
// owner and never shared; img follows the Image contract (published images
// are immutable, the next one is derived copy-on-write).
type metaState struct {
	img          *cluster.Image
	ids          map[cluster.TopicID]string
	incarnations map[int32][16]byte
	migration    ZkMigrationState // the last ZkMigrationStateRecord (migration.go)
}

func newMetaState(clusterID string) *metaState {
	return &metaState{
		img:          cluster.NewImage(clusterID),
		ids:          map[cluster.TopicID]string{},
		incarnations: map[int32][16]byte{},
	}
}

// clone returns a state its new owner may change without touching s: the
// image is cloned (sharing Topic and Broker values), the indexes copied.
func (s *metaState) clone() *metaState {
	return &metaState{img: s.img.Clone(), ids: maps.Clone(s.ids), incarnations: maps.Clone(s.incarnations), migration: s.migration}
}

// applier replays records onto a metaState whose image maps it owns. Each
// Topic is cloned at most once per applier, the first time a record touches
// it, so a batch of N partition changes to one topic costs one copy of that
// topic, not N.
type applier struct {
	st        *metaState
	owned     map[string]bool // topics already cloned by this applier
	mustClone bool            // st.img's maps are shared with a published image
}

// newApplier starts a batch of changes on st. With cloneImage set, the
// previous (published) image is left intact: st.img is replaced by a clone
// before the first record that changes it (an entry of NoOpRecords only
// moves the offset, which costs a struct copy, not a map copy).
func newApplier(st *metaState, cloneImage bool) *applier {
	if cloneImage {
		c := *st.img
		st.img = &c
	}
	return &applier{st: st, owned: map[string]bool{}, mustClone: cloneImage}
}

// setOffset records that the image reflects the log up to offset.
func (a *applier) setOffset(offset int64) { a.st.img.Offset = offset }

func (a *applier) own() {
	if a.mustClone {
		a.st.img = a.st.img.Clone()
		a.mustClone = false
	}
}

// apply replays one entry's records, committed at offset. A record that does
// not fit the image (a partition of an unknown topic, ...) is skipped with an
// error: every node skips it the same way, so images stay identical.
func (a *applier) apply(offset int64, recs []Record) error {
	var errs []error
	for _, r := range recs {
		if err := a.applyOne(offset, r); err != nil {
			errs = append(errs, err)
		}
	}
	a.setOffset(offset)
	if len(errs) > 0 {
		return fmt.Errorf("apply entry at offset %d: %v", offset, errs)
	}
	return nil
}

func (a *applier) applyOne(offset int64, r Record) error {
	switch r := r.(type) {
	case *NoOpRecord:
		return nil
	case *ZkMigrationStateRecord:
		a.st.migration = r.State
		return nil
	}
	a.own()
	img := a.st.img
	switch r := r.(type) {
	case *RegisterBrokerRecord:
		a.registerBroker(offset, r)
	case *BrokerRegistrationChangeRecord:
		b, ok := img.Brokers[r.BrokerID]
		if !ok {
			return fmt.Errorf("BrokerRegistrationChangeRecord: broker %d is not registered", r.BrokerID)
		}
		nb := *b
		switch r.Fenced {
		case FenceFenced:
			nb.Fenced = true
		case FenceUnfenced:
			nb.Fenced = false
		}
		img.Brokers[r.BrokerID] = &nb
	case *TopicRecord:
		img.Topics[r.Name] = &cluster.Topic{Name: r.Name, ID: r.TopicID}
		a.st.ids[r.TopicID] = r.Name
		a.owned[r.Name] = true
	case *PartitionRecord:
		t, err := a.ownTopic(r.TopicID)
		if err != nil {
			return fmt.Errorf("PartitionRecord: %w", err)
		}
		for int(r.PartitionID) >= len(t.Partitions) {
			t.Partitions = append(t.Partitions, cluster.Partition{ID: int32(len(t.Partitions)), Leader: cluster.NoLeader})
		}
		t.Partitions[r.PartitionID] = cluster.Partition{ID: r.PartitionID, Replicas: r.Replicas, ISR: r.ISR,
			Leader: r.Leader, LeaderEpoch: r.LeaderEpoch}
	case *PartitionChangeRecord:
		return a.changePartition(r)
	case *RemoveTopicRecord:
		name, ok := a.st.ids[r.TopicID]
		if !ok {
			return fmt.Errorf("RemoveTopicRecord: unknown topic id %s", r.TopicID)
		}
		delete(img.Topics, name)
		delete(a.st.ids, r.TopicID)
		delete(a.owned, name)
	case *ConfigRecord:
		return a.config(r)
	default:
		return fmt.Errorf("unexpected record %T", r)
	}
	return nil
}

func (a *applier) registerBroker(offset int64, r *RegisterBrokerRecord) {
	epoch := r.BrokerEpoch
	if epoch < 0 {
		epoch = offset
	}
	b := &cluster.Broker{ID: r.BrokerID, Rack: r.Rack, Epoch: epoch, Fenced: r.Fenced}
	for _, e := range r.Endpoints {
		b.Endpoints = append(b.Endpoints, cluster.Endpoint{Listener: e.Name, Host: e.Host, Port: e.Port})
	}
	a.st.img.Brokers[r.BrokerID] = b
	a.st.incarnations[r.BrokerID] = r.IncarnationID
}

// ownTopic returns the topic with the given id, cloned once for this applier.
func (a *applier) ownTopic(id cluster.TopicID) (*cluster.Topic, error) {
	name, ok := a.st.ids[id]
	if !ok {
		return nil, fmt.Errorf("unknown topic id %s", id)
	}
	t := a.st.img.Topics[name]
	if !a.owned[name] {
		t = t.Clone()
		a.st.img.Topics[name] = t
		a.owned[name] = true
	}
	return t, nil
}

func (a *applier) changePartition(r *PartitionChangeRecord) error {
	t, err := a.ownTopic(r.TopicID)
	if err != nil {
		return fmt.Errorf("PartitionChangeRecord: %w", err)
	}
	if r.PartitionID < 0 || int(r.PartitionID) >= len(t.Partitions) {
		return fmt.Errorf("PartitionChangeRecord: %s has no partition %d", t.Name, r.PartitionID)
	}
	p := &t.Partitions[r.PartitionID]
	if r.ISR != nil {
		p.ISR = slices.Clone(r.ISR)
	}
	if r.Replicas != nil {
		p.Replicas = slices.Clone(r.Replicas)
	}
	if r.Adding != nil {
		p.Adding = emptyToNil(r.Adding)
	}
	if r.Removing != nil {
		p.Removing = emptyToNil(r.Removing)
	}
	// Kafka bumps the epoch whenever the record sets a leader; kraftbench's
	// older writers set one only to change it, and a reassignment sets the
	// same leader on purpose (with Replicas).
	if r.Leader != NoLeaderChange && (r.Leader != p.Leader || r.Replicas != nil) {
		p.Leader = r.Leader
		p.LeaderEpoch++
	}
	return nil
}

func (a *applier) config(r *ConfigRecord) error {
	if r.ResourceType != ConfigResourceTopic {
		return nil // broker and cluster configs are not part of the image
	}
	t, ok := a.st.img.Topics[r.ResourceName]
	if !ok {
		return fmt.Errorf("ConfigRecord: unknown topic %s", r.ResourceName)
	}
	t, err := a.ownTopic(t.ID)
	if err != nil {
		return err
	}
	if r.Value == nil {
		delete(t.Configs, r.Name)
		return nil
	}
	if t.Configs == nil {
		t.Configs = map[string]string{}
	}
	t.Configs[r.Name] = *r.Value
	return nil
}

// topicRecords returns the records that create t: its TopicRecord, its
// ConfigRecords and one PartitionRecord per partition, in Kafka's order.
func topicRecords(t *cluster.Topic) []Record {
	recs := make([]Record, 0, 1+len(t.Configs)+len(t.Partitions))
	recs = append(recs, &TopicRecord{Name: t.Name, TopicID: t.ID})
	for _, k := range slices.Sorted(maps.Keys(t.Configs)) {
		v := t.Configs[k]
		recs = append(recs, &ConfigRecord{ResourceType: ConfigResourceTopic, ResourceName: t.Name, Name: k, Value: &v})
	}
	for _, p := range t.Partitions {
		recs = append(recs, &PartitionRecord{PartitionID: p.ID, TopicID: t.ID,
			Replicas: slices.Clone(p.Replicas), ISR: slices.Clone(p.ISR), Leader: p.Leader, LeaderEpoch: p.LeaderEpoch})
		if p.IsReassigning() {
			// Kafka's PartitionRecord carries the adding and removing
			// replicas; kraftbench's follows it with the change that sets them.
			recs = append(recs, &PartitionChangeRecord{PartitionID: p.ID, TopicID: t.ID, Leader: NoLeaderChange,
				Replicas: slices.Clone(p.Replicas), Adding: cluster.IDs(p.Adding), Removing: cluster.IDs(p.Removing)})
		}
	}
	return recs
}

// brokerRecord returns the RegisterBrokerRecord that recreates b.
func brokerRecord(b *cluster.Broker, incarnation [16]byte) *RegisterBrokerRecord {
	r := &RegisterBrokerRecord{BrokerID: b.ID, IncarnationID: incarnation, BrokerEpoch: b.Epoch,
		Rack: b.Rack, Fenced: b.Fenced}
	for _, e := range b.Endpoints {
		r.Endpoints = append(r.Endpoints, BrokerEndpoint{Name: e.Listener, Host: e.Host, Port: e.Port})
	}
	return r
}

// emptyToNil keeps the image's "no reassignment" as nil slices.
func emptyToNil(ids []int32) []int32 {
	if len(ids) == 0 {
		return nil
	}
	return slices.Clone(ids)
}
