package metrics

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/twmb/franz-go/pkg/kerr"
)

func TestRecorderSummarisesLatenciesAndCountsErrorsByCode(t *testing.T) {
	base := time.Unix(1000, 0)
	r := NewRecorder(RecorderOptions{Base: base})
	for i := 1; i <= 100; i++ {
		st := base.Add(time.Duration(i) * time.Millisecond)
		r.Record(Sample{Op: "create", Start: st, End: st.Add(time.Duration(i) * time.Millisecond)})
	}
	r.Record(Sample{Op: "create", Start: base, End: base.Add(time.Second), Err: cluster.Errorf(kerr.TopicAlreadyExists, "x")})
	r.Record(Sample{Op: "create", Start: base, End: base.Add(time.Second), Err: kerr.NotController})
	r.Record(Sample{Op: "create", Start: base, End: base.Add(time.Second), Err: errors.New("connection reset")})
	res, err := r.Results()
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Op != "create" {
		t.Fatalf("ops %+v", res)
	}
	l := res[0].Latency
	if l.Count != 100 || l.Errors != 3 {
		t.Fatalf("count %d errors %d, want 100 and 3", l.Count, l.Errors)
	}
	for _, name := range []string{"TOPIC_ALREADY_EXISTS", "NOT_CONTROLLER", "UNKNOWN_SERVER_ERROR"} {
		if l.ErrorsByCode[name] != 1 {
			t.Errorf("errors by code %v lack %s", l.ErrorsByCode, name)
		}
	}
	within := func(got int64, want time.Duration) bool {
		d := float64(got) - float64(want)
		return d >= -0.001*float64(want) && d <= 0.001*float64(want)
	}
	if !within(l.P50Ns, 50*time.Millisecond) || !within(l.P99Ns, 99*time.Millisecond) || !within(l.MaxNs, 100*time.Millisecond) {
		t.Fatalf("percentiles off: %s", l)
	}
	h, err := res[0].DecodeHistogram()
	if err != nil || h.TotalCount() != 100 {
		t.Fatalf("decoded histogram: %v, %v", h, err)
	}
}

func TestWarmupSamplesAreSkippedAndCounted(t *testing.T) {
	base := time.Unix(0, 0)
	r := NewRecorder(RecorderOptions{Base: base, Warmup: time.Second})
	r.Record(Sample{Op: "op", Start: base.Add(500 * time.Millisecond), End: base.Add(600 * time.Millisecond)})
	r.Record(Sample{Op: "op", Start: base.Add(1500 * time.Millisecond), End: base.Add(1600 * time.Millisecond)})
	res, _ := r.Results()
	if res[0].Latency.Count != 1 || res[0].WarmupSkipped != 1 {
		t.Fatalf("count %d skipped %d, want 1 and 1", res[0].Latency.Count, res[0].WarmupSkipped)
	}
}

func TestOpenLoopLatencyIsMeasuredFromIntendedStart(t *testing.T) {
	// The schedule wanted the call at t=0; it went out at t=90ms (the driver
	// was stuck behind a slow call) and took 10ms. Coordinated omission
	// correction reports 100ms, not 10ms.
	base := time.Unix(0, 0)
	r := NewRecorder(RecorderOptions{Base: base})
	r.Record(Sample{Op: "op", Intended: base, Start: base.Add(90 * time.Millisecond), End: base.Add(100 * time.Millisecond)})
	res, _ := r.Results()
	if got := time.Duration(res[0].Latency.MaxNs); got < 99*time.Millisecond {
		t.Fatalf("latency %v, want ~100ms measured from the intended start", got)
	}
}

func TestRecorderIsSafeForConcurrentUse(t *testing.T) {
	r := NewRecorder(RecorderOptions{Timeline: true})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				now := time.Now()
				r.Record(Sample{Op: "op", Start: now, End: now.Add(time.Microsecond)})
			}
		}()
	}
	wg.Wait()
	res, _ := r.Results()
	if res[0].Latency.Count != 8000 || len(res[0].Timeline) != 8000 {
		t.Fatalf("count %d timeline %d, want 8000", res[0].Latency.Count, len(res[0].Timeline))
	}
}

