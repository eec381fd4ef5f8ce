package clustertest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/kraftbench/kraftbench/cluster"
)

// converged returns nil when every broker serves the same digest and the
// topic is present (or absent) in every view.
func (s *suite) converged(ctx context.Context, topic string, present bool) error {
	views, err := s.views(ctx)
	if err != nil {
		return err
	}
	digests := map[string][]int32{}
	for id, img := range views {
		if _, ok := img.Topics[topic]; ok != present {
			return fmt.Errorf("broker %d: topic %s present=%v, want %v", id, topic, ok, present)
		}
		d := img.Digest()
		digests[d] = append(digests[d], id)
	}
	if len(digests) != 1 {
		return fmt.Errorf("brokers disagree: digests %v", digests)
	}
	return nil
}

// brokersConverge: after a create, every broker serves the same image.
func (s *suite) brokersConverge(t *testing.T) {
	name := s.topic(t, "t")
	s.mustCreate(t, spec(name, int32(len(s.c.Brokers)), int16(min(2, len(s.c.Brokers)))))
	s.eventually(t, "every broker serves the same image", func(ctx context.Context) error {
		return s.converged(ctx, name, true)
	})
}

// controllerAgreed: every broker names a controller the client can reach
// (one listed in that broker's metadata), so admin requests can be routed
// to it; and, unless the mode names a random live broker per answer
// (ControllerPerAnswer, KRaft), every broker names the same one.
func (s *suite) controllerAgreed(t *testing.T) {
	s.eventually(t, "brokers agree on the controller", func(ctx context.Context) error {
		views, err := s.views(ctx)
		if err != nil {
			return err
		}
		ids := map[int32][]int32{}
		for id, img := range views {
			if img.ControllerID < 0 {
				return fmt.Errorf("broker %d reports no controller", id)
			}
			if !slices.Contains(img.LiveBrokerIDs(), img.ControllerID) {
				return fmt.Errorf("broker %d reports controller %d, not among its brokers %v",
					id, img.ControllerID, img.LiveBrokerIDs())
			}
			ids[img.ControllerID] = append(ids[img.ControllerID], id)
		}
		if len(ids) != 1 && !s.c.ControllerPerAnswer {
			return fmt.Errorf("brokers name different controllers: %v", ids)
		}
		return nil
	})
}

// deletePropagates: a deletion reaches every broker.
func (s *suite) deletePropagates(t *testing.T) {
	name := s.topic(t, "t")
	s.mustCreate(t, spec(name, 2, 1))
	s.eventually(t, "topic on every broker", func(ctx context.Context) error {
		return s.converged(ctx, name, true)
	})
	rs, err := s.c.Admin.DeleteTopics(s.ctx(t), []string{name})
	if err != nil {
		t.Fatalf("DeleteTopics: %v", err)
	}
	expectCodes(t, rs, 0)
	s.eventually(t, "deletion on every broker", func(ctx context.Context) error {
		return s.converged(ctx, name, false)
	})
}

// mustCreateServed creates the topics and waits until every broker serves
// them: a request for them (AlterConfigs, CreatePartitions) may reach any
// broker, and one whose metadata does not have the topic yet answers
// UNKNOWN_TOPIC_OR_PARTITION, as Kafka's does (a CreateTopics answer waits
// for the handling broker only).
func (s *suite) mustCreateServed(t *testing.T, specs ...cluster.TopicSpec) {
	t.Helper()
	s.mustCreate(t, specs...)
	for _, sp := range specs {
		s.eventually(t, "every broker serving "+sp.Name, func(ctx context.Context) error {
			views, err := s.views(ctx)
			if err != nil {
				return err
			}
			for id, img := range views {
				if _, ok := img.Topics[sp.Name]; !ok {
					return fmt.Errorf("broker %d does not serve %s yet", id, sp.Name)
				}
			}
			return nil
		})
	}
}
