package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// Options tune the steps.
type Options struct {
	// Controllers is the size of the KRaft quorum Start adds (default 3).
	Controllers int
	// Timeout bounds each wait of a step (default 5 minutes).
	Timeout time.Duration
	// Event, when set, hears each part of a step as it completes, with how
	// long it took: "link brokers", "start controllers", "copy metadata",
	// "roll broker N", "finalize", "rollback ...".
	Event func(name string, took time.Duration)
}

func (o Options) withDefaults() Options {
	if o.Controllers <= 0 {
		o.Controllers = 3
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Event == nil {
		o.Event = func(string, time.Duration) {}
	}
	return o
}

func migrator(step string, c cluster.Cluster) (cluster.Migrator, error) {
	m, ok := c.(cluster.Migrator)
	if !ok {
		return nil, fmt.Errorf("%s: the %s provider's clusters cannot be migrated (no cluster.Migrator); use --provider local", step, c.Spec().Provider)
	}
	return m, nil
}

func brokerIDs(st State, mode string) []int32 {
	var out []int32
	for id, m := range st.Brokers {
		if mode == "" || m == mode {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Start begins the migration of a ZooKeeper-mode cluster, in the order of
// Kafka's guide: the KRaft controllers are started in migration mode, each
// broker is restarted with zookeeper.metadata.migration.enable=true and the
// voters (so it registers with them), and Start returns once the active
// controller has copied the metadata, dual-writes, and every ZooKeeper-mode
// broker follows it.
//
// The controllers copy once every broker in /brokers/ids has registered with
// them, so the copy may begin while the last broker restarts (it is then
// briefly missing from /brokers/ids); that broker gets the full metadata
// pushed when it registers again, as in Kafka.
func Start(ctx context.Context, c cluster.Cluster, o Options) error {
	o = o.withDefaults()
	st, err := readState(ctx, c, o)
	if err != nil {
		return err
	}
	if st.Phase != PhaseZK {
		return &StepError{"start", st.Phase, startRefusal(st.Phase)}
	}
	if down := brokerIDs(st, "down"); len(down) > 0 {
		return &StepError{"start", st.Phase, fmt.Sprintf("brokers %v do not answer; every broker must run to be migrated", down)}
	}
	m, err := migrator("start", c)
	if err != nil {
		return err
	}
	t := time.Now()
	if err := m.AddControllers(ctx, o.Controllers); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	o.Event("start controllers", time.Since(t))
	t = time.Now()
	for _, id := range brokerIDs(st, "") {
		if err := rollTo(ctx, c, m, id, cluster.StageZKMigration, o); err != nil {
			return fmt.Errorf("start: %w", err)
		}
	}
	o.Event("link brokers", time.Since(t))
	t = time.Now()
	if err := waitPhase(ctx, c, o, "start", PhaseDualWrite, PhaseKRaft); err != nil {
		return err
	}
	// The brokers follow the KRaft controller once its push reached them.
	err = waitNodes(ctx, c, o, "start: brokers taking the KRaft controller's metadata", func(st State, ns map[int32]cluster.Status) bool {
		for _, id := range brokerIDs(st, string(cluster.ModeZK)) {
			if ns[id].ActiveControllerID < 1000 {
				return false
			}
		}
		return true
	})
	o.Event("copy metadata", time.Since(t))
	return err
}

func startRefusal(p Phase) string {
	switch p {
	case PhaseKRaftOnly:
		return "the cluster runs in KRaft mode already; there is nothing to migrate"
	case PhaseFinalized:
		return "the migration is finalized already"
	}
	return "a migration is under way already; see kraftbench migrate status"
}

// Roll restarts ZooKeeper-mode brokers into KRaft mode one at a time (all
// of them when ids is empty), each once its predecessor is registered,
// unfenced and caught up with the log.
func Roll(ctx context.Context, c cluster.Cluster, ids []int32, o Options) error {
	o = o.withDefaults()
	st, err := readState(ctx, c, o)
	if err != nil {
		return err
	}
	switch st.Phase {
	case PhaseZK:
		return &StepError{"roll", st.Phase, "migration not started; run `kraftbench migrate start` first"}
	case PhasePre:
		return &StepError{"roll", st.Phase, "the KRaft controllers have not copied the metadata yet; wait until status says dual-write"}
	case PhaseKRaft:
		return &StepError{"roll", st.Phase, "every broker runs in KRaft mode already; next is `kraftbench migrate finalize`"}
	case PhaseFinalized, PhaseKRaftOnly:
		return &StepError{"roll", st.Phase, "nothing to roll: the cluster is in KRaft mode"}
	}
	zkBrokers := brokerIDs(st, string(cluster.ModeZK))
	if len(ids) == 0 {
		ids = zkBrokers
	}
	for _, id := range ids {
		if !slices.Contains(zkBrokers, id) {
			return &StepError{"roll", st.Phase, fmt.Sprintf("broker %d is not a ZooKeeper-mode broker (ZooKeeper-mode brokers: %v)", id, zkBrokers)}
		}
	}
	m, err := migrator("roll", c)
	if err != nil {
		return err
	}
	for _, id := range ids {
		t := time.Now()
		if err := rollTo(ctx, c, m, id, cluster.StageKRaftMigration, o); err != nil {
			return fmt.Errorf("roll: %w", err)
		}
		o.Event(fmt.Sprintf("roll broker %d", id), time.Since(t))
	}
	return nil
}

// Finalize ends the migration: each KRaft controller is restarted without
// zookeeper.metadata.migration.enable, and the active one then commits the
// end of dual writes. There is no rollback afterwards.
func Finalize(ctx context.Context, c cluster.Cluster, o Options) error {
	o = o.withDefaults()
	st, err := readState(ctx, c, o)
	if err != nil {
		return err
	}
	switch st.Phase {
	case PhaseZK:
		return &StepError{"finalize", st.Phase, "migration not started; run `kraftbench migrate start` first"}
	case PhasePre:
		return &StepError{"finalize", st.Phase, "the metadata has not been copied yet"}
	case PhaseDualWrite:
		return &StepError{"finalize", st.Phase, fmt.Sprintf("brokers %v still run in ZooKeeper mode; run `kraftbench migrate roll` first", brokerIDs(st, string(cluster.ModeZK)))}
	case PhaseFinalized, PhaseKRaftOnly:
		return &StepError{"finalize", st.Phase, "already finalized"}
	}
	m, err := migrator("finalize", c)
	if err != nil {
		return err
	}
	t := time.Now()
	for _, id := range st.Controllers {
		if err := m.Reconfigure(ctx, id, cluster.StageController); err != nil {
			return fmt.Errorf("finalize: %w", err)
		}
		// Keep a majority: the next controller restarts once a leader is back.
		if err := waitNodes(ctx, c, o, fmt.Sprintf("finalize: quorum after restarting controller %d", id), func(_ State, ns map[int32]cluster.Status) bool {
			s, ok := ns[id]
			return ok && s.ActiveControllerID >= 0
		}); err != nil {
			return err
		}
	}
	if err := waitPhase(ctx, c, o, "finalize", PhaseFinalized); err != nil {
		return err
	}
	o.Event("finalize", time.Since(t))
	return nil
}

// Rollback returns the cluster to ZooKeeper mode before it is finalized:
// KRaft brokers are restarted as ZooKeeper-mode brokers still linked to the
// quorum (so the dual writes keep ZooKeeper complete), the controllers are
// stopped once ZooKeeper holds the whole log, /controller is freed so the
// brokers elect a ZooKeeper-mode controller (which reloads everything from
// ZooKeeper), and the brokers are restarted without the migration settings.
func Rollback(ctx context.Context, c cluster.Cluster, o Options) error {
	o = o.withDefaults()
	st, err := readState(ctx, c, o)
	if err != nil {
		return err
	}
	switch st.Phase {
	case PhaseZK:
		return &StepError{"rollback", st.Phase, "migration not started: nothing to roll back"}
	case PhaseFinalized, PhaseKRaftOnly:
		return &StepError{"rollback", st.Phase, "the migration is finalized: ZooKeeper no longer has the metadata, so there is no rollback"}
	}
	m, err := migrator("rollback", c)
	if err != nil {
		return err
	}
	t := time.Now()
	for _, id := range brokerIDs(st, string(cluster.ModeKRaft)) {
		if err := rollTo(ctx, c, m, id, cluster.StageZKMigration, o); err != nil {
			return fmt.Errorf("rollback: %w", err)
		}
	}
	o.Event("rollback brokers to zk", time.Since(t))
	t = time.Now()
	if st.Phase != PhasePre {
		if err := waitNodes(ctx, c, o, "rollback: ZooKeeper catching up with the log", func(st State, _ map[int32]cluster.Status) bool {
			return st.ZKSyncedOffset >= st.MetadataOffset-1 && st.MetadataOffset > 0
		}); err != nil {
			return err
		}
	}
	if err := m.RemoveControllers(ctx); err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, o.Timeout)
	err = zkmeta.ReleaseController(rctx, m.ZKConnect())
	cancel()
	if err != nil {
		return fmt.Errorf("rollback: free /controller: %w", err)
	}
	if err := waitNodes(ctx, c, o, "rollback: a ZooKeeper-mode controller elected", func(st State, ns map[int32]cluster.Status) bool {
		for _, s := range ns {
			if s.Active && s.Mode == cluster.ModeZK {
				return true
			}
		}
		return false
	}); err != nil {
		return err
	}
	o.Event("rollback controller", time.Since(t))
	t = time.Now()
	st, err = readState(ctx, c, o)
	if err != nil {
		return err
	}
	for _, id := range brokerIDs(st, "") {
		if err := rollTo(ctx, c, m, id, cluster.StageZK, o); err != nil {
			return fmt.Errorf("rollback: %w", err)
		}
	}
	o.Event("rollback unlink brokers", time.Since(t))
	return nil
}

// rollTo restarts broker id with stage's configuration and waits until it
// runs in that mode, registered (and, in KRaft mode, unfenced and caught up
// with the active controller's offset at restart time). A ZooKeeper-mode
// broker is back once it serves the metadata every other broker serves, as a
// careful rolling restart waits for a broker to catch up before restarting
// the next: restarting the next one sooner (the controller, say) can leave a
// broker that has no metadata yet to win the controller election and answer
// clients from an empty cache (topics unknown, no brokers to place on).
func rollTo(ctx context.Context, c cluster.Cluster, m cluster.Migrator, id int32, stage cluster.NodeStage, o Options) error {
	if err := m.Reconfigure(ctx, id, stage); err != nil {
		return err
	}
	want := cluster.ModeZK
	if stage == cluster.StageKRaftMigration {
		want = cluster.ModeKRaft
	}
	return waitNodes(ctx, c, o, fmt.Sprintf("broker %d running as %s", id, stage), func(_ State, ns map[int32]cluster.Status) bool {
		s, ok := ns[id]
		if !ok || s.Mode != want || !s.Registered || s.Fenced {
			return false
		}
		return want == cluster.ModeKRaft || brokersAgree(ns)
	})
}

// brokersAgree reports whether every broker that answered serves one digest.
func brokersAgree(ns map[int32]cluster.Status) bool {
	digest := ""
	for _, s := range ns {
		if !s.HasRole(cluster.RoleBroker) {
			continue
		}
		if digest == "" {
			digest = s.Digest
		}
		if s.Digest == "" || s.Digest != digest {
			return false
		}
	}
	return true
}

// readState is ReadState retried every 100 ms, up to o.Timeout, while the
// nodes do not tell the phase (no KRaft controller answered): a step must not
// judge the phase from a moment when the machine was too busy to answer.
func readState(ctx context.Context, c cluster.Cluster, o Options) (State, error) {
	rctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	for {
		st, err := ReadState(rctx, c)
		if err == nil || !errors.Is(err, errStateUnknown) {
			return st, err
		}
		select {
		case <-rctx.Done():
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			return st, fmt.Errorf("%w (for %v)", err, o.Timeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitPhase waits until the cluster is in one of phases.
func waitPhase(ctx context.Context, c cluster.Cluster, o Options, step string, phases ...Phase) error {
	return waitNodes(ctx, c, o, fmt.Sprintf("%s: phase %v", step, phases), func(st State, _ map[int32]cluster.Status) bool {
		return slices.Contains(phases, st.Phase)
	})
}

// waitNodes polls the state and the node statuses until ok, or o.Timeout.
func waitNodes(ctx context.Context, c cluster.Cluster, o Options, what string, ok func(State, map[int32]cluster.Status) bool) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	for {
		st, err := ReadState(ctx, c)
		ns := map[int32]cluster.Status{}
		if err == nil {
			for _, n := range c.Nodes() {
				if n.Kind != "node" {
					continue
				}
				sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
				if s, err := c.Status(sctx, n.ID); err == nil {
					ns[n.ID] = s
				}
				scancel()
			}
			if ok(st, ns) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("waiting for %s: not reached within %v (last state: %s)", what, o.Timeout, st.Phase)
			}
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
