package workloads

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/local"
	"github.com/kraftbench/kraftbench/internal/testbin"
	"github.com/kraftbench/kraftbench/metrics"
)

// A short real run of every workload against both modes, on the local
// provider (real ZooKeeper, real Raft, real processes), through the same
// Runner the bench command uses.
func TestEveryWorkloadRunsAgainstBothModes(t *testing.T) {
	testbin.NeedIntegration(t, "real clusters")
	bin, err := testbin.Kbnode()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		workload string
		params   Params
		floor    int
		wantOps  []string
	}{
		{"topics", Params{"ops": "20", "concurrency": "2", "partitions": "3"}, 20, []string{"create", "delete", "floor"}},
		{"topics", Params{"rate": "20", "duration": "1s", "delete": "false"}, 0, []string{"create"}},
		{"propagation", Params{"iterations": "5", "partitions": "2"}, 0, []string{"create", "propagation", "propagation_broker", "metadata"}},
		{"startup", Params{"topics": "5", "partitions": "20", "restarts": "2"}, 0, []string{"startup", "phase_metadata_loaded", "populate"}},
		{"floor", Params{"samples": "30"}, 0, []string{"floor"}},
		{"reassign", Params{"topics": "2", "partitions": "4", "move": "3", "batches": "2", "gap": "0s", "timeout": "1m"}, 0,
			[]string{"reassign", "reassign_complete", "reassign_propagation", "list_reassignments"}},
	}
	for _, c := range cases {
		t.Run(c.workload, func(t *testing.T) {
			out := t.TempDir()
			s := DefaultScenario()
			s.Workload, s.Params, s.Floor, s.Output = c.workload, c.params, c.floor, out
			s.Topology = Topology{Brokers: 3, Controllers: 1, ZKServers: 1}
			s.Profile = "tuned"
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			var progress strings.Builder
			r := &Runner{
				Provider: func(cluster.Spec) (cluster.Provider, error) {
					return local.New(local.Options{Kbnode: bin, Dir: t.TempDir(), NoZKFsync: true}), nil
				},
				Progress: &progress,
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			results, err := r.Run(ctx, s)
			if err != nil {
				t.Fatalf("%v\nprogress:\n%s", err, progress.String())
			}
			if len(results) != 2 || results[0].Mode != "zk" || results[1].Mode != "kraft" {
				t.Fatalf("results %d", len(results))
			}
			for _, res := range results {
				for _, op := range c.wantOps {
					o, ok := res.Op(op)
					if !ok || o.Latency.Count == 0 || o.Latency.Errors != 0 {
						t.Errorf("%s: op %s: %+v (present %v)", res.Mode, op, o.Latency, ok)
					}
				}
				files, _ := filepath.Glob(filepath.Join(out, c.workload+"-"+string(res.Mode)+"-*.json"))
				if len(files) != 1 {
					t.Errorf("%s: result files %v", res.Mode, files)
					continue
				}
				back, err := metrics.ReadResult(files[0])
				if err != nil || back.Build.Revision == "" || back.Timeouts["broker.session.timeout.ms"] != "3000" {
					t.Errorf("%s: result read back: %v %+v", res.Mode, err, back)
				}
			}
		})
	}
}
