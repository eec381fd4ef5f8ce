package workloads

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// Each target picks the nodes its doc says, and a target a mode or topology
// does not have is refused as unsupported, so the run skips it with a note.
func TestPickVictims(t *testing.T) {
	img := cluster.NewImage("t")
	for id := int32(1); id <= 3; id++ {
		img.Brokers[id] = &cluster.Broker{ID: id}
	}
	zk3 := []zkServer{{1, "follower"}, {2, "leader"}, {3, "follower"}}
	zkMode := targetView{mode: cluster.ModeZK, active: 1, image: img, zk: zk3}
	kraft := targetView{mode: cluster.ModeKRaft, active: 2, image: img, controllers: []int32{1, 2, 3}}
	store := func(ids ...int32) []victim {
		var out []victim
		for _, id := range ids {
			out = append(out, victim{node: id, store: true})
		}
		return out
	}
	nodes := func(ids ...int32) []victim {
		var out []victim
		for _, id := range ids {
			out = append(out, victim{node: id})
		}
		return out
	}
	cases := []struct {
		target string
		view   targetView
		want   []victim
		absent string // a refusal wrapping ErrFaultUnsupported, containing this
	}{
		{targetController, zkMode, nodes(1), ""},
		{targetZKServer, zkMode, store(1), ""},
		{targetZKLeader, zkMode, store(2), ""},
		{targetZKQuorum, zkMode, store(1, 3), ""},
		{targetZKQuorum, targetView{mode: cluster.ModeZK, zk: []zkServer{{1, "standalone"}}}, store(1), ""},
		{targetZKLeader, targetView{mode: cluster.ModeZK, zk: []zkServer{{1, "standalone"}}}, nil, "1-server ZooKeeper ensemble"},
		{targetControllerStandby, zkMode, nil, "no KRaft controller quorum"},
		{targetControllerStandby, kraft, nodes(1), ""},
		{targetControllerQuorum, kraft, nodes(1, 3), ""},
		{targetControllerStandby, targetView{mode: cluster.ModeKRaft, active: 1, controllers: []int32{1}}, nil, "no standby"},
		{targetZKServer, kraft, nil, "no ZooKeeper servers"},
	}
	for _, c := range cases {
		got, err := pickVictims(c.target, c.view)
		if c.absent != "" {
			if !errors.Is(err, cluster.ErrFaultUnsupported) || !strings.Contains(err.Error(), c.absent) {
				t.Errorf("%s in %s: %v, %v; want a refusal wrapping ErrFaultUnsupported saying %q", c.target, c.view.mode, got, err, c.absent)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s in %s: %v, %v; want %v", c.target, c.view.mode, got, err, c.want)
		}
	}
	// Two servers claiming to lead is a broken ensemble, not a target to skip.
	two := zkMode
	two.zk = []zkServer{{1, "leader"}, {2, "leader"}, {3, "follower"}}
	if _, err := pickVictims(targetZKLeader, two); err == nil || errors.Is(err, cluster.ErrFaultUnsupported) {
		t.Errorf("two leaders: %v, want an error that is not a skip", err)
	}
}

// fakeZK is a ZooKeeper server answering srvr with its mode, "" for one that
// does not serve (killed or without quorum).
type fakeZK struct {
	ln   net.Listener
	mu   sync.Mutex
	mode string
}

func newFakeZK(t *testing.T, mode string) *fakeZK {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	z := &fakeZK{ln: ln, mode: mode}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4)
			_, _ = c.Read(buf)
			z.mu.Lock()
			if z.mode != "" {
				fmt.Fprintf(c, "Zookeeper version: 3.8.0\nMode: %s\nNode count: 5\n", z.mode)
			} else {
				fmt.Fprint(c, "This ZooKeeper instance is not currently serving requests\n")
			}
			z.mu.Unlock()
			c.Close()
		}
	}()
	return z
}

func (z *fakeZK) set(mode string) { z.mu.Lock(); z.mode = mode; z.mu.Unlock() }

// storeCluster is a fake ZooKeeper-mode cluster with three ZooKeeper
// servers: node 1 is the active controller, ZooKeeper server 2 leads, and
// when it is faulted server 3 takes over. It records the faults it got.
type storeCluster struct {
	fakeCluster
	zk []*fakeZK

	mu     sync.Mutex
	faults []cluster.Fault
}

func (c *storeCluster) Nodes() []cluster.NodeInfo {
	var out []cluster.NodeInfo
	for id := int32(1); id <= 3; id++ {
		out = append(out, cluster.NodeInfo{ID: id, Kind: cluster.NodeKindNode, Roles: []cluster.Role{cluster.RoleBroker}})
	}
	for i, z := range c.zk {
		out = append(out, cluster.NodeInfo{ID: int32(i + 1), Kind: cluster.NodeKindZooKeeper, Addr: z.ln.Addr().String()})
	}
	return out
}

func (c *storeCluster) Status(_ context.Context, id int32) (cluster.Status, error) {
	return cluster.Status{NodeID: id, Active: id == 1, ActiveControllerID: 1, ControllerEpoch: 1}, nil
}

func (c *storeCluster) Fault(_ context.Context, f cluster.Fault) (*cluster.FaultRecord, error) {
	c.mu.Lock()
	c.faults = append(c.faults, f)
	c.mu.Unlock()
	if f.Store {
		c.zk[f.Node-1].set("")
		if f.Node == 2 {
			c.zk[2].set("leader")
		}
	}
	return &cluster.FaultRecord{Fault: f, Start: time.Now(), Undo: func(context.Context) error { return nil }}, nil
}