func TestResultFilesRoundTrip(t *testing.T) {
	base := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	r := NewRecorder(RecorderOptions{Base: base})
	for i := 1; i <= 10; i++ {
		r.Record(Sample{Op: "create", Start: base, End: base.Add(time.Duration(i) * time.Millisecond)})
	}
	ops, _ := r.Results()
	res := &Result{Schema: SchemaVersion, Workload: "topics", Mode: "kraft", Provider: "local", Seed: 7,
		Started: base, Finished: base.Add(time.Second), Machine: ReadMachine(), Ops: ops}
	dir := t.TempDir()
	paths, err := res.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 || filepath.Base(paths[0]) != "topics-kraft-20261124T120000.000Z.json" {
		t.Fatalf("paths %v", paths)
	}
	back, err := ReadResult(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	o, ok := back.Op("create")
	if !ok || o.Latency.Count != 10 || back.Seed != 7 || back.Machine.Cores == 0 {
		t.Fatalf("round trip lost data: %+v", back)
	}
	bench, _ := os.ReadFile(paths[2])
	if !strings.Contains(string(bench), "BenchmarkTopics/mode=kraft/op=create 10 ") {
		t.Fatalf("bench lines:\n%s", bench)
	}
	hlog, _ := os.ReadFile(paths[1])
	if !strings.Contains(string(hlog), "Tag=create,") {
		t.Fatalf("hlog lacks the tagged interval:\n%s", hlog)
	}
}

// The .hlog a result writes reads back, with any HdrHistogram log reader,
// into the same histograms, one interval per op tagged with its name.
func TestHlogReadsBack(t *testing.T) {
	base := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	r := NewRecorder(RecorderOptions{Base: base})
	for i := 1; i <= 100; i++ {
		r.Record(Sample{Op: "create", Start: base, End: base.Add(time.Duration(i) * time.Millisecond)})
		r.Record(Sample{Op: "delete", Start: base, End: base.Add(time.Duration(i) * time.Microsecond)})
	}
	ops, _ := r.Results()
	res := &Result{Schema: SchemaVersion, Workload: "topics", Mode: "zk", Started: base, Finished: base.Add(time.Minute), Ops: ops}
	paths, err := res.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := hdr.NewHistogramLogReader(f)
	got := map[string]*hdr.Histogram{}
	for {
		h, err := rd.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		got[h.Tag()] = h
	}
	for _, o := range ops {
		want, _ := o.DecodeHistogram()
		h, ok := got[o.Op]
		if !ok || h.TotalCount() != want.TotalCount() || h.ValueAtQuantile(99) != want.ValueAtQuantile(99) {
			t.Fatalf("op %s read back from the hlog: %v", o.Op, h)
		}
	}
}

// Merging runs adds their histograms: the merged p50 lies between the runs'.
func TestMergeAddsRuns(t *testing.T) {
	mk := func(mode string, d time.Duration) *Result {
		r := NewRecorder(RecorderOptions{})
		now := time.Now()
		for i := 0; i < 50; i++ {
			r.Record(Sample{Op: "create", Start: now, End: now.Add(d)})
		}
		ops, _ := r.Results()
		return &Result{Workload: "topics", Mode: cluster.Mode(mode), Ops: ops}
	}
	merged, err := Merge([]*Result{mk("zk", time.Millisecond), mk("zk", 3*time.Millisecond), mk("kraft", time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if len(merged) != 2 {
		t.Fatalf("merged %d groups, want 2", len(merged))
	}
	var zk *Merged
	for _, m := range merged {
		if m.Mode == "zk" {
			zk = m
		}
	}
	if zk.Runs != 2 || zk.Hist.TotalCount() != 100 || time.Duration(zk.Hist.Max()) < 3*time.Millisecond-time.Microsecond*10 {
		t.Fatalf("zk merged: runs %d n %d max %v", zk.Runs, zk.Hist.TotalCount(), time.Duration(zk.Hist.Max()))
	}
}
