package config

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// Listener is one entry of listeners or advertised.listeners.
type Listener struct {
	Name string
	Host string
	Port int
}

// Addr returns host:port.
func (l Listener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

func (l Listener) String() string { return l.Name + "://" + l.Addr() }

// Voter is one entry of controller.quorum.voters.
type Voter struct {
	ID   int32
	Host string
	Port int
}

// Addr returns host:port.
func (v Voter) Addr() string { return net.JoinHostPort(v.Host, strconv.Itoa(v.Port)) }

// Node is a node's configuration, typed and validated.
type Node struct {
	Mode   cluster.Mode // cluster.ModeZK or cluster.ModeKRaft
	NodeID int32
	Roles  []cluster.Role // KRaft: from process.roles; ZooKeeper mode: broker

	ZKConnect           string
	ZKSessionTimeout    time.Duration
	ZKConnectionTimeout time.Duration
	ZKMaxInFlight       int  // zookeeper.max.in.flight.requests
	MigrationEnabled    bool // zookeeper.metadata.migration.enable

	// ControlledShutdown* are controlled.shutdown.enable, .max.retries and
	// .retry.backoff.ms (ZooKeeper mode).
	ControlledShutdown             bool
	ControlledShutdownMaxRetries   int
	ControlledShutdownRetryBackoff time.Duration

	// AutoLeaderRebalance, LeaderImbalanceCheckInterval and
	// LeaderImbalancePerBrokerPercentage are auto.leader.rebalance.enable,
	// leader.imbalance.check.interval.seconds and
	// leader.imbalance.per.broker.percentage (the last ZooKeeper mode only).
	AutoLeaderRebalance                bool
	LeaderImbalanceCheckInterval       time.Duration
	LeaderImbalancePerBrokerPercentage int

	Listeners               []Listener
	AdvertisedListeners     []Listener // same names as Listeners
	ControllerListenerNames []string
	InterBrokerListenerName string

	Voters             []Voter
	ElectionTimeout    time.Duration
	FetchTimeout       time.Duration
	ElectionBackoffMax time.Duration
	HeartbeatInterval  time.Duration
	SessionTimeout     time.Duration
	MetadataLogDir     string
	SnapshotBytes      int64
	SnapshotInterval   time.Duration
	MaxIdleInterval    time.Duration
	AppendLinger       time.Duration // controller.quorum.append.linger.ms

	LogDirs           []string
	ReplicaLogs       bool // kraftbench.replica.logs
	Rack              string
	Defaults          cluster.Defaults
	DeleteTopicEnable bool
	MaxFrameBytes     int32
	RequestTimeout    time.Duration
	Seed              int64
	StatusListener    string
	KafkaVersion      cluster.KafkaVersion // kafka.version
}

// HasRole reports whether the node takes role r.
func (n *Node) HasRole(r cluster.Role) bool { return slices.Contains(n.Roles, r) }

// IsControllerListener reports whether the listener name is a controller one.
func (n *Node) IsControllerListener(name string) bool {
	return slices.Contains(n.ControllerListenerNames, name)
}

// BrokerListener returns the listener clients use: the first listener that is
// not a controller listener.
func (n *Node) BrokerListener() (bind, advertised Listener, ok bool) {
	for i, l := range n.Listeners {
		if !n.IsControllerListener(l.Name) {
			return l, n.AdvertisedListeners[i], true
		}
	}
	return Listener{}, Listener{}, false
}

// ControllerListener returns the first controller listener.
func (n *Node) ControllerListener() (bind, advertised Listener, ok bool) {
	for i, l := range n.Listeners {
		if n.IsControllerListener(l.Name) {
			return l, n.AdvertisedListeners[i], true
		}
	}
	return Listener{}, Listener{}, false
}

// InterBrokerListener returns the listener peers use to reach this broker.
func (n *Node) InterBrokerListener() (bind, advertised Listener, ok bool) {
	for i, l := range n.Listeners {
		if l.Name == n.InterBrokerListenerName {
			return l, n.AdvertisedListeners[i], true
		}
	}
	return Listener{}, Listener{}, false
}

// VoterMap returns controller.quorum.voters as id -> host:port.
func (n *Node) VoterMap() map[int32]string {
	m := make(map[int32]string, len(n.Voters))
	for _, v := range n.Voters {
		m[v.ID] = v.Addr()
	}
	return m
}

// Load types and validates properties. Every problem is reported, each naming
// its property and value; nothing is half-applied.
func Load(p *Properties) (*Node, error) {
	r := &reader{p: p}
	for _, k := range p.Keys() {
		if _, ok := defIndex[k]; !ok {
			v, _ := p.Get(k)
			r.errs = append(r.errs, fmt.Errorf("unknown property %s=%q%s", k, v, p.where(k)))
		}
	}
	n := &Node{}
	r.loadIdentity(n)
	r.loadListeners(n)
	r.loadKRaft(n)
	r.loadZK(n)
	r.loadCommon(n)
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	return n, nil
}

func (r *reader) loadIdentity(n *Node) {
	roles := r.list("process.roles")
	zk := r.str("zookeeper.connect")
	switch {
	case len(roles) > 0 && zk != "" && !r.bool("zookeeper.metadata.migration.enable"):
		r.fail("zookeeper.connect", "set together with process.roles: a node runs ZooKeeper mode or KRaft mode, not both (unless zookeeper.metadata.migration.enable=true, during a migration)")
	case len(roles) > 0:
		n.Mode = cluster.ModeKRaft
	case zk != "":
		n.Mode = cluster.ModeZK
	default:
		r.errs = append(r.errs, errors.New("neither process.roles (KRaft mode) nor zookeeper.connect (ZooKeeper mode) is set"))
	}
	for _, role := range roles {
		switch cluster.Role(role) {
		case cluster.RoleBroker, cluster.RoleController:
			if n.HasRole(cluster.Role(role)) {
				r.fail("process.roles", fmt.Sprintf("role %q listed twice", role))
			}
			n.Roles = append(n.Roles, cluster.Role(role))
		default:
			r.fail("process.roles", fmt.Sprintf("unknown role %q (want broker, controller or both)", role))
		}
	}
	if n.Mode == cluster.ModeZK {
		n.Roles = []cluster.Role{cluster.RoleBroker}
	}
	id, hasID := r.int("node.id", -1)
	bid, hasBID := r.int("broker.id", -1)
	switch {
	case hasID && hasBID && id != bid:
		r.fail("broker.id", fmt.Sprintf("differs from node.id=%d", id))
	case !hasID && hasBID && n.Mode == cluster.ModeKRaft:
		r.fail("broker.id", "KRaft mode takes node.id")
	case !hasID && hasBID:
		id, hasID = bid, true
	}
	if !hasID && n.Mode != "" {
		r.errs = append(r.errs, errors.New("node.id is required"))
	} else if hasID && id < 0 {
		r.fail("node.id", "must be >= 0")
	}
	n.NodeID = int32(id)
}

func (r *reader) loadListeners(n *Node) {
	n.Listeners = r.listeners("listeners")
	n.AdvertisedListeners = r.listeners("advertised.listeners")
	protos := map[string]string{}
	for _, e := range r.list("listener.security.protocol.map") {
		name, proto, ok := strings.Cut(e, ":")
		if !ok || proto != "PLAINTEXT" {
			r.fail("listener.security.protocol.map", fmt.Sprintf("entry %q: only NAME:PLAINTEXT is supported", e))
			continue
		}
		protos[name] = proto
	}
	seen := map[string]bool{}
	for _, l := range n.Listeners {
		if seen[l.Name] {
			r.fail("listeners", fmt.Sprintf("listener name %s used twice", l.Name))
		}
		seen[l.Name] = true
		if _, ok := protos[l.Name]; !ok && l.Name != "PLAINTEXT" {
			r.fail("listener.security.protocol.map", fmt.Sprintf("no entry for listener %s", l.Name))
		}
	}
	n.AdvertisedListeners = advertise(r, n.Listeners, n.AdvertisedListeners)
	n.ControllerListenerNames = r.list("controller.listener.names")
	n.InterBrokerListenerName = r.str("inter.broker.listener.name")
}

// advertise lines advertised listeners up with the bound ones by name, filling
// in unset entries and wildcard hosts as Kafka does (an empty host advertises
// the canonical host name; kraftbench uses 127.0.0.1 so loopback runs work).
func advertise(r *reader, bound, adv []Listener) []Listener {
	byName := map[string]Listener{}
	for _, a := range adv {
		if !slices.ContainsFunc(bound, func(l Listener) bool { return l.Name == a.Name }) {
			r.fail("advertised.listeners", fmt.Sprintf("listener %s is not in listeners", a.Name))
		}
		byName[a.Name] = a
	}
	out := make([]Listener, len(bound))
	for i, l := range bound {
		a, ok := byName[l.Name]
		if !ok {
			a = l
		}
		if a.Host == "" || a.Host == "0.0.0.0" || a.Host == "::" {
			a.Host = "127.0.0.1"
		}
		out[i] = a
	}
	return out
}
