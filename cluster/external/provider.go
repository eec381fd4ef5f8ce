package external

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// Options configure the external provider.
type Options struct {
	// File is the validated cluster file (Load).
	File   *File
	Logger *slog.Logger
	// ConnectTimeout bounds Start's checks (default 30 s).
	ConnectTimeout time.Duration
}

// Provider connects to the cluster a file describes.
type Provider struct{ o Options }

var _ cluster.Provider = (*Provider)(nil)

// New returns the provider of the cluster o.File describes.
func New(o Options) *Provider {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 30 * time.Second
	}
	return &Provider{o: o}
}

// Name returns "external".
func (p *Provider) Name() string { return cluster.ProviderExternal }

// Start connects to the cluster and checks it; it starts nothing. The
// spec's mode, when set, must be the cluster's; its topology is ignored
// (the cluster's own is in the returned cluster's Spec).
func (p *Provider) Start(ctx context.Context, spec cluster.Spec) (cluster.Cluster, error) {
	f := p.o.File
	if f == nil {
		return nil, errors.New("external provider: no cluster file (--cluster FILE)")
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("cluster file: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, p.o.ConnectTimeout)
	defer cancel()
	c := &extCluster{f: f, log: p.o.Logger, requested: map[string]bool{}, direct: map[int32]*kgo.Client{}}
	if err := c.connect(ctx, spec); err != nil {
		c.close()
		return nil, fmt.Errorf("external cluster %s (bootstrap %s): %w", f.name(), strings.Join(f.Bootstrap, ","), err)
	}
	return c, nil
}

func newClient(addrs []string, id string) (*kgo.Client, error) {
	return kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ClientID(id), kgo.DialTimeout(5*time.Second))
}

// connect does Start's work: metadata, mode, nodes, ZooKeeper, prefix.
func (c *extCluster) connect(ctx context.Context, spec cluster.Spec) error {
	var err error
	if c.boot, err = newClient(c.f.Bootstrap, "kraftbench-external"); err != nil {
		return err
	}
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, c.boot)
	if err != nil {
		return fmt.Errorf("no broker answered Metadata: %w", err)
	}
	img := front.ImageFromMetadata(resp)
	if len(img.Brokers) == 0 {
		return errors.New("Metadata names no broker")
	}
	c.mode, c.modeHow = cluster.Mode(c.f.Mode), "as the cluster file says"
	if c.mode == "" {
		if c.mode, c.modeHow, err = detectMode(ctx, c.boot.SeedBrokers()[0]); err != nil {
			return err
		}
	}
	if spec.Mode != "" && spec.Mode != c.mode {
		return fmt.Errorf("the run asks for %s mode, the cluster runs %s mode (%s)", spec.Mode, c.mode, c.modeHow)
	}
	if err := c.setNodes(ctx, img); err != nil {
		return err
	}
	if c.f.ZooKeeperConnect != "" {
		if c.mode != cluster.ModeZK {
			return fmt.Errorf("zookeeper.connect is set but the cluster runs %s mode (%s)", c.mode, c.modeHow)
		}
		if err := c.connectZK(ctx); err != nil {
			return err
		}
	}
	if c.prefix, err = newPrefix(c.f.prefix()); err != nil {
		return err
	}
	for name := range img.Topics {
		if strings.HasPrefix(name, c.prefix+"-") {
			return fmt.Errorf("topic %s already carries this run's prefix %s-: refusing to share it", name, c.prefix)
		}
	}
	c.spec = c.specFor(spec)
	return nil
}

// newPrefix returns prefix-<time><random>: unique to the run.
func newPrefix(prefix string) (string, error) {
	b := make([]byte, 2)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + "-" + strconv.FormatInt(time.Now().Unix(), 36) + hex.EncodeToString(b), nil
}

// setNodes takes the file's nodes, or the brokers Metadata names (and, in
// KRaft mode, the voters DescribeQuorum names) when it lists none, and opens
// a client to each node with an address.
func (c *extCluster) setNodes(ctx context.Context, img *cluster.Image) error {
	brokers := img.BrokerIDs()
	addrOf := func(id int32) string {
		if b, ok := img.Brokers[id]; ok {
			if ep, ok := b.Addr(); ok {
				return fmt.Sprintf("%s:%d", ep.Host, ep.Port)
			}
		}
		return ""
	}
	if len(c.f.Nodes) == 0 {
		for _, id := range brokers {
			c.nodes = append(c.nodes, cluster.NodeInfo{ID: id, Roles: []cluster.Role{cluster.RoleBroker}, Kind: "node", Addr: addrOf(id)})
		}
		if c.mode == cluster.ModeKRaft {
			if q, err := describeQuorum(ctx, c.boot.SeedBrokers()[0]); err == nil {
				for id := range q.Offsets {
					if !slices.Contains(brokers, id) && isVoter(q, id) {
						c.nodes = append(c.nodes, cluster.NodeInfo{ID: id, Roles: []cluster.Role{cluster.RoleController}, Kind: "node"})
					}
				}
			}
		}
	} else {
		var errs []error
		for i, n := range c.f.Nodes {
			broker := slices.Contains(n.Roles, cluster.RoleBroker)
			if broker && !slices.Contains(brokers, n.ID) {
				errs = append(errs, fmt.Errorf("nodes[%d]: broker %d is not among the brokers the cluster names, %v (is it down?)", i, n.ID, brokers))
			}
			addr := n.Addr
			if addr == "" && broker {
				addr = addrOf(n.ID)
			}
			c.nodes = append(c.nodes, cluster.NodeInfo{ID: n.ID, Roles: slices.Clone(n.Roles), Kind: "node", Addr: addr})
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	slices.SortFunc(c.nodes, func(a, b cluster.NodeInfo) int { return int(a.ID - b.ID) })
	for _, n := range c.nodes {
		if n.Addr == "" {
			continue
		}
		cl, err := newClient([]string{n.Addr}, "kraftbench-external-status")
		if err != nil {
			return fmt.Errorf("node %d at %s: %w", n.ID, n.Addr, err)
		}
		c.direct[n.ID] = cl
	}
	return nil
}

// isVoter reports whether id is among the quorum's voters. Offsets holds
// voters and observers alike; voters are what DescribeQuorum lists first.
func isVoter(q quorum, id int32) bool { return slices.Contains(q.voters, id) }

// specFor is the cluster's own shape as a Spec, with the run's name.
func (c *extCluster) specFor(asked cluster.Spec) cluster.Spec {
	s := cluster.Spec{Name: asked.Name, Mode: c.mode, Provider: cluster.ProviderExternal, Seed: asked.Seed,
		KafkaVersion: cluster.KafkaVersion(c.f.KafkaVersion)}
	if s.Name == "" {
		s.Name = c.f.name()
	}
	if s.KafkaVersion == "" {
		s.KafkaVersion = "unknown"
	}
	for _, n := range c.nodes {
		if slices.Contains(n.Roles, cluster.RoleBroker) {
			s.Brokers++
		}
		if slices.Contains(n.Roles, cluster.RoleController) {
			s.Controllers++
		}
	}
	if s.Controllers > 0 && s.Brokers > 0 {
		for _, n := range c.nodes {
			if len(n.Roles) == 2 {
				s.Combined = true
			}
		}
	}
	if servers, _, err := zkmeta.ParseConnect(c.f.ZooKeeperConnect); err == nil {
		s.ZKServers = len(servers)
	}
	return s
}
