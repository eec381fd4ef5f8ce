// Package admin is the cluster.Admin that workloads drive, built on
// franz-go's kadm and kgo: it speaks only the Kafka protocol, so it works the
// same against a ZooKeeper-mode cluster, a KRaft-mode cluster, or a real
// Kafka cluster.
//
// CreateTopics and DeleteTopics go through kadm and reach the controller the
// brokers name in their Metadata answers (kgo refreshes metadata and retries
// on NOT_CONTROLLER); per-topic Kafka error codes come back in the
// TopicResults unchanged. Metadata asks any broker; BrokerView asks exactly
// one.
package admin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

// Options configure a Client. The zero value is usable.
type Options struct {
	// ClientID is the Kafka client.id; "kraftbench" when empty.
	ClientID string
	// WriteTimeout is the TimeoutMillis sent with CreateTopics and
	// DeleteTopics: how long the controller may wait for the change to
	// complete. 30 s when zero. The ctx of each call bounds it too.
	WriteTimeout time.Duration
	// KgoOptions are appended to the kgo options the client is built with
	// (after the seed brokers and client id), for example kgo.WithLogger.
	KgoOptions []kgo.Opt
}

// Client is a cluster.Admin over the Kafka protocol.
type Client struct {
	cl            *kgo.Client
	adm           *kadm.Client
	timeoutMillis int32 // sent with writes, as kadm sends it
}

var _ cluster.Admin = (*Client)(nil)

// New returns a client that bootstraps from the given host:port addresses.
// It does not connect until the first call.
func New(bootstrap []string, o Options) (*Client, error) {
	if len(bootstrap) == 0 {
		return nil, errors.New("new admin client: no bootstrap address")
	}
	if o.ClientID == "" {
		o.ClientID = "kraftbench"
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	opts := append([]kgo.Opt{kgo.SeedBrokers(bootstrap...), kgo.ClientID(o.ClientID)}, o.KgoOptions...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("new admin client for %v: %w", bootstrap, err)
	}
	adm := kadm.NewClient(cl)
	ms := int32(o.WriteTimeout.Milliseconds())
	adm.SetTimeoutMillis(ms)
	return &Client{cl: cl, adm: adm, timeoutMillis: ms}, nil
}

// Close closes the client's connections.
func (c *Client) Close() { c.cl.Close() }

// Metadata asks any broker (kgo picks one) for the metadata of every topic.
func (c *Client) Metadata(ctx context.Context) (*cluster.Image, error) {
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return front.ImageFromMetadata(resp), nil
}

// BrokerView sends a Metadata request for every topic to broker brokerID
// alone, over kgo's connection to that broker. A broker the client has not
// learned of from the cluster's metadata is an error.
func (c *Client) BrokerView(ctx context.Context, brokerID int32) (*cluster.Image, error) {
	req := kmsg.NewPtrMetadataRequest()
	resp, err := c.cl.Broker(int(brokerID)).Request(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("metadata from broker %d: %w", brokerID, err)
	}
	mr, ok := resp.(*kmsg.MetadataResponse)
	if !ok {
		return nil, fmt.Errorf("metadata from broker %d: unexpected response %T", brokerID, resp)
	}
	return front.ImageFromMetadata(mr), nil
}

// uniform reports whether the specs can be sent with kadm's CreateTopics:
// one partition count, replication factor and config set, no manual
// assignment, no name twice (kadm answers by name).
func uniform(specs []cluster.TopicSpec) bool {
	seen := map[string]bool{}
	for _, s := range specs {
		if seen[s.Name] || len(s.Assignment) > 0 || s.NumPartitions != specs[0].NumPartitions ||
			s.ReplicationFactor != specs[0].ReplicationFactor || !maps.Equal(s.Configs, specs[0].Configs) {
			return false
		}
		seen[s.Name] = true
	}
	return true
}
