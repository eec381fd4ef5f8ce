package front_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

func newKadm(t *testing.T, bootstrap []string) (*kadm.Client, *kgo.Client) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl), cl
}

// TestApiVersionsListsConfigAPIs: a broker offers the config APIs, so Kafka
// admin clients' list-topics (which also describes configs) can run.
func TestApiVersionsListsConfigAPIs(t *testing.T) {
	fc := front.StartFakeCluster(t, 1, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	adm, _ := newKadm(t, fc.Bootstrap)
	vs, err := adm.ApiVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs.Sorted() {
		for _, k := range []kmsg.Key{kmsg.DescribeConfigs, kmsg.AlterConfigs, kmsg.IncrementalAlterConfigs} {
			if _, _, ok := v.KeyVersions(k.Int16()); !ok {
				t.Errorf("broker %d does not list %s", v.NodeID, kmsg.NameForKey(k.Int16()))
			}
		}
	}
}

// TestKadmDescribesTopicAndBrokerConfigs drives DescribeConfigs with kadm:
// the topic's override, defaults with synonyms, the broker's own configs,
// and INVALID_REQUEST for another broker's id.
func TestKadmDescribesTopicAndBrokerConfigs(t *testing.T) {
	fc := front.StartFakeCluster(t, 2, 0)
	adm, cl := newKadm(t, fc.Bootstrap)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v := "3600000"
	if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"segment.ms": &v}, "cfg"); err != nil {
		t.Fatal(err)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, "cfg", "nope")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]kadm.ResourceConfig{}
	for _, rc := range rcs {
		got[rc.Name] = rc
	}
	if !kerrIs(got["nope"].Err, kerr.UnknownTopicOrPartition) {
		t.Errorf("unknown topic: %v", got["nope"].Err)
	}
	var seg, maxBytes *kadm.Config
	for i, c := range got["cfg"].Configs {
		switch c.Key {
		case "segment.ms":
			seg = &got["cfg"].Configs[i]
		case "max.message.bytes":
			maxBytes = &got["cfg"].Configs[i]
		}
	}
	if seg == nil || seg.MaybeValue() != v || seg.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Fatalf("segment.ms described as %+v", seg)
	}
	if maxBytes == nil || maxBytes.MaybeValue() != "1048588" || maxBytes.Source != kmsg.ConfigSourceDefaultConfig ||
		len(maxBytes.Synonyms) != 1 || maxBytes.Synonyms[0].Key != "message.max.bytes" {
		t.Fatalf("max.message.bytes described as %+v", maxBytes)
	}
	brs, err := adm.DescribeBrokerConfigs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range brs[0].Configs {
		names = append(names, c.Key)
	}
	for _, want := range []string{"broker.id", "num.partitions", "log.retention.bytes", "log.segment.bytes"} {
		if !slices.Contains(names, want) {
			t.Errorf("broker configs %v lack %s", names, want)
		}
	}
	// Ask broker 0 about broker 1: Kafka refuses another broker's id.
	req := kmsg.NewPtrDescribeConfigsRequest()
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, "1"
	req.Resources = append(req.Resources, r)
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBrokerLogger, "0"
	req.Resources = append(req.Resources, r)
	resp, err := cl.Broker(0).Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range resp.(*kmsg.DescribeConfigsResponse).Resources {
		if res.ErrorCode != kerr.InvalidRequest.Code {
			t.Errorf("%s %q answered %s, want INVALID_REQUEST", res.ResourceType, res.ResourceName, cluster.ErrorName(res.ErrorCode))
		}
	}
}

func kerrIs(err error, k *kerr.Error) bool {
	return err != nil && cluster.ErrorCode(err) == k.Code
}