// A store fault reaches the cluster as a ZooKeeper server's fault (Store
// set, its myid), never as the kbnode node with the same id; zk-leader
// measures the new store leader, zk-quorum what clients saw; a KRaft target
// in ZooKeeper mode is skipped as unsupported, with a note naming why.
func TestFailoverStoreTargetsOnFakes(t *testing.T) {
	newCluster := func() *storeCluster {
		c := &storeCluster{fakeCluster: fakeCluster{spec: cluster.Spec{Mode: cluster.ModeZK, Brokers: 3, ZKServers: 3}}}
		for _, m := range []string{"follower", "leader", "follower"} {
			c.zk = append(c.zk, newFakeZK(t, m))
		}
		return c
	}
	cases := []struct {
		target   string
		want     []cluster.Fault
		measures []metrics.FailoverMeasure
	}{
		{targetZKServer, []cluster.Fault{{Kind: cluster.FaultKill, Node: 1, Store: true}},
			[]metrics.FailoverMeasure{metrics.FailoverUnavailable, metrics.FailoverConverged}},
		{targetZKLeader, []cluster.Fault{{Kind: cluster.FaultKill, Node: 2, Store: true}},
			[]metrics.FailoverMeasure{metrics.FailoverNewStoreLeader, metrics.FailoverUnavailable, metrics.FailoverConverged}},
		{targetZKQuorum, []cluster.Fault{{Kind: cluster.FaultKill, Node: 1, Store: true}, {Kind: cluster.FaultKill, Node: 3, Store: true}},
			[]metrics.FailoverMeasure{metrics.FailoverUnavailable, metrics.FailoverWritableAfterHeal, metrics.FailoverConverged}},
	}
	for _, c := range cases {
		cl := newCluster()
		env := &Env{Cluster: cl, Admin: newFakeAdmin(0, 0), Rec: metrics.NewRecorder(metrics.RecorderOptions{})}
		w := &failover{timeout: 2 * time.Second, write: time.Second, stall: time.Second, quorumHold: 20 * time.Millisecond}
		ep, err := w.episode(t.Context(), env, &probe{}, cluster.FaultKill, c.target)
		if err != nil {
			t.Fatalf("%s: %v", c.target, err)
		}
		if !slices.Equal(cl.faults, c.want) {
			t.Errorf("%s: faults %+v, want %+v", c.target, cl.faults, c.want)
		}
		got := map[string]bool{}
		for _, m := range env.Rec.Measures() {
			if m.Name == metrics.MeasureFailover && m.Measured() {
				got[m.Labels["measure"]] = true
			}
		}
		for _, m := range c.measures {
			if !got[string(m)] {
				t.Errorf("%s: no %s measure in %v; notes %v", c.target, m, got, ep.notes)
			}
		}
		if !slices.ContainsFunc(ep.notes, func(n string) bool { return strings.Contains(n, "the active controller stayed node 1") }) {
			t.Errorf("%s: no note on the controller after the heal: %v", c.target, ep.notes)
		}
		if quorumTarget(c.target) && !slices.ContainsFunc(ep.notes, func(n string) bool { return strings.Contains(n, "3 of 3 brokers answered, from their caches") }) {
			t.Errorf("%s: no note on the metadata brokers served during the loss: %v", c.target, ep.notes)
		}
	}

	cl := newCluster()
	env := &Env{Cluster: cl, Admin: newFakeAdmin(0, 0), Rec: metrics.NewRecorder(metrics.RecorderOptions{})}
	w := &failover{timeout: time.Second, write: time.Second, stall: time.Second}
	_, err := w.episode(t.Context(), env, &probe{}, cluster.FaultKill, targetControllerStandby)
	if !errors.Is(err, cluster.ErrFaultUnsupported) || len(cl.faults) != 0 {
		t.Errorf("controller-standby in ZooKeeper mode: %v, faults %v; want a skip and no fault", err, cl.faults)
	}
}

// Right after a heal the ensemble may still be electing: the pick waits
// (bounded) for a leader instead of failing the run; a refusal is at once.
func TestPickWhenReadyWaitsForAnElection(t *testing.T) {
	c := &storeCluster{fakeCluster: fakeCluster{spec: cluster.Spec{Mode: cluster.ModeZK}}}
	for range 3 {
		c.zk = append(c.zk, newFakeZK(t, ""))
	}
	go func() {
		time.Sleep(200 * time.Millisecond) // the election ends while the pick polls
		c.zk[0].set("follower")
		c.zk[1].set("follower")
		c.zk[2].set("leader")
	}()
	vs, _, err := pickWhenReady(t.Context(), c, targetZKLeader, true, 1, nil, 5*time.Second)
	if err != nil || !slices.Equal(vs, []victim{{node: 3, store: true}}) {
		t.Errorf("zk-leader after an election: %v, %v", vs, err)
	}
	start := time.Now()
	_, _, err = pickWhenReady(t.Context(), c, targetControllerStandby, false, 1, nil, 5*time.Second)
	if !errors.Is(err, cluster.ErrFaultUnsupported) || time.Since(start) > time.Second {
		t.Errorf("a refusal: %v after %v, want ErrFaultUnsupported at once", err, time.Since(start))
	}
	c.zk[2].set("")
	_, _, err = pickWhenReady(t.Context(), c, targetZKLeader, true, 1, nil, 300*time.Millisecond)
	if err == nil || errors.Is(err, cluster.ErrFaultUnsupported) || !strings.Contains(err.Error(), "still so after 300ms") {
		t.Errorf("no leader for good: %v", err)
	}
}
