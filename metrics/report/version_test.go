package report

import (
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// TestVersionsAreSeparateSeries checks that runs of different kafka.version
// profiles are never pooled: KRaft 3.9 and KRaft 4.1 are two series, the
// claims' pair (Op.Mode) is the default version's, results without a
// version count as the default, and the failover sections are apart too.
func TestVersionsAreSeparateSeries(t *testing.T) {
	create := map[string]opSpec{"create": {lat: 30 * time.Millisecond, n: 20}}
	zk := synth(t, "topics", cluster.ModeZK, 1, create, nil)
	k39 := synth(t, "topics", cluster.ModeKRaft, 1, create, nil) // no version: 3.9
	k41 := synth(t, "topics", cluster.ModeKRaft, 2, map[string]opSpec{"create": {lat: 3 * time.Millisecond, n: 20}}, nil)
	k41.KafkaVersion = string(cluster.Kafka41)
	ws, err := Group([]*Run{{Result: zk}, {Result: k39}, {Result: k41}})
	if err != nil {
		t.Fatal(err)
	}
	op := Find(ws, "topics", "create")
	if op == nil || len(op.Modes) != 3 {
		t.Fatalf("series %v, want ZooKeeper, KRaft and KRaft 4.1", op)
	}
	var titles []string
	for _, s := range op.Modes {
		titles = append(titles, s.Title())
	}
	if got := strings.Join(titles, ", "); got != "ZooKeeper, KRaft, KRaft 4.1" {
		t.Errorf("series %s", got)
	}
	if s := op.Mode(cluster.ModeKRaft); s == nil || len(s.Runs) != 1 || s.Runs[0].Run.Result != k39 {
		t.Errorf("Op.Mode(kraft) is not the 3.9 series alone: %+v", s)
	}
	if s := op.Series(cluster.ModeKRaft, cluster.Kafka41); s == nil || s.Runs[0].Run.Result != k41 {
		t.Errorf("no KRaft 4.1 series of its own")
	}
	if p := profileOf(&Run{Result: k41}); p != "kafka-defaults, Kafka 4.1" {
		t.Errorf("failover section of a 4.1 run: %q", p)
	}
	if p := profileOf(&Run{Result: k39}); p != "kafka-defaults" {
		t.Errorf("failover section of a 3.9 run: %q", p)
	}
}
