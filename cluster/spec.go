package cluster

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Spec describes a cluster to start: the same Spec gives the same cluster on
// any provider. Validate it once; providers trust a validated Spec.
type Spec struct {
	// Name labels everything the run starts (processes, containers,
	// networks, directories) so teardown finds it all.
	Name     string
	Mode     Mode   // ModeZK or ModeKRaft
	Provider string // "local" or "docker"; chosen by the caller when empty

	// ZKServers is the ZooKeeper ensemble size (ZooKeeper mode): 1 or 3.
	ZKServers int
	// Brokers is the number of broker nodes.
	Brokers int
	// Controllers is the KRaft controller quorum size (1, 3 or 5).
	Controllers int
	// Combined runs KRaft controllers inside the first Controllers brokers
	// (process.roles=broker,controller) instead of separate nodes.
	Combined bool
	// ZKHeapMB is each ZooKeeper server's -Xmx in MiB (ZooKeeper mode); 0
	// keeps the provider's default: 512 locally, as Kafka's
	// zookeeper-server-start.sh gives it, and 1000 in containers, as the
	// official ZooKeeper image does. A million partitions' znodes do not fit
	// in 512 MiB: operators raise it, and so does bench-scale-1m.
	ZKHeapMB int

	// KafkaVersion is kafka.version: the Kafka release whose behaviour the
	// nodes model (empty: DefaultKafkaVersion).
	KafkaVersion KafkaVersion

	Timeouts Timeouts
	Images   Images
	Seed     int64
}

// Timeouts are the failure-detection settings, in Kafka's terms. Zero values
// take Kafka's defaults (KafkaTimeouts).
type Timeouts struct {
	ZKSession         time.Duration // zookeeper.session.timeout.ms
	Election          time.Duration // controller.quorum.election.timeout.ms
	Fetch             time.Duration // controller.quorum.fetch.timeout.ms
	HeartbeatInterval time.Duration // broker.heartbeat.interval.ms
	BrokerSession     time.Duration // broker.session.timeout.ms
}

// KafkaTimeouts are Kafka's shipped defaults.
func KafkaTimeouts() Timeouts {
	return Timeouts{
		ZKSession: 18 * time.Second, Election: time.Second, Fetch: 2 * time.Second,
		HeartbeatInterval: 2 * time.Second, BrokerSession: 9 * time.Second,
	}
}

// WithDefaults fills zero fields from KafkaTimeouts.
func (t Timeouts) WithDefaults() Timeouts {
	d := KafkaTimeouts()
	if t.ZKSession == 0 {
		t.ZKSession = d.ZKSession
	}
	if t.Election == 0 {
		t.Election = d.Election
	}
	if t.Fetch == 0 {
		t.Fetch = d.Fetch
	}
	if t.HeartbeatInterval == 0 {
		t.HeartbeatInterval = d.HeartbeatInterval
	}
	if t.BrokerSession == 0 {
		t.BrokerSession = d.BrokerSession
	}
	return t
}

// Images name the container images (docker provider). Empty fields take the
// provider's locally built images.
type Images struct {
	Node      string
	ZooKeeper string
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// Validate checks the spec and reports every problem, each naming the field.
func (s *Spec) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !nameRE.MatchString(s.Name) {
		bad("name %q: want 1-40 lower-case letters, digits and '-', starting with a letter or digit", s.Name)
	}
	switch s.Mode {
	case ModeZK:
		if s.ZKServers != 1 && s.ZKServers != 3 && s.ZKServers != 5 {
			bad("zk-servers %d: want 1, 3 or 5", s.ZKServers)
		}
		if s.Controllers != 0 || s.Combined {
			bad("controllers/combined: ZooKeeper mode has no controller quorum (every broker is controller-eligible)")
		}
		if s.ZKHeapMB != 0 && (s.ZKHeapMB < 128 || s.ZKHeapMB > 65536) {
			bad("zk-heap-mb %d: want 128..65536 MiB (or 0 for the provider's default)", s.ZKHeapMB)
		}
	case ModeKRaft:
		if s.Controllers != 1 && s.Controllers != 3 && s.Controllers != 5 {
			bad("controllers %d: want 1, 3 or 5", s.Controllers)
		}
		if s.ZKServers != 0 {
			bad("zk-servers %d: KRaft mode runs no ZooKeeper", s.ZKServers)
		}
		if s.ZKHeapMB != 0 {
			bad("zk-heap-mb %d: KRaft mode runs no ZooKeeper", s.ZKHeapMB)
		}
		if s.Combined && s.Controllers > s.Brokers {
			bad("combined: %d controllers need at least as many brokers, have %d", s.Controllers, s.Brokers)
		}
	default:
		bad("mode %q: want zk or kraft", s.Mode)
	}
	if v, err := ParseKafkaVersion(string(s.KafkaVersion)); err != nil {
		bad("%v", err)
	} else if !v.SupportsMode(s.Mode) {
		bad("kafka.version %s: has no ZooKeeper mode (removed in Kafka 4.0); ZooKeeper mode models 3.9", v)
	}
	if s.Brokers < 1 || s.Brokers > 64 {
		bad("brokers %d: want 1..64", s.Brokers)
	}
	if s.Provider != "" && s.Provider != "local" && s.Provider != "docker" {
		bad("provider %q: want local or docker", s.Provider)
	}
	t := s.Timeouts.WithDefaults()
	if t.HeartbeatInterval >= t.BrokerSession {
		bad("timeouts: broker.heartbeat.interval.ms %v must be below broker.session.timeout.ms %v", t.HeartbeatInterval, t.BrokerSession)
	}
	return errors.Join(errs...)
}
