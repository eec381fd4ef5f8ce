package external_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/external"
	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/workloads"
)

// A Kafka that is not ours: franz-go's kfake, in process, on loopback. It
// serves Metadata, CreateTopics and DeleteTopics but not DescribeQuorum, so
// its mode is stated in the cluster file. Two topics are there before the
// run, one of them named like kraftbench's: neither may be touched.
func startKfake(t *testing.T) (*kfake.Cluster, string) {
	t.Helper()
	kc, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(1, "theirs", "kraftbench-theirs-t1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	file := filepath.Join(t.TempDir(), "kfake.yaml")
	text := fmt.Sprintf("name: kfake\nbootstrap: [%s]\nmode: kraft\n", strings.Join(kc.ListenAddrs(), ", "))
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return kc, file
}

// listTopics asks the fake for every topic it has.
func listTopics(t *testing.T, addrs []string) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tp := range resp.Topics {
		names = append(names, *tp.Topic)
	}
	slices.Sort(names)
	return names
}

func runner(t *testing.T, file string) *workloads.Runner {
	f, err := external.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	return &workloads.Runner{Provider: func(cluster.Spec) (cluster.Provider, error) {
		return external.New(external.Options{File: f}), nil
	}}
}

func scenario(t *testing.T, workload string, params workloads.Params) workloads.Scenario {
	s := workloads.DefaultScenario()
	s.Provider, s.Modes, s.Output = cluster.ProviderExternal, []cluster.Mode{cluster.ModeKRaft}, t.TempDir()
	s.Workload, s.Params = workload, params
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTopicsAndPropagationRunOnKfake(t *testing.T) {
	kc, file := startKfake(t)
	cases := []struct {
		workload string
		params   workloads.Params
		ops      []string
	}{
		{"topics", workloads.Params{"ops": "20", "concurrency": "2", "partitions": "3"}, []string{"create", "delete"}},
		{"propagation", workloads.Params{"iterations": "5", "partitions": "2"}, []string{"create", "propagation", "propagation_broker", "metadata"}},
	}
	for _, c := range cases {
		t.Run(c.workload, func(t *testing.T) {
			s := scenario(t, c.workload, c.params)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			results, err := runner(t, file).Run(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != 1 {
				t.Fatalf("%d results, want 1", len(results))
			}
			files, _ := filepath.Glob(filepath.Join(s.Output, c.workload+"-kraft-*.json"))
			if len(files) != 1 {
				t.Fatalf("result files %v", files)
			}
			res, err := metrics.ReadResult(files[0])
			if err != nil {
				t.Fatal(err)
			}
			if res.Provider != cluster.ProviderExternal || res.Mode != cluster.ModeKRaft || res.Topology["brokers"] != 3 ||
				res.KafkaVersion != "unknown" || res.Skipped != "" {
				t.Errorf("result header: provider %q mode %q topology %v version %q skipped %q", res.Provider, res.Mode, res.Topology, res.KafkaVersion, res.Skipped)
			}
			for _, op := range c.ops {
				o, ok := res.Op(op)
				if !ok || o.Latency.Count == 0 || o.Latency.Errors != 0 {
					t.Errorf("op %s: %+v (present %v)", op, o.Latency, ok)
				}
			}
			if !slices.ContainsFunc(res.Notes, func(n string) bool {
				return strings.Contains(n, "external cluster kfake: mode kraft (as the cluster file says)")
			}) {
				t.Errorf("notes lack the external cluster's: %v", res.Notes)
			}
			if got := listTopics(t, kc.ListenAddrs()); !slices.Equal(got, []string{"kraftbench-theirs-t1", "theirs"}) {
				t.Errorf("topics after the run: %v, want only the two that were there before", got)
			}
		})
	}
}

// A run cut short (Ctrl-C cancels the run's context) still removes every
// topic it created, and only those; what it measured is kept.
func TestInterruptedRunOnKfakeRemovesItsTopics(t *testing.T) {
	kc, file := startKfake(t)
	s := scenario(t, "topics", workloads.Params{"ops": "100000", "concurrency": "4", "delete": "false"})
	ctx, cancel := context.WithCancel(context.Background())
	var progress strings.Builder
	r := runner(t, file)
	r.Progress = &progress
	go func() {
		// interrupt once the run has created topics of its own
		for ctx.Err() == nil {
			if len(listTopics(t, kc.ListenAddrs())) > 50 {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	results, err := r.Run(ctx, s)
	cancel()
	if err == nil {
		t.Fatal("an interrupted run must say so")
	}
	if len(results) != 1 {
		t.Fatalf("%d results kept, want 1 (err %v)\n%s", len(results), err, progress.String())
	}
	if o, ok := results[0].Op("create"); !ok || o.Latency.Count < 50 || o.Latency.Count >= 100000 {
		t.Fatalf("create samples kept: %+v", o.Latency)
	}
	if got := listTopics(t, kc.ListenAddrs()); !slices.Equal(got, []string{"kraftbench-theirs-t1", "theirs"}) {
		t.Fatalf("topics after the interrupted run: %d left (%v...), want only the two that were there before", len(got), got[:min(5, len(got))])
	}
}

// The workloads that need what an external cluster cannot give are skipped,
// with a result that says why.
func TestFloorIsSkippedOnAnExternalCluster(t *testing.T) {
	_, file := startKfake(t)
	s := scenario(t, "floor", workloads.Params{"samples": "10"})
	results, err := runner(t, file).Run(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || !strings.Contains(results[0].Skipped, "store floor") || !strings.Contains(results[0].Skipped, "not available") {
		t.Fatalf("results %+v", results)
	}
	files, _ := filepath.Glob(filepath.Join(s.Output, "floor-kraft-*.json"))
	if len(files) != 1 {
		t.Fatalf("a skipped run still writes its result: %v", files)
	}
}
