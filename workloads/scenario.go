package workloads

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"go.yaml.in/yaml/v3"
)

// Scenario is one benchmark as data: which modes, on what cluster, running
// which workload with which parameters, how often, from which seed. It loads
// from YAML (files under workloads/scenarios), flags override it, and
// Validate checks it once before anything starts.
type Scenario struct {
	Name        string         `yaml:"name"`
	Modes       []cluster.Mode `yaml:"modes"`
	Provider    string         `yaml:"provider"`
	Topology    Topology       `yaml:"topology"`
	Workload    string         `yaml:"workload"`
	Params      Params         `yaml:"params"`
	Repetitions int            `yaml:"repetitions"`
	Warmup      Duration       `yaml:"warmup"`
	Seed        int64          `yaml:"seed"`
	// Profile selects failure-detection timeouts: "kafka-defaults" (Kafka's
	// shipped values) or "tuned" (see Profiles).
	Profile string `yaml:"profile"`
	// KafkaVersion is kafka.version: the Kafka release the modes model
	// ("3.9", the default; "4.1" for KRaft only). A scenario at 4.1 runs
	// only its KRaft mode.
	KafkaVersion cluster.KafkaVersion `yaml:"kafka_version"`
	// Output is the folder results are written to.
	Output string `yaml:"output"`
	// Floor, when above 0, measures that many samples of the store's floor
	// (a bare ZooKeeper create, or a KRaft commit through the append linger,
	// op "floor"; KRaft also records the bare Raft commit, op "floor_raw")
	// on the same cluster after the workload, so figures can be read as
	// ratios to it.
	Floor int `yaml:"floor"`
}

// Topology is the cluster shape, the same for every mode where it applies.
type Topology struct {
	Brokers     int  `yaml:"brokers"`
	Controllers int  `yaml:"controllers"` // KRaft quorum
	ZKServers   int  `yaml:"zk_servers"`  // ZooKeeper ensemble
	Combined    bool `yaml:"combined"`    // KRaft controllers inside brokers
	// ZKHeapMB is each ZooKeeper server's -Xmx in MiB (0: the provider's
	// default, cluster.Spec.ZKHeapMB says which)
	ZKHeapMB int `yaml:"zk_heap_mb"`
}

// Duration is a time.Duration written as "2s" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: duration %q: %w", n.Line, n.Value, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Profiles are the timeout profiles a scenario can name. "tuned" is what
// operators commonly run to detect failures faster: ZooKeeper session 6 s;
// KRaft election 500 ms, fetch 1 s, heartbeats every 500 ms, broker session
// 3 s.
var Profiles = map[string]cluster.Timeouts{
	"kafka-defaults": cluster.KafkaTimeouts(),
	"tuned": {ZKSession: 6 * time.Second, Election: 500 * time.Millisecond, Fetch: time.Second,
		HeartbeatInterval: 500 * time.Millisecond, BrokerSession: 3 * time.Second},
}

// DefaultScenario is what `kraftbench bench` runs with no scenario file.
func DefaultScenario() Scenario {
	return Scenario{
		Name: "default", Modes: cluster.Modes(),
		Topology: Topology{Brokers: 3, Controllers: 3, ZKServers: 3},
		Workload: "topics", Params: Params{}, Repetitions: 1, Seed: 1,
		Profile: "kafka-defaults", Output: "results/scratch",
	}
}

// LoadScenario reads a scenario file over the defaults. Unknown fields are
// errors.
func LoadScenario(path string) (Scenario, error) {
	s := DefaultScenario()
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("scenario: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("scenario %s: %w", path, err)
	}
	if s.Params == nil {
		s.Params = Params{}
	}
	return s, nil
}

// Spec returns the cluster spec of this scenario for one mode.
func (s *Scenario) Spec(mode cluster.Mode, rep int) cluster.Spec {
	spec := cluster.Spec{
		Name: fmt.Sprintf("kb-%s-%s-%d", s.Workload, mode, rep), Mode: mode, Provider: s.Provider,
		Brokers: s.Topology.Brokers, Seed: s.Seed + int64(rep), Timeouts: Profiles[s.Profile],
		KafkaVersion: s.KafkaVersion.OrDefault(),
	}
	if mode == cluster.ModeZK {
		spec.ZKServers, spec.ZKHeapMB = s.Topology.ZKServers, s.Topology.ZKHeapMB
	} else {
		spec.Controllers, spec.Combined = s.Topology.Controllers, s.Topology.Combined
	}
	return spec
}

// Validate checks the scenario once, reporting every problem with its field.
func (s *Scenario) Validate() error {
	var errs []error
	if len(s.Modes) == 0 {
		errs = append(errs, errors.New("modes: at least one of zk, kraft"))
	}
	seen := map[cluster.Mode]bool{}
	for _, m := range s.Modes {
		if _, err := cluster.ParseMode(string(m)); err != nil {
			errs = append(errs, fmt.Errorf("modes: %w", err))
		}
		if seen[m] {
			errs = append(errs, fmt.Errorf("modes: %s listed twice", m))
		}
		seen[m] = true
	}
	if v, err := cluster.ParseKafkaVersion(string(s.KafkaVersion)); err != nil {
		errs = append(errs, err)
	} else {
		for _, m := range s.Modes {
			if !v.SupportsMode(m) {
				errs = append(errs, fmt.Errorf("kafka_version %s: has no %s mode (ZooKeeper mode was removed in Kafka 4.0); run modes: [kraft]", v, m))
			}
		}
	}
	if _, ok := Profiles[s.Profile]; !ok {
		errs = append(errs, fmt.Errorf("profile %q: want kafka-defaults or tuned", s.Profile))
	}
	if s.Repetitions < 1 || s.Repetitions > 1000 {
		errs = append(errs, fmt.Errorf("repetitions %d: want 1..1000", s.Repetitions))
	}
	if s.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warmup %v: must not be negative", time.Duration(s.Warmup)))
	}
	if s.Floor < 0 || s.Floor > 1_000_000 {
		errs = append(errs, fmt.Errorf("floor %d: want 0..1000000 samples", s.Floor))
	}
	if s.Output == "" {
		errs = append(errs, errors.New("output: a results folder is required"))
	}
	if w, err := New(s.Workload, s.Params); err != nil {
		errs = append(errs, err)
	} else if om, ok := w.(OnlyModes); ok {
		only, why := om.OnlyModes()
		for _, m := range s.Modes {
			if !slices.Contains(only, m) {
				errs = append(errs, fmt.Errorf("modes: workload %s does not run in %s mode, only %v (%s)", s.Workload, m, only, why))
			}
		}
	}
	if s.Provider == cluster.ProviderExternal {
		// The cluster's shape is its own (its cluster file is validated
		// instead), and it runs one mode.
		if len(s.Modes) != 1 {
			errs = append(errs, fmt.Errorf("modes %v: an external cluster runs one mode; give that one", s.Modes))
		}
		return errors.Join(errs...)
	}
	for _, m := range s.Modes {
		spec := s.Spec(m, 0)
		if err := spec.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("topology for %s: %w", m, err))
		}
	}
	return errors.Join(errs...)
}
