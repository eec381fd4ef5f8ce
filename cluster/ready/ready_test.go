package ready

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func broker(id, active int32, digest string) cluster.Status {
	return cluster.Status{NodeID: id, Roles: []cluster.Role{cluster.RoleBroker}, ActiveControllerID: active,
		Active: id == active, Registered: true, Digest: digest, LiveBrokers: count(3)}
}

func TestWaitRecordsPhasesInOrderAndReturnsWhenReady(t *testing.T) {
	var round atomic.Int32
	poll := func(context.Context) Check {
		r := round.Add(1)
		st := map[int32]cluster.Status{1: broker(1, 1, "a"), 2: broker(2, 1, "a"), 3: broker(3, 1, "a")}
		switch {
		case r < 3:
			st[2] = broker(2, -1, "") // no controller yet
		case r < 5:
			s := st[3]
			s.Fenced = true
			st[3] = s
		case r < 7:
			st[3] = broker(3, 1, "b") // lagging image
		case r < 9:
			for id, s := range st { // one digest, but without broker 3 yet
				s.LiveBrokers = count(2)
				st[id] = s
			}
		}
		return Check{Statuses: st}
	}
	phases, err := Wait(context.Background(), time.Now(), poll, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range phases {
		names = append(names, string(p.Name))
	}
	want := "store_ready,controller_active,brokers_registered,metadata_loaded"
	if strings.Join(names, ",") != want {
		t.Fatalf("phases %v, want %s", names, want)
	}
	for i := 1; i < len(phases); i++ {
		if phases[i].After < phases[i-1].After {
			t.Fatalf("phases out of order: %+v", phases)
		}
	}
}

func TestWaitSaysWhyWhenNotReady(t *testing.T) {
	poll := func(context.Context) Check {
		return Check{Statuses: map[int32]cluster.Status{1: broker(1, 1, "a")}, Errs: map[int32]error{2: errors.New("connection refused")}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Wait(ctx, time.Now(), poll, nil)
	if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "node 2: connection refused") {
		t.Fatalf("err %v", err)
	}
}

func TestHTTPPollerReadsStatusEndpoints(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/status" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(broker(7, 7, "d"))
	}))
	defer srv.Close()
	c := HTTPPoller(map[int32]string{7: strings.TrimPrefix(srv.URL, "http://"), 8: "127.0.0.1:1"})(context.Background())
	if c.Statuses[7].Digest != "d" || !c.Statuses[7].Active || c.Errs[8] == nil {
		t.Fatalf("check %+v", c)
	}
}

func TestWithStorePhaseReplacesTheInferredOne(t *testing.T) {
	in := []cluster.Phase{{Name: cluster.PhaseStoreReady, After: 5}, {Name: cluster.PhaseControllerActive, After: 5}, {Name: cluster.PhaseMetadataLoaded, After: 9}}
	got := WithStorePhase(in, 2)
	if len(got) != 3 || got[0] != (cluster.Phase{Name: cluster.PhaseStoreReady, After: 2}) || got[1].Name != cluster.PhaseControllerActive || got[2].After != 9 {
		t.Fatalf("got %+v", got)
	}
}

// Brokers that agree on one digest are not ready while it lacks a broker
// that registered: its UpdateMetadata (or registration record) is still on
// the way.
func TestNotReadyWhileAnImageLacksABroker(t *testing.T) {
	st := map[int32]cluster.Status{1: broker(1, 1, "a"), 2: broker(2, 1, "a"), 3: broker(3, 1, "a")}
	for id, s := range st {
		s.LiveBrokers = count(2)
		st[id] = s
	}
	why := evaluate(Check{Statuses: st}, func(cluster.PhaseName) {}, true)
	if !strings.Contains(why, "live brokers of 3") {
		t.Fatalf("evaluate = %q, want a broker missing from the image", why)
	}
}

func count(n int) *int { return &n }

// Until the first UpdateMetadata (or metadata record) reaches them, every
// broker serves the same empty image: one digest, with no broker in it. A
// Metadata answer then lists no broker, so the cluster is not ready.
func TestNotReadyWhileImagesHoldNoBroker(t *testing.T) {
	empty := cluster.NewImage("").Digest()
	st := map[int32]cluster.Status{1: broker(1, 1, empty), 2: broker(2, 1, empty), 3: broker(3, 1, empty)}
	for id, s := range st {
		s.LiveBrokers = count(0)
		st[id] = s
	}
	why := evaluate(Check{Statuses: st}, func(cluster.PhaseName) {}, true)
	if !strings.Contains(why, "0 live brokers of 3") {
		t.Fatalf("evaluate = %q, want brokers serving an image without brokers", why)
	}
}

// A status without the count (the docker provider's fake node) is judged on
// its digest alone.
func TestReadyOnDigestWithoutACount(t *testing.T) {
	st := map[int32]cluster.Status{1: broker(1, 1, "fake"), 2: broker(2, 1, "fake"), 3: broker(3, 1, "fake")}
	for id, s := range st {
		s.LiveBrokers = nil
		st[id] = s
	}
	if why := evaluate(Check{Statuses: st}, func(cluster.PhaseName) {}, true); why != "" {
		t.Fatalf("evaluate = %q, want ready", why)
	}
}
