package workloads

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkensemble"
)

// The targets of the failover workload: what a fault hits. "controller" and
// "broker" exist in both modes; the others are each mode's metadata store:
//
//   - zk-server: a ZooKeeper server that is not the ensemble's leader (the
//     lowest-id follower, as srvr says).
//   - zk-leader: the ensemble's leader, as srvr says: ZooKeeper elects
//     another and clients reconnect to a survivor (Kafka 3.9's
//     ZooKeeperClient keeps one session across servers).
//   - zk-quorum: a majority of the ensemble, followers first (two of three:
//     the leader is left alone without a quorum and stops serving).
//   - controller-standby: a KRaft controller that is not the active one (a
//     hot standby, a voter of __cluster_metadata).
//   - controller-quorum: a majority of the KRaft voters, standbys first (two
//     of three: the active controller is left without a majority and, as
//     Kafka 3.9's LeaderState does after 1.5 x controller.quorum.fetch.timeout.ms,
//     resigns).
//
// A target that does not exist in a run's mode or topology is refused with
// an error wrapping cluster.ErrFaultUnsupported, so the run skips it with a
// note as it does a fault kind its provider cannot inject.
const (
	targetController        = "controller"
	targetBroker            = "broker"
	targetZKServer          = "zk-server"
	targetZKLeader          = "zk-leader"
	targetZKQuorum          = "zk-quorum"
	targetControllerStandby = "controller-standby"
	targetControllerQuorum  = "controller-quorum"
)

// failoverTargets is every target, in the order a run hits them.
var failoverTargets = []string{targetController, targetBroker, targetZKServer, targetZKLeader, targetZKQuorum,
	targetControllerStandby, targetControllerQuorum}

// storeTarget reports whether target names ZooKeeper servers.
func storeTarget(target string) bool {
	return target == targetZKServer || target == targetZKLeader || target == targetZKQuorum
}

// quorumTarget reports whether target takes a majority of the metadata
// quorum away: the run holds it for quorum_hold and reports what clients saw.
func quorumTarget(target string) bool {
	return target == targetZKQuorum || target == targetControllerQuorum
}

// targetInMode reports whether target exists in mode at all (a topology may
// still lack it: pickVictims says so).
func targetInMode(target string, mode cluster.Mode) bool {
	switch {
	case storeTarget(target):
		return mode == cluster.ModeZK
	case target == targetControllerStandby || target == targetControllerQuorum:
		return mode == cluster.ModeKRaft
	}
	return true
}

// victim is one node a fault hits: a kbnode node, or a ZooKeeper server.
type victim struct {
	node  int32
	store bool // a ZooKeeper server (cluster.Fault.Store)
}

func (v victim) String() string {
	if v.store {
		return fmt.Sprintf("ZooKeeper server %d", v.node)
	}
	return fmt.Sprintf("node %d", v.node)
}

// label is the node label of the fault's window on the run's clock.
func (v victim) label() string {
	if v.store {
		return cluster.ZooKeeperName(int(v.node))
	}
	return strconv.Itoa(int(v.node))
}

// targetView is what choosing a target's victims needs to know.
type targetView struct {
	mode        cluster.Mode
	active      int32          // the active controller
	image       *cluster.Image // the metadata before the fault
	controllers []int32        // KRaft voters (nodes with the controller role), ascending
	zk          []zkServer     // ZooKeeper servers, ascending id
}

// zkServer is one ZooKeeper server and what srvr said it is.
type zkServer struct {
	id   int32
	mode string // "leader", "follower", "standalone", or "" when it did not answer
}

