package workloads

import (
	"context"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// injectFault puts a fault of kind on node and records its window on the
// run's clock (target says what the node was to the run: "controller", the
// active one, or "broker"). It returns the provider's record and heal, which
// undoes the fault where it has an undo (a killed or stopped node started
// again, a paused one resumed, a partition healed), bounded to 2 minutes even
// after ctx ended, and closes the window. Only heal's first call acts; later
// ones return its error.
func injectFault(ctx context.Context, env *Env, kind cluster.FaultKind, target string, node int32) (*cluster.FaultRecord, func() error, error) {
	return injectOn(ctx, env, kind, target, victim{node: node})
}

// injectOn is injectFault on a victim, which may be a ZooKeeper server (its
// window's node is then named as cluster.ZooKeeperName names it).
func injectOn(ctx context.Context, env *Env, kind cluster.FaultKind, target string, v victim) (*cluster.FaultRecord, func() error, error) {
	fi := env.Rec.FaultStarted(string(kind), target, v.label(), time.Now())
	rec, err := env.Cluster.Fault(ctx, cluster.Fault{Kind: kind, Node: v.node, Store: v.store})
	if err != nil {
		env.Rec.FaultEnded(fi, time.Now())
		return nil, nil, err
	}
	var once sync.Once
	var healErr error
	heal := func() error {
		once.Do(func() {
			if rec.Undo != nil {
				hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
				defer cancel()
				healErr = rec.Undo(hctx)
			}
			env.Rec.FaultEnded(fi, time.Now())
		})
		return healErr
	}
	return rec, heal, nil
}
