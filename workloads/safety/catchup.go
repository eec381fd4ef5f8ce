package safety

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// Statuses is what CatchUp asks the cluster: cluster.Cluster has it.
type Statuses interface {
	Nodes() []cluster.NodeInfo
	Status(ctx context.Context, id int32) (cluster.Status, error)
}

// CaughtUp is how the brokers reached the controller's image.
type CaughtUp struct {
	// Target is the offset of the active KRaft controller's image when
	// CatchUp began, and Controller that controller; both 0 when no broker
	// named runs in KRaft mode (nothing to wait for).
	Target     int64
	Controller int32
	// Took is how long until every broker served Target or later.
	Took time.Duration
}

// CatchUp waits until every KRaft-mode broker named serves an image at
// least as new as the image the active KRaft controller held when CatchUp
// began. Call it after every write returned and before Converge, whose
// agreement alone does not make a final read in KRaft mode.
//
// Why: a KRaft controller acknowledges a write once it is committed, and no
// broker need have it then. In Kafka 3.9 a broker's fetch that finds nothing
// new is parked and completed only when the leader's log grows
// (KafkaRaftClient.handleFetchRequest and updateLeaderEndOffsetAndTimestamp;
// onUpdateLeaderHighWatermark completes no fetch), so a commit reaches the
// brokers with the next append: on an idle quorum the periodic NoOpRecord,
// up to metadata.max.idle.interval.ms plus the linger (525 ms) later. Until
// then every broker agrees, round after round, on an image without the
// last acknowledged writes, and Converge's two rounds are 100 ms apart.
// The active controller's image holds every write it acknowledged (it
// answers once the write is applied), and a new active controller's holds
// every committed one, so once each broker reached that offset, every
// acknowledged write is in what they serve.
//
// ZooKeeper-mode brokers are not waited for: a ZooKeeper-mode controller
// answers a write once its own broker applied the UpdateMetadata carrying
// it (DelayedCreatePartitions, DelayedDeleteTopics), so brokers that agree
// with that broker have it too; their offsets count pushes and are not
// comparable across brokers anyway.
func CatchUp(ctx context.Context, c Statuses, brokers []int32, timeout time.Duration) (CaughtUp, error) {
	if len(brokers) == 0 {
		return CaughtUp{}, errors.New("catch up: no brokers given")
	}
	if timeout <= 0 {
		return CaughtUp{}, fmt.Errorf("catch up: timeout must be positive, got %v", timeout)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		out    CaughtUp
		found  bool
		behind []string // the last round's brokers short of Target
	)
	for {
		if !found {
			kraft, err := anyKRaft(ctx, c, brokers)
			if err == nil && !kraft {
				return CaughtUp{}, nil
			}
			if err == nil {
				out.Controller, out.Target, found = activeKRaft(ctx, c)
			}
			if !found {
				behind = []string{"no active KRaft controller answered"}
			}
		}
		if found {
			behind = brokersBehind(ctx, c, brokers, out.Target)
			if len(behind) == 0 {
				out.Took = time.Since(start)
				return out, nil
			}
		}
		select {
		case <-ctx.Done():
			return out, fmt.Errorf("brokers did not catch up with the active KRaft controller's image (offset %d on node %d) within %v: %s",
				out.Target, out.Controller, timeout, strings.Join(behind, "; "))
		case <-time.After(convergePoll):
		}
	}
}

// anyKRaft reports whether any of the brokers runs in KRaft mode; an error
// when none of them answered.
func anyKRaft(ctx context.Context, c Statuses, brokers []int32) (bool, error) {
	var errs []error
	for _, b := range brokers {
		st, err := status(ctx, c, b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if st.Mode == cluster.ModeKRaft {
			return true, nil
		}
	}
	if len(errs) == len(brokers) {
		return false, errors.Join(errs...)
	}
	return false, nil
}

// activeKRaft returns the node that says it is the active KRaft controller
// and the offset of its image.
func activeKRaft(ctx context.Context, c Statuses) (int32, int64, bool) {
	for _, n := range c.Nodes() {
		if n.Kind != "node" {
			continue
		}
		st, err := status(ctx, c, n.ID)
		if err == nil && st.Mode == cluster.ModeKRaft && st.Active {
			return n.ID, st.MetadataOffset, true
		}
	}
	return 0, 0, false
}

// brokersBehind describes each KRaft broker whose image is older than
// target, or that did not answer.
func brokersBehind(ctx context.Context, c Statuses, brokers []int32, target int64) []string {
	var out []string
	for _, b := range brokers {
		st, err := status(ctx, c, b)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("broker %d: %v", b, err))
		case st.Mode == cluster.ModeKRaft && st.MetadataOffset < target:
			out = append(out, fmt.Sprintf("broker %d serves offset %d", b, st.MetadataOffset))
		}
	}
	return out
}

func status(ctx context.Context, c Statuses, id int32) (cluster.Status, error) {
	sctx, cancel := context.WithTimeout(ctx, convergeRound)
	defer cancel()
	return c.Status(sctx, id)
}
