package cluster

import (
	"strings"
	"testing"
	"time"
)

func TestSpecValidateNamesEachBadField(t *testing.T) {
	ok := []Spec{
		{Name: "a", Mode: ModeZK, ZKServers: 3, Brokers: 3},
		{Name: "run-1", Mode: ModeKRaft, Controllers: 3, Brokers: 3, Combined: true, Provider: "docker"},
	}
	for _, s := range ok {
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	bad := []struct {
		s    Spec
		want string
	}{
		{Spec{Name: "Bad Name", Mode: ModeZK, ZKServers: 1, Brokers: 1}, "name \"Bad Name\""},
		{Spec{Name: "a", Mode: "etcd", Brokers: 1}, "mode \"etcd\""},
		{Spec{Name: "a", Mode: ModeZK, ZKServers: 2, Brokers: 1}, "zk-servers 2"},
		{Spec{Name: "a", Mode: ModeZK, ZKServers: 1, Brokers: 1, Controllers: 3}, "controllers/combined"},
		{Spec{Name: "a", Mode: ModeZK, ZKServers: 1, Brokers: 1, ZKHeapMB: 64}, "zk-heap-mb 64: want 128..65536"},
		{Spec{Name: "a", Mode: ModeKRaft, Controllers: 1, Brokers: 1, ZKHeapMB: 1024}, "zk-heap-mb 1024: KRaft mode runs no ZooKeeper"},
		{Spec{Name: "a", Mode: ModeKRaft, Controllers: 4, Brokers: 1}, "controllers 4"},
		{Spec{Name: "a", Mode: ModeKRaft, Controllers: 3, Brokers: 2, Combined: true}, "combined: 3 controllers"},
		{Spec{Name: "a", Mode: ModeKRaft, Controllers: 1, Brokers: 0}, "brokers 0"},
		{Spec{Name: "a", Mode: ModeKRaft, Controllers: 1, Brokers: 1, Provider: "k8s"}, "provider \"k8s\""},
		{Spec{Name: "a", Mode: ModeKRaft, Controllers: 1, Brokers: 1,
			Timeouts: Timeouts{HeartbeatInterval: 10 * time.Second}}, "broker.heartbeat.interval.ms"},
	}
	for _, b := range bad {
		err := b.s.Validate()
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: got %v, want an error containing %q", b.s, err, b.want)
		}
	}
}
