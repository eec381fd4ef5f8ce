package workloads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// FloorOp is the op name of a store-floor sample, the same for both modes so
// the comparison puts them side by side: a bare ZooKeeper create on the
// cluster's ensemble, or a commit through the KRaft controller's append
// linger on the cluster's quorum (the floor of a write as Kafka makes it).
const FloorOp = metrics.FloorOp

// FloorRawOp is KRaft mode's bare Raft commit, without the linger.
const FloorRawOp = metrics.FloorRawOp

// floor measures only the store's floor (see measureFloor).
type floor struct{ samples int }

func newFloor(p Params) (Workload, error) {
	r := p.reader()
	w := &floor{samples: r.int("samples", 500, 1, 1_000_000)}
	return w, r.done("floor")
}

func (w *floor) Name() string { return "floor" }

func (w *floor) Run(ctx context.Context, env *Env) (Outcome, error) {
	note, err := measureFloor(ctx, env, w.samples)
	return Outcome{Params: map[string]string{"samples": strconv.Itoa(w.samples)}, Notes: []string{note}}, err
}

// measureFloor records n samples of the raw cost of the cluster's metadata
// store, in the same run as the workload, so its figures can be read as
// ratios to it:
//
//   - ZooKeeper mode: a create of a 100-byte persistent znode on the
//     cluster's own ensemble, from this process over loopback, as the
//     controller's writes go (removed afterwards).
//   - KRaft mode: one NoOpRecord committed by the active controller
//     through its accumulator, so after the append linger
//     (controller.quorum.append.linger.ms) that every Kafka controller write
//     waits (op FloorOp), and one committed bare through Raft (one fsynced
//     append on a majority, op FloorRawOp), alternately; both timed inside
//     the controller, so without the client's hop. Ratios to FloorOp show
//     the harness's overhead over Kafka's own path.
//
// A cluster that cannot give its store to time (cluster.NeedStoreFloor: an
// external one) is refused with an error wrapping cluster.ErrUnavailable.
func measureFloor(ctx context.Context, env *Env, n int) (string, error) {
	if err := cluster.CanMeet(env.Cluster, cluster.NeedStoreFloor); err != nil {
		return "floor: not measured: " + err.Error(), fmt.Errorf("floor: %w", err)
	}
	switch env.Cluster.Spec().Mode {
	case cluster.ModeZK:
		return "floor: bare ZooKeeper create (100 bytes, persistent) on the cluster's ensemble, timed at the client", zkFloor(ctx, env, n)
	case cluster.ModeKRaft:
		return "floor: a NoOpRecord committed through the active controller's append linger; floor_raw: a bare Raft commit of one; both on the cluster's quorum, timed inside the active controller", raftFloor(ctx, env, n)
	}
	return "", fmt.Errorf("floor: unknown mode %q", env.Cluster.Spec().Mode)
}

func zkFloor(ctx context.Context, env *Env, n int) error {
	var addrs []string
	for _, node := range env.Cluster.Nodes() {
		if node.Kind == "zookeeper" {
			addrs = append(addrs, node.Addr)
		}
	}
	if len(addrs) == 0 {
		return errors.New("floor: the cluster lists no ZooKeeper server")
	}
	conn, _, err := zk.Connect(addrs, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		return fmt.Errorf("floor: connect to zookeeper: %w", err)
	}
	defer conn.Close()
	root := "/kraftbench-floor-" + env.RunID
	if _, err := conn.Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		return fmt.Errorf("floor: create %s: %w", root, err)
	}
	data := make([]byte, 100)
	var made []string
	for i := 0; i < n && ctx.Err() == nil; i++ {
		p := fmt.Sprintf("%s/%d", root, i)
		err := timed(env.Rec, FloorOp, func() error {
			_, err := conn.Create(p, data, 0, zk.WorldACL(zk.PermAll))
			return err
		})
		if err == nil {
			made = append(made, p)
		}
	}
	for _, p := range made {
		conn.Delete(p, -1)
	}
	conn.Delete(root, -1)
	return ctx.Err()
}

func raftFloor(ctx context.Context, env *Env, n int) error {
	addr, err := activeControllerStatus(ctx, env.Cluster)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		for _, f := range []struct{ op, path string }{{FloorOp, "/floor/append"}, {FloorRawOp, "/floor/commit"}} {
			d, err := floorCommit(ctx, client, addr, f.path)
			end := time.Now()
			env.Rec.Record(metrics.Sample{Op: f.op, Start: end.Add(-d), End: end, Err: err})
		}
	}
	return ctx.Err()
}

// activeControllerStatus finds the status address of the active controller.
func activeControllerStatus(ctx context.Context, c cluster.Cluster) (string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, n := range c.Nodes() {
			if n.Kind != "node" {
				continue
			}
			st, err := c.Status(ctx, n.ID)
			if err == nil && st.Active {
				return n.StatusAddr, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return "", errors.New("floor: no active controller found within 30s")
}

// floorCommit asks a node's status listener for one floor sample: path is
// /floor/append (through the append linger) or /floor/commit (bare).
func floorCommit(ctx context.Context, client *http.Client, addr, path string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		CommitNs int64  `json:"commit_ns"`
		Error    string `json:"error"`
		Code     int16  `json:"code"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("floor commit answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, &cluster.Error{Code: body.Code, Message: body.Error}
	}
	return time.Duration(body.CommitNs), nil
}
