package external

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// File is a cluster file: the Kafka cluster a run borrows, and how to fault
// its nodes. Only bootstrap is required.
//
//	name: prod-like                  # labels the run; default "external"
//	bootstrap: [10.0.0.1:9092]       # host:port of one or more brokers
//	mode: kraft                      # zk or kraft; detected when left out
//	kafka_version: 3.9.0             # recorded in results as given
//	zookeeper.connect: zk1:2181/kafka # ZooKeeper mode: where /controller is
//	topic_prefix: kraftbench         # every topic the run makes starts with it
//	command_timeout: 1m              # default timeout of every command
//	nodes:
//	  - id: 1
//	    roles: [broker]
//	    addr: 10.0.0.1:9092          # Kafka listener (controller listener for a controller)
//	    faults:
//	      kill: docker kill kafka-1
//	      start: {run: docker start kafka-1, timeout: 2m}
type File struct {
	Name             string   `yaml:"name"`
	Bootstrap        []string `yaml:"bootstrap"`
	Mode             string   `yaml:"mode"`
	KafkaVersion     string   `yaml:"kafka_version"`
	ZooKeeperConnect string   `yaml:"zookeeper.connect"`
	TopicPrefix      string   `yaml:"topic_prefix"`
	CommandTimeout   Duration `yaml:"command_timeout"`
	Nodes            []Node   `yaml:"nodes"`

	path string // where it was read from, for messages
}

// Node is one node of the cluster file.
type Node struct {
	ID    int32          `yaml:"id"`
	Roles []cluster.Role `yaml:"roles"`
	// Addr is the node's Kafka listener (a broker) or its controller
	// listener (a KRaft controller), reachable from here. A broker's is
	// learned from Metadata when left out; a controller without one is
	// asked about through the brokers.
	Addr   string `yaml:"addr"`
	Faults Faults `yaml:"faults"`
}

// Faults are a node's fault commands and their undos.
type Faults struct {
	Kill      *Command `yaml:"kill"`      // SIGKILL or its like; undone by start
	Stop      *Command `yaml:"stop"`      // graceful stop; undone by start
	Start     *Command `yaml:"start"`     // start a killed or stopped node
	Pause     *Command `yaml:"pause"`     // freeze; undone by resume
	Resume    *Command `yaml:"resume"`    // thaw a paused node
	Partition *Command `yaml:"partition"` // cut from its peers; undone by heal
	Heal      *Command `yaml:"heal"`      // reconnect a partitioned node
}

// Command is a shell command (run with bash -c) and how long it may take.
// In the file it is a string, or {run: ..., timeout: 30s}.
type Command struct {
	Run     string
	Timeout time.Duration // 0: the file's command_timeout
}

// DefaultCommandTimeout bounds a command when the file sets no timeout.
const DefaultCommandTimeout = time.Minute

// UnmarshalYAML reads a command given as a string or as {run, timeout};
// any other key is an error naming it.
func (c *Command) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		c.Run = n.Value
		return nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch k.Value {
			case "run":
				c.Run = v.Value
			case "timeout":
				d, err := time.ParseDuration(v.Value)
				if err != nil {
					return fmt.Errorf("line %d: timeout %q: want a Go duration such as 30s or 2m", v.Line, v.Value)
				}
				c.Timeout = d
			default:
				return fmt.Errorf("line %d: field %s not found in a command (want run and timeout)", k.Line, k.Value)
			}
		}
		return nil
	}
	return fmt.Errorf("line %d: a command is a string or {run: ..., timeout: ...}", n.Line)
}

// Duration is a time.Duration written as "30s" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: duration %q: want a Go duration such as 30s or 2m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Load reads and validates a cluster file. Unknown keys are errors naming
// the key and its line.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cluster file: %w", err)
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("cluster file %s: %w", path, err)
	}
	f.path = path
	return f, nil
}

// Parse decodes and validates a cluster file's text.
func Parse(b []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty: bootstrap is required")
		}
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

