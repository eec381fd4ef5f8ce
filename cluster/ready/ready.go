// Package ready decides when a started cluster is ready and how long each
// start-up phase took, the same way for every provider.
//
// A cluster is ready when (1) its metadata store answers (ZooKeeper quorum or
// a Raft leader), (2) a controller is active and every node agrees on which,
// (3) every broker is registered and unfenced, and (4) every broker serves the
// same image digest. Phases are timed from the moment the provider began
// starting processes, on one clock.
package ready

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// FetchStatus asks a node's HTTP status endpoint (kraftbench.status.listener)
// for its cluster.Status.
func FetchStatus(ctx context.Context, addr string) (cluster.Status, error) {
	var st cluster.Status
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/status", nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("status of %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("status of %s: HTTP %d", addr, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("status of %s: %w", addr, err)
	}
	return st, nil
}

// Interval is how often Wait polls every node: a phase is marked with the
// first round that shows it, so it may lag the true moment by up to one
// interval plus one round (workloads state the round's measured cost in
// their results' resolution).
const Interval = 50 * time.Millisecond

// Check is one observation of every node, as a readiness poll sees it.
type Check struct {
	Statuses map[int32]cluster.Status
	Errs     map[int32]error
}

// Poller returns the status of every node in one round.
type Poller func(ctx context.Context) Check

// Wait polls until the cluster is ready or ctx ends, recording each phase
// the first time it holds. storeReady, when non-nil, is called until it
// returns nil to mark the store phase (a provider knows its store best);
// otherwise the store counts as ready when a controller is active.
func Wait(ctx context.Context, start time.Time, poll Poller, storeReady func(context.Context) error) ([]cluster.Phase, error) {
	var phases []cluster.Phase
	have := map[cluster.PhaseName]bool{}
	mark := func(name cluster.PhaseName) {
		if !have[name] {
			have[name] = true
			phases = append(phases, cluster.Phase{Name: name, After: time.Since(start)})
		}
	}
	tick := time.NewTicker(Interval)
	defer tick.Stop()
	var last string
	for {
		if !have[cluster.PhaseStoreReady] && storeReady != nil && storeReady(ctx) == nil {
			mark(cluster.PhaseStoreReady)
		}
		c := poll(ctx)
		why := evaluate(c, mark, storeReady == nil || have[cluster.PhaseStoreReady])
		if why == "" {
			return phases, nil
		}
		last = why
		select {
		case <-ctx.Done():
			return phases, fmt.Errorf("%w: %s: %w", ErrNotReady, last, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// evaluate marks the phases that hold in c (in order) and returns why the
// cluster is not ready yet, or "" when it is.
func evaluate(c Check, mark func(cluster.PhaseName), storeOK bool) string {
	if !storeOK {
		return "metadata store not ready"
	}
	if len(c.Errs) > 0 {
		return "unreachable: " + describeErrs(c.Errs)
	}
	active := map[int32]bool{}
	var activeCount int
	for _, s := range c.Statuses {
		active[s.ActiveControllerID] = true
		if s.Active {
			activeCount++
		}
	}
	if activeCount != 1 || len(active) != 1 || active[-1] {
		return fmt.Sprintf("controller: %d nodes active, views %v", activeCount, keys(active))
	}
	mark(cluster.PhaseStoreReady)
	mark(cluster.PhaseControllerActive)
	digests := map[string]bool{}
	brokers := 0
	for id, s := range c.Statuses {
		if !s.HasRole(cluster.RoleBroker) {
			continue
		}
		if !s.Registered || s.Fenced {
			return fmt.Sprintf("broker %d registered=%v fenced=%v", id, s.Registered, s.Fenced)
		}
		digests[s.Digest] = true
		brokers++
	}
	mark(cluster.PhaseBrokersRegistered)
	// Every broker must serve every broker: until the first UpdateMetadata
	// (or metadata record) reaches them, all brokers serve the same empty
	// image, one digest without a single broker, and a Metadata answer
	// would list none. Only a status without the count (nil: the docker
	// provider's tests run a fake node that serves a bare /status) is
	// judged on its digest alone; a count of 0 is an image without brokers.
	for id, s := range c.Statuses {
		if s.HasRole(cluster.RoleBroker) && s.LiveBrokers != nil && *s.LiveBrokers != brokers {
			return fmt.Sprintf("broker %d serves %d live brokers of %d", id, *s.LiveBrokers, brokers)
		}
	}
	if len(digests) != 1 {
		return fmt.Sprintf("brokers serve %d different image digests", len(digests))
	}
	mark(cluster.PhaseMetadataLoaded)
	return ""
}

func describeErrs(errs map[int32]error) string {
	var parts []string
	for id, err := range errs {
		parts = append(parts, fmt.Sprintf("node %d: %v", id, err))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

func keys(m map[int32]bool) []int32 {
	return slices.Sorted(maps.Keys(m))
}

// HTTPPoller polls each node's status endpoint; addrs maps node id to the
// status address reachable from the caller.
func HTTPPoller(addrs map[int32]string) Poller {
	return func(ctx context.Context) Check {
		c := Check{Statuses: map[int32]cluster.Status{}, Errs: map[int32]error{}}
		type res struct {
			id  int32
			st  cluster.Status
			err error
		}
		ch := make(chan res, len(addrs))
		for id, a := range addrs {
			go func() {
				pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				st, err := FetchStatus(pctx, a)
				ch <- res{id, st, err}
			}()
		}
		for range addrs {
			r := <-ch
			if r.err != nil {
				c.Errs[r.id] = r.err
			} else {
				c.Statuses[r.id] = r.st
			}
		}
		if len(c.Errs) == 0 {
			c.Errs = nil
		}
		return c
	}
}

// ErrNotReady is wrapped by Wait's error when the cluster did not become
// ready in time.
var ErrNotReady = errors.New("cluster not ready")

// WithStorePhase returns phases with the store phase set to at: for a
// provider that times its store (a ZooKeeper quorum answering) itself rather
// than inferring it from an active controller.
func WithStorePhase(phases []cluster.Phase, at time.Duration) []cluster.Phase {
	out := []cluster.Phase{{Name: cluster.PhaseStoreReady, After: at}}
	for _, p := range phases {
		if p.Name != cluster.PhaseStoreReady {
			out = append(out, p)
		}
	}
	return out
}
