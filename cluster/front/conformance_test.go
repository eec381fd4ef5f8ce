package front_test

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/admin"
	"github.com/kraftbench/kraftbench/cluster/clustertest"
	"github.com/kraftbench/kraftbench/cluster/front"
)

func newAdmin(t *testing.T, bootstrap []string) *admin.Client {
	t.Helper()
	a, err := admin.New(bootstrap, admin.Options{ClientID: t.Name(), WriteTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// TestConformanceOverFake proves the conformance suite, the front and the
// kadm-based Admin together against the fake controller: 3 brokers that
// apply each change 5 ms after it commits, so convergence is really polled.
func TestConformanceOverFake(t *testing.T) {
	clustertest.Run(t, func(t *testing.T) clustertest.Cluster {
		fc := front.StartFakeCluster(t, 3, 5*time.Millisecond)
		return clustertest.Cluster{Admin: newAdmin(t, fc.Bootstrap), Brokers: fc.Brokers,
			Bootstrap: fc.Bootstrap, Propagation: 5 * time.Second}
	})
}

// TestKadmRoundTrip creates through kadm, reads every broker's view and
// checks it has the digest of the image that broker serves, then deletes.
func TestKadmRoundTrip(t *testing.T) {
	fc := front.StartFakeCluster(t, 3, 0)
	a := newAdmin(t, fc.Bootstrap[1:2]) // bootstrap from a broker that is not the controller
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rs, err := a.CreateTopics(ctx, []cluster.TopicSpec{
		{Name: "rt-a", NumPartitions: 4, ReplicationFactor: 2, Configs: map[string]string{"retention.ms": "60000"}},
		{Name: "rt-b", NumPartitions: -1, ReplicationFactor: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Code != 0 || rs[0].NumPartitions != 4 || rs[0].ReplicationFactor != 2 || rs[1].Code != 0 || rs[1].NumPartitions != 1 {
		t.Fatalf("create results %+v", rs)
	}
	for _, id := range fc.Brokers {
		img, err := a.BrokerView(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := img.Digest(), fc.Nodes[id].Image().Digest(); got != want {
			t.Errorf("broker %d: view digest %s, served image digest %s", id, got, want)
		}
		if topic := img.Topics["rt-a"]; topic == nil || topic.ID != rs[0].ID || len(topic.Partitions) != 4 {
			t.Errorf("broker %d: rt-a described as %+v", id, topic)
		}
	}
	if _, err := a.BrokerView(ctx, 42); err == nil {
		t.Error("BrokerView of an unknown broker succeeded")
	}
	del, err := a.DeleteTopics(ctx, []string{"rt-a", "rt-b", "rt-none"})
	if err != nil {
		t.Fatal(err)
	}
	if del[0].Code != 0 || del[1].Code != 0 || del[2].Code == 0 || del[0].ID != rs[0].ID {
		t.Fatalf("delete results %+v", del)
	}
	img, err := a.Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Topics) != 0 || img.ClusterID != "fake-cluster-id" || img.ControllerID != 0 {
		t.Fatalf("after delete: topics %v cluster %q controller %d", img.TopicNames(), img.ClusterID, img.ControllerID)
	}
}

// kcatMetadata is the part of `kcat -L -J` output the test reads.
type kcatMetadata struct {
	Brokers []struct {
		ID   int32  `json:"id"`
		Name string `json:"name"`
	} `json:"brokers"`
	Topics []struct {
		Topic      string `json:"topic"`
		Partitions []struct {
			Partition int32 `json:"partition"`
			Leader    int32 `json:"leader"`
			Replicas  []struct {
				ID int32 `json:"id"`
			} `json:"replicas"`
		} `json:"partitions"`
	} `json:"topics"`
}

// TestKcatListsBrokersAndTopics runs Debian's kcat (librdkafka) against the
// front: a real Kafka client must see the brokers and topics.
func TestKcatListsBrokersAndTopics(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat is not installed (apt-get install kcat; CI installs it)")
	}
	fc := front.StartFakeCluster(t, 3, 0)
	a := newAdmin(t, fc.Bootstrap)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := a.CreateTopics(ctx, []cluster.TopicSpec{{Name: "kcat-topic", NumPartitions: 3, ReplicationFactor: 2}}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, kcat, "-L", "-J", "-b", fc.Bootstrap[2], "-m", "10").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("kcat: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("kcat: %v", err)
	}
	var md kcatMetadata
	if err := json.Unmarshal(out, &md); err != nil {
		t.Fatalf("kcat output %q: %v", out, err)
	}
	var ids []int32
	for _, b := range md.Brokers {
		ids = append(ids, b.ID)
		if want := fc.Addrs[b.ID]; !strings.HasPrefix(b.Name, want) {
			t.Errorf("kcat broker %d at %q, want %s", b.ID, b.Name, want)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, fc.Brokers) {
		t.Errorf("kcat lists brokers %v, want %v", ids, fc.Brokers)
	}
	if len(md.Topics) != 1 || md.Topics[0].Topic != "kcat-topic" || len(md.Topics[0].Partitions) != 3 {
		t.Fatalf("kcat lists topics %+v", md.Topics)
	}
	for _, p := range md.Topics[0].Partitions {
		if len(p.Replicas) != 2 || p.Leader != p.Replicas[0].ID {
			t.Errorf("kcat partition %+v", p)
		}
	}
}