var (
	prefixRE = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,100}$`)
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
)

// Validate checks the file and reports every problem, each naming its key.
func (f *File) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if f.Name != "" && !nameRE.MatchString(f.Name) {
		bad("name %q: want 1-40 lower-case letters, digits and '-'", f.Name)
	}
	if len(f.Bootstrap) == 0 {
		bad("bootstrap: required, the host:port of at least one broker")
	}
	for i, b := range f.Bootstrap {
		if !validAddr(b) {
			bad("bootstrap[%d] %q: want host:port", i, b)
		}
	}
	if f.Mode != "" {
		if _, err := cluster.ParseMode(f.Mode); err != nil {
			bad("mode: %v", err)
		}
	}
	if f.ZooKeeperConnect != "" {
		if f.Mode == string(cluster.ModeKRaft) {
			bad("zookeeper.connect: a KRaft-mode cluster has no ZooKeeper")
		}
		if _, _, err := zkmeta.ParseConnect(f.ZooKeeperConnect); err != nil {
			bad("zookeeper.connect: %v", err)
		}
	}
	if f.TopicPrefix != "" && !prefixRE.MatchString(f.TopicPrefix) {
		bad("topic_prefix %q: want 1-100 letters, digits, '.', '_' or '-' (Kafka's topic characters)", f.TopicPrefix)
	}
	if f.CommandTimeout < 0 {
		bad("command_timeout %v: must be positive", time.Duration(f.CommandTimeout))
	}
	seen := map[int32]int{}
	for i, n := range f.Nodes {
		key := fmt.Sprintf("nodes[%d]", i)
		if j, dup := seen[n.ID]; dup {
			bad("%s.id %d: also the id of nodes[%d]", key, n.ID, j)
		}
		seen[n.ID] = i
		if n.ID < 0 {
			bad("%s.id %d: want a Kafka node.id (0 or more)", key, n.ID)
		}
		if len(n.Roles) == 0 {
			bad("%s.roles: required, broker and/or controller", key)
		}
		for _, r := range n.Roles {
			if r != cluster.RoleBroker && r != cluster.RoleController {
				bad("%s.roles: %q is not broker or controller", key, r)
			}
		}
		if slices.Contains(n.Roles, cluster.RoleController) && f.Mode == string(cluster.ModeZK) {
			bad("%s.roles: a ZooKeeper-mode cluster has no controller nodes (every broker is controller-eligible)", key)
		}
		if n.Addr != "" && !validAddr(n.Addr) {
			bad("%s.addr %q: want host:port", key, n.Addr)
		}
		errs = append(errs, n.Faults.validate(key+".faults")...)
	}
	return errors.Join(errs...)
}

func validAddr(s string) bool {
	i := strings.LastIndexByte(s, ':')
	return i > 0 && i < len(s)-1 && !strings.ContainsAny(s, " \t/")
}

// commandKeys lists each command with its key, in the file's order.
func (fs *Faults) commandKeys() []struct {
	key string
	cmd *Command
} {
	return []struct {
		key string
		cmd *Command
	}{{"kill", fs.Kill}, {"stop", fs.Stop}, {"start", fs.Start}, {"pause", fs.Pause},
		{"resume", fs.Resume}, {"partition", fs.Partition}, {"heal", fs.Heal}}
}

// validate checks every command and that each fault given has its undo.
func (fs *Faults) validate(key string) []error {
	var errs []error
	for _, kc := range fs.commandKeys() {
		if kc.cmd == nil {
			continue
		}
		if strings.TrimSpace(kc.cmd.Run) == "" {
			errs = append(errs, fmt.Errorf("%s.%s: the command is empty", key, kc.key))
		}
		if kc.cmd.Timeout < 0 {
			errs = append(errs, fmt.Errorf("%s.%s.timeout %v: must be positive", key, kc.key, kc.cmd.Timeout))
		}
	}
	undo := []struct {
		fault, undo string
		f, u        *Command
	}{{"kill", "start", fs.Kill, fs.Start}, {"stop", "start", fs.Stop, fs.Start},
		{"pause", "resume", fs.Pause, fs.Resume}, {"partition", "heal", fs.Partition, fs.Heal}}
	for _, p := range undo {
		if p.f != nil && p.u == nil {
			errs = append(errs, fmt.Errorf("%s.%s: required with %s.%s, which it undoes", key, p.undo, key, p.fault))
		}
	}
	return errs
}

// name is the run's cluster name.
func (f *File) name() string {
	if f.Name != "" {
		return f.Name
	}
	return "external"
}

// timeout is cmd's timeout, or the file's default.
func (f *File) timeout(cmd *Command) time.Duration {
	if cmd.Timeout > 0 {
		return cmd.Timeout
	}
	if f.CommandTimeout > 0 {
		return time.Duration(f.CommandTimeout)
	}
	return DefaultCommandTimeout
}

// prefix is the file's topic prefix, or "kraftbench".
func (f *File) prefix() string {
	if f.TopicPrefix != "" {
		return f.TopicPrefix
	}
	return "kraftbench"
}
