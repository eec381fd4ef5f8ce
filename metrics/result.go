package metrics

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/buildinfo"
)

// SchemaVersion is the version of the result file format.
const SchemaVersion = 1

// Machine describes where a run happened.
type Machine struct {
	Hostname    string `json:"hostname"`
	Cores       int    `json:"cores"`
	MemoryBytes int64  `json:"memory_bytes"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	Kernel      string `json:"kernel,omitempty"`
	InContainer bool   `json:"in_container"`
	// CPUModel is the first "model name" of /proc/cpuinfo: with cores and
	// memory it tells one kind of machine from another when reports group
	// runs (hostname and kernel build differ between identical sessions).
	CPUModel string `json:"cpu_model,omitempty"`
}

// ReadMachine describes the current machine.
func ReadMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	m.Hostname, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if _, err := os.Stat("/.dockerenv"); err == nil {
		m.InContainer = true
	}
	m.MemoryBytes = memTotal()
	m.CPUModel = cpuModel()
	return m
}

// cpuModel is the first "model name" line of /proc/cpuinfo, "" where there
// is none (other systems, some architectures).
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// Result is one (workload, mode, run): what ran, where, and what was measured.
type Result struct {
	Schema   int          `json:"schema"`
	Workload string       `json:"workload"`
	Mode     cluster.Mode `json:"mode"`
	Provider string       `json:"provider"`
	Profile  string       `json:"profile,omitempty"` // timeout profile: "kafka-defaults" or "tuned"
	Seed     int64        `json:"seed"`
	// KafkaVersion is the kafka.version the nodes modelled ("" in results
	// written before it existed, which modelled 3.9 in ZooKeeper mode and
	// skipped KRaft's linger and late high watermark).
	KafkaVersion string         `json:"kafka_version,omitempty"`
	Started      time.Time      `json:"started"`
	Finished     time.Time      `json:"finished"`
	Build        buildinfo.Info `json:"build"`
	Machine      Machine        `json:"machine"`
	// Topology, Images, Timeouts and Params record the scenario as run.
	Topology map[string]int    `json:"topology,omitempty"`
	Images   map[string]string `json:"images,omitempty"`
	Timeouts map[string]string `json:"timeouts,omitempty"`
	Params   map[string]string `json:"params,omitempty"`
	WarmupNs int64             `json:"warmup_ns"`
	Notes    []string          `json:"notes,omitempty"`
	// Skipped, when set, says why the workload did not run on this cluster
	// at all (it needs what the cluster cannot give, cluster.ErrUnavailable:
	// an external cluster has no store floor to time); Ops is then empty.
	Skipped string     `json:"skipped,omitempty"`
	Ops     []OpResult `json:"ops"`
	// Resources is what the cluster used while the workload ran; nil when
	// its provider cannot tell (not a cluster.ResourceReporter).
	Resources *Resources `json:"resources,omitempty"`
	// Faults and Measures are the run's events (see events.go).
	Faults   []FaultWindow `json:"faults,omitempty"`
	Measures []Measure     `json:"measures,omitempty"`
	// Resolution is how finely the run's pollers observed its times
	// (resolution.go); empty for a workload that polls nothing.
	Resolution []Resolution `json:"resolution,omitempty"`
	// Wall is where the run's wall time went (walltime.go): setup and
	// teardown around the workload; nil in results written before it.
	Wall *WallTime `json:"wall,omitempty"`
}

// Op returns the named operation's result.
func (r *Result) Op(name string) (OpResult, bool) {
	for _, o := range r.Ops {
		if o.Op == name {
			return o, true
		}
	}
	return OpResult{}, false
}

// BaseName is <workload>-<mode>-<UTC timestamp>, the stem of the run's files.
func (r *Result) BaseName() string {
	return fmt.Sprintf("%s-%s-%s", r.Workload, r.Mode, r.Started.UTC().Format("20060102T150405.000Z"))
}

// WriteFiles writes <base>.json, <base>.hlog (an HdrHistogram log with one
// interval histogram per op, tagged with the op) and <base>.bench.txt (Go
// benchmark-format lines for benchstat) into dir, creating it. It returns the
// paths written. Files are written to a temporary name and renamed, so an
// interrupted write never leaves a truncated result.
func (r *Result) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("results dir: %w", err)
	}
	base := filepath.Join(dir, r.BaseName())
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	hlog, err := r.hlog()
	if err != nil {
		return nil, err
	}
	files := []struct {
		path string
		data []byte
	}{{base + ".json", append(js, '\n')}, {base + ".hlog", hlog}, {base + ".bench.txt", []byte(r.BenchLines())}}
	var paths []string
	for _, f := range files {
		if err := writeAtomic(f.path, f.data); err != nil {
			return paths, err
		}
		paths = append(paths, f.path)
	}
	return paths, nil
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func (r *Result) hlog() ([]byte, error) {
	var b strings.Builder
	w := hdr.NewHistogramLogWriter(&b)
	startMs := r.Started.UnixMilli()
	if err := w.OutputLogFormatVersion(); err != nil {
		return nil, err
	}
	w.OutputComment(fmt.Sprintf("kraftbench %s workload=%s mode=%s provider=%s seed=%d",
		r.Build.Version, r.Workload, r.Mode, r.Provider, r.Seed))
	w.OutputStartTime(startMs)
	w.SetBaseTime(startMs)
	w.OutputLegend()
	for _, o := range r.Ops {
		h, err := o.DecodeHistogram()
		if err != nil {
			return nil, err
		}
		h.SetTag(o.Op)
		h.SetStartTimeMs(startMs)
		h.SetEndTimeMs(r.Finished.UnixMilli())
		if err := w.OutputIntervalHistogram(h); err != nil {
			return nil, fmt.Errorf("hlog for %s: %w", o.Op, err)
		}
	}
	return []byte(b.String()), nil
}

// BenchLines returns one Go benchmark-format line per op, with the mean as
// ns/op and the percentiles as extra units, so benchstat can compare runs:
//
//	BenchmarkTopics/mode=kraft/op=create  200  1234567 ns/op  1100000 p50-ns  ...
func (r *Result) BenchLines() string {
	var b strings.Builder
	fmt.Fprintf(&b, "goos: %s\ngoarch: %s\npkg: github.com/kraftbench/kraftbench/workloads\ncpu-cores: %d\n",
		r.Machine.OS, r.Machine.Arch, r.Machine.Cores)
	for _, o := range r.Ops {
		l := o.Latency
		if l.Count == 0 {
			continue
		}
		fmt.Fprintf(&b, "Benchmark%s/mode=%s/op=%s %d %.0f ns/op %d p50-ns %d p90-ns %d p99-ns %d p99.9-ns %d max-ns %.2f ops/s\n",
			benchName(r.Workload), r.Mode, o.Op, l.Count, l.MeanNs, l.P50Ns, l.P90Ns, l.P99Ns, l.P999Ns, l.MaxNs, o.ThroughputPerSec)
	}
	return b.String()
}

func benchName(w string) string {
	if w == "" {
		return "Unknown"
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// ReadResult reads a result JSON file.
func ReadResult(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Schema != SchemaVersion {
		return nil, fmt.Errorf("%s: result schema %d, this kraftbench reads %d", path, r.Schema, SchemaVersion)
	}
	return &r, nil
}

// FloorOp is the op name of store-floor samples measured in the same run: a
// bare ZooKeeper create, or in KRaft mode a commit through the controller's
// append linger (the floor of a write as Kafka makes it).
const FloorOp = "floor"

// FloorRawOp is KRaft mode's second floor: the bare Raft commit, under
// FloorOp's commit through the controller's append linger.
const FloorRawOp = "floor_raw"

// IsFloor says whether op is one of the floors rather than a workload op.
func IsFloor(op string) bool { return op == FloorOp || op == FloorRawOp }
