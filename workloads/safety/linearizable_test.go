package safety

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// w is a write on the history's clock, for hand-built histories.
type w struct {
	kind      Kind
	topic     string
	call, ret int64
	outcome   Outcome
}

// history builds a History from writes and final reads ("topic" -> present,
// at time at).
func history(ws []w, finals ...final) *History {
	h := NewHistory()
	for _, x := range ws {
		h.Add(Op{Kind: x.kind, Topic: x.topic, Call: x.call, Return: x.ret, Outcome: x.outcome})
	}
	for _, f := range finals {
		h.FinalRead(f.present, h.Time(f.at))
	}
	return h
}

type final struct {
	at      int64
	present map[string]bool
}

func present(at int64, topics ...string) final {
	f := final{at: at, present: map[string]bool{}}
	for _, t := range topics {
		f.present[t] = true
	}
	return f
}

func check(t *testing.T, h *History) *Report {
	t.Helper()
	rep, err := CheckLinearizable(h, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// A concurrent history a correct controller can produce passes, including
// answers only a client retry explains and unknown outcomes either way.
func TestLinearizableCorrectConcurrentHistory(t *testing.T) {
	h := history([]w{
		// a: a delete overlapping the create that it follows, then a re-create.
		{Create, "a", 0, 10, OK},
		{Delete, "a", 5, 15, OK},
		{Create, "a", 20, 30, OK},
		// b: two concurrent creates, one wins; the loser sees it.
		{Create, "b", 0, 50, OK},
		{Create, "b", 10, 20, Exists},
		// c: a delete that timed out and took effect.
		{Create, "c", 0, 5, OK},
		{Delete, "c", 6, 8, Unknown},
		// d: a create answered TOPIC_ALREADY_EXISTS by the client's retry of
		// its own silently committed first attempt.
		{Create, "d", 0, 40, Exists},
		// e: a delete whose retry found its own first attempt's work done.
		{Create, "e", 0, 1, OK},
		{Delete, "e", 2, 9, Absent},
	}, present(100, "a", "b", "d"))
	rep := check(t, h)
	if !rep.OK() || rep.Topics != 5 || rep.Ops != 15 || rep.Unknown != 1 || rep.FinalReads != 1 {
		t.Fatalf("%v", rep)
	}
	if v := CheckAcknowledged(h, map[string]bool{"a": true, "b": true, "d": true}); len(v) != 0 {
		t.Fatalf("acknowledged: %v", v)
	}
}

// The case the issue requires: an acknowledged create, then a final read
// without the topic. Named, drawn, and reported by both checks.
func TestLinearizableLostAcknowledgedCreate(t *testing.T) {
	h := history([]w{
		{Create, "kept", 0, 10, OK},
		{Create, "lost", 0, 10, OK},
	}, present(20, "kept"))
	rep := check(t, h)
	if rep.Result != NotLinearizable || rep.IllegalCount != 1 || len(rep.Illegal) != 1 || rep.Illegal[0] != "lost" {
		t.Fatalf("%v", rep)
	}
	if !strings.Contains(rep.String(), "not linearizable: lost") {
		t.Errorf("report: %s", rep)
	}
	path := filepath.Join(t.TempDir(), "viz", "lost.html")
	if err := rep.WriteVisualization(path); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(html), "final-read(lost)") || strings.Contains(string(html), "(kept)") {
		t.Fatalf("visualization (%v) does not show just the lost topic: %d bytes", err, len(html))
	}
	v := CheckAcknowledged(h, map[string]bool{"kept": true})
	if len(v) != 1 || v[0].Check != CheckLostCreate || v[0].Topic != "lost" {
		t.Fatalf("acknowledged: %v", v)
	}
}

// Two successful creates with no delete between them: illegal, whether the
// creates are sequential or concurrent; legal with a delete between.
func TestLinearizableDuplicateCreate(t *testing.T) {
	for name, c := range map[string]struct {
		ws   []w
		want Result
	}{
		"sequential": {[]w{{Create, "t", 0, 10, OK}, {Create, "t", 20, 30, OK}}, NotLinearizable},
		"concurrent": {[]w{{Create, "t", 0, 10, OK}, {Create, "t", 5, 15, OK}}, NotLinearizable},
		"delete between": {[]w{{Create, "t", 0, 10, OK}, {Delete, "t", 11, 12, OK}, {Create, "t", 20, 30, OK}},
			Linearizable},
		"delete concurrent with both": {[]w{{Create, "t", 0, 10, OK}, {Delete, "t", 0, 30, OK}, {Create, "t", 20, 30, OK}},
			Linearizable},
		"delete of an absent topic": {[]w{{Delete, "t", 0, 10, OK}}, NotLinearizable},
	} {
		t.Run(name, func(t *testing.T) {
			if rep := check(t, history(c.ws)); rep.Result != c.want {
				t.Fatalf("got %v, want %s", rep, c.want)
			}
		})
	}
}

// An unknown-outcome create may have happened or not: a final read with or
// without the topic is legal, and so is a later successful create (it did
// not happen first) or a later TOPIC_ALREADY_EXISTS (it did).
func TestLinearizableUnknownCreate(t *testing.T) {
	for name, c := range map[string]struct {
		ws    []w
		final final
		want  Result
	}{
		"absent at the end":  {[]w{{Create, "t", 0, 10, Unknown}}, present(20), Linearizable},
		"present at the end": {[]w{{Create, "t", 0, 10, Unknown}}, present(20, "t"), Linearizable},
		"then created":       {[]w{{Create, "t", 0, 10, Unknown}, {Create, "t", 20, 30, OK}}, present(40, "t"), Linearizable},
		"then exists":        {[]w{{Create, "t", 0, 10, Unknown}, {Create, "t", 20, 30, Exists}}, present(40, "t"), Linearizable},
		// A delete of unknown outcome may land after the create, even one
		// answered before the create was; a Rejected delete did nothing.
		"unknown delete may land late": {[]w{{Create, "t", 0, 10, OK}, {Delete, "t", 2, 3, Unknown}}, present(20), Linearizable},
		"rejected delete does nothing": {[]w{{Create, "t", 0, 10, OK}, {Delete, "t", 12, 13, Rejected}}, present(20), NotLinearizable},
		"exists proves it existed":     {[]w{{Create, "t", 0, 10, Exists}}, present(20), NotLinearizable},
		"absent proves it was gone":    {[]w{{Delete, "t", 0, 10, Absent}}, present(20, "t"), NotLinearizable},
	} {
		t.Run(name, func(t *testing.T) {
			if rep := check(t, history(c.ws, c.final)); rep.Result != c.want {
				t.Fatalf("got %v, want %s", rep, c.want)
			}
		})
	}
}

// A history too hard to decide in the time given comes back TimedOut,
// promptly, not as a verdict.
func TestLinearizableTimesOut(t *testing.T) {
	// 14 creates and 14 deletes of one topic, all concurrent, then a final
	// read no order can explain (they must alternate, so the topic ends
	// absent): the search must try every interleaving, about C(28,14)
	// states, before it can say so.
	var ws []w
	for i := range 14 {
		ws = append(ws, w{Create, "t", int64(i), 1000, OK}, w{Delete, "t", int64(i), 1000, OK})
	}
	start := time.Now()
	rep, err := CheckLinearizable(history(ws, present(2000, "t")), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result != TimedOut || rep.OK() {
		t.Fatalf("got %v, want timed-out", rep)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a 200ms check took %v", took)
	}
	if _, err := CheckLinearizable(history(ws), 0); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("zero timeout: %v", err)
	}
}

// Through Wrap, many goroutines writing a few topics on a correct (locked)
// cluster that sometimes times out before or after committing: the history
// passes both checks. The same cluster acknowledging a create it then drops
// fails them.
func TestChecksOnConcurrentRunsThroughWrap(t *testing.T) {
	run := func(f *fakeAdmin, loseTopic string) (*History, map[string]bool) {
		h := NewHistory()
		adm := Wrap(f, h)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 150 {
					topic := fmt.Sprintf("t%d", (g+i)%5)
					if (g+i)%2 == 0 {
						adm.CreateTopics(context.Background(), specs(topic))
					} else {
						adm.DeleteTopics(context.Background(), []string{topic})
					}
				}
			})
		}
		wg.Wait()
		if loseTopic != "" {
			f.lose[loseTopic] = true
			adm.DeleteTopics(context.Background(), []string{loseTopic})
			adm.CreateTopics(context.Background(), specs(loseTopic))
		}
		img, _ := adm.Metadata(context.Background())
		fin := Topics(img)
		h.FinalRead(fin, time.Now())
		return h, fin
	}

	f := newFakeAdmin(7)
	f.timeoutAfterCommit, f.timeoutBeforeCommit = 0.05, 0.05
	h, fin := run(f, "")
	rep := check(t, h)
	if !rep.OK() || rep.Ops != 8*150+5 || rep.Unknown == 0 {
		t.Fatalf("correct cluster: %v", rep)
	}
	if v := CheckAcknowledged(h, fin); len(v) != 0 {
		t.Fatalf("correct cluster: %v", v)
	}

	f = newFakeAdmin(8)
	h, fin = run(f, "t3")
	rep = check(t, h)
	if rep.Result != NotLinearizable || len(rep.Illegal) != 1 || rep.Illegal[0] != "t3" {
		t.Fatalf("lossy cluster: %v", rep)
	}
	if v := CheckAcknowledged(h, fin); len(v) != 1 || v[0].Topic != "t3" {
		t.Fatalf("lossy cluster: %v", v)
	}
}

// Reads through Wrap are kept out of the model: a broker answering with a
// stale image does not make a correct history illegal.
func TestStaleBrokerReadsAreNotChecked(t *testing.T) {
	f := newFakeAdmin(1)
	f.views = func(int32, int) (*cluster.Image, error) { return cluster.NewImage("stale"), nil }
	h := NewHistory()
	adm := Wrap(f, h)
	mustOK(t)(adm.CreateTopics(context.Background(), specs("x")))
	if img, _ := adm.BrokerView(context.Background(), 1); len(img.Topics) != 0 {
		t.Fatal("fake view not stale")
	}
	h.FinalRead(map[string]bool{"x": true}, time.Now())
	if rep := check(t, h); !rep.OK() || rep.Ops != 2 {
		t.Fatalf("%v", rep)
	}
}