// pickVictims returns the nodes a fault on target hits.
func pickVictims(target string, v targetView) ([]victim, error) {
	absent := func(format string, args ...any) ([]victim, error) {
		return nil, fmt.Errorf("%w: %s", cluster.ErrFaultUnsupported, fmt.Sprintf(format, args...))
	}
	switch {
	case storeTarget(target) && v.mode != cluster.ModeZK:
		return absent("%s: a %s-mode cluster has no ZooKeeper servers", target, v.mode.Title())
	case (target == targetControllerStandby || target == targetControllerQuorum) && v.mode != cluster.ModeKRaft:
		return absent("%s: a %s-mode cluster has no KRaft controller quorum (its controller is a broker elected through ZooKeeper)", target, v.mode.Title())
	}
	switch target {
	case targetController:
		return []victim{{node: v.active}}, nil
	case targetBroker:
		b, err := pickBroker(v.image, v.active)
		return []victim{{node: b}}, err
	case targetZKServer, targetZKLeader:
		var leaders, followers []int32
		for _, s := range v.zk {
			switch s.mode {
			case "leader":
				leaders = append(leaders, s.id)
			case "follower":
				followers = append(followers, s.id)
			}
		}
		if len(v.zk) < 3 {
			return absent("%s: a %d-server ZooKeeper ensemble has no leader and followers (run with zk_servers: 3)", target, len(v.zk))
		}
		if len(leaders) != 1 {
			return nil, fmt.Errorf("%s: %d ZooKeeper servers say they lead (%v), want one", target, len(leaders), v.zk)
		}
		if target == targetZKLeader {
			return []victim{{node: leaders[0], store: true}}, nil
		}
		if len(followers) == 0 {
			return nil, fmt.Errorf("%s: no ZooKeeper server says it follows (%v)", target, v.zk)
		}
		return []victim{{node: followers[0], store: true}}, nil
	case targetZKQuorum:
		if len(v.zk) == 0 {
			return nil, fmt.Errorf("%s: the cluster lists no ZooKeeper servers", target)
		}
		var ids, leader []int32
		for _, s := range v.zk {
			if s.mode == "leader" || s.mode == "standalone" {
				leader = append(leader, s.id)
			} else {
				ids = append(ids, s.id)
			}
		}
		return majority(append(ids, leader...), len(v.zk), true), nil
	case targetControllerStandby, targetControllerQuorum:
		standbys := slices.DeleteFunc(slices.Clone(v.controllers), func(id int32) bool { return id == v.active })
		if len(standbys) == 0 {
			return absent("%s: a %d-voter KRaft quorum has no standby controller (run with controllers: 3)", target, len(v.controllers))
		}
		if target == targetControllerStandby {
			return []victim{{node: standbys[0]}}, nil
		}
		if len(v.controllers) < 3 {
			return absent("%s: a %d-voter KRaft quorum loses its majority with its active controller alone (the controller target)", target, len(v.controllers))
		}
		return majority(append(standbys, v.active), len(v.controllers), false), nil
	}
	return nil, fmt.Errorf("unknown failover target %q", target)
}

// pickWhenReady is pickVictims on fresh views until it answers, for up to
// timeout: right after an earlier fault's heal a ZooKeeper ensemble may
// still be electing (no server says it leads), which is no reason to give
// up the next fault. A refusal (ErrFaultUnsupported) is final at once.
func pickWhenReady(ctx context.Context, c cluster.Cluster, target string, withZK bool, active int32, img *cluster.Image, timeout time.Duration) ([]victim, targetView, error) {
	var vs []victim
	var view targetView
	var err error
	perr := pollUntil(ctx, timeout, func() bool {
		view = viewTargets(ctx, c, withZK, active, img)
		vs, err = pickVictims(target, view)
		return err == nil || errors.Is(err, cluster.ErrFaultUnsupported)
	})
	if err == nil && perr != nil {
		err = perr
	}
	if err != nil && !errors.Is(err, cluster.ErrFaultUnsupported) {
		err = fmt.Errorf("%w (still so after %v)", err, timeout)
	}
	return vs, view, err
}

// majority returns the first n/2+1 of ids (ordered by preference).
func majority(ids []int32, n int, store bool) []victim {
	var out []victim
	for _, id := range ids[:n/2+1] {
		out = append(out, victim{node: id, store: store})
	}
	return out
}

// viewTargets gathers what pickVictims needs: ZooKeeper servers' modes
// (asked with srvr, whitelisted in every ensemble this project starts) only
// when withZK is set (a store target is to be picked).
func viewTargets(ctx context.Context, c cluster.Cluster, withZK bool, active int32, img *cluster.Image) targetView {
	v := targetView{mode: c.Spec().Mode, active: active, image: img}
	for _, n := range c.Nodes() {
		switch {
		case n.Kind == cluster.NodeKindNode && slices.Contains(n.Roles, cluster.RoleController) && v.mode == cluster.ModeKRaft:
			v.controllers = append(v.controllers, n.ID)
		case n.Kind == cluster.NodeKindZooKeeper && withZK:
			mode, err := zkensemble.Srvr(ctx, n.Addr)
			if err != nil {
				mode = ""
			}
			v.zk = append(v.zk, zkServer{id: n.ID, mode: mode})
		}
	}
	slices.Sort(v.controllers)
	slices.SortFunc(v.zk, func(a, b zkServer) int { return int(a.id - b.id) })
	return v
}

// storeLeader returns the ZooKeeper server, other than those in lost, that
// says it leads the ensemble, or false.
func storeLeader(ctx context.Context, c cluster.Cluster, lost []victim) (int32, bool) {
	for _, n := range c.Nodes() {
		if n.Kind != cluster.NodeKindZooKeeper || slices.Contains(lost, victim{node: n.ID, store: true}) {
			continue
		}
		if mode, err := zkensemble.Srvr(ctx, n.Addr); err == nil && mode == "leader" {
			return n.ID, true
		}
	}
	return 0, false
}
