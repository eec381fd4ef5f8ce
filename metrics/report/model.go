package report

import (
	"fmt"
	"sort"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// Workload is every run of one workload, grouped by operation.
type Workload struct {
	Name string
	Runs []*Run
	Ops  []*Op // sorted by name
}

// Op is one operation of a workload, per mode.
type Op struct {
	Workload, Name string
	Modes          []*Series // ordered zk, kraft, others by name
}

// Mode returns the series of the given mode at the default Kafka version
// (the one the seed's claims are judged on: both modes of one release), nil
// if absent.
func (o *Op) Mode(mode cluster.Mode) *Series {
	return o.Series(mode, cluster.DefaultKafkaVersion)
}

// Series returns the series of mode at Kafka version v from kraftbench's
// own clusters, nil if absent.
func (o *Op) Series(mode cluster.Mode, v cluster.KafkaVersion) *Series {
	for _, s := range o.Modes {
		if s.Mode == mode && s.Version == v && !s.External {
			return s
		}
	}
	return nil
}

// ExternalSeries returns the series of mode at Kafka version v measured
// on clusters kraftbench did not start (the external provider), nil if
// absent.
func (o *Op) ExternalSeries(mode cluster.Mode, v cluster.KafkaVersion) *Series {
	for _, s := range o.Modes {
		if s.Mode == mode && s.Version == v && s.External {
			return s
		}
	}
	return nil
}

// Series is one (workload, op, mode, Kafka version): one entry per run plus
// the merged histogram of all of them. Runs of different kafka.version
// profiles are never pooled: "KRaft 4.1" is a series of its own beside
// "KRaft" (3.9). Runs on a cluster kraftbench did not start (the external
// provider) are a series of their own too, never pooled with the models':
// the calibration table puts the two side by side.
type Series struct {
	Mode     cluster.Mode
	Version  cluster.KafkaVersion
	External bool
	Runs     []RunOp
	Merged   *hdr.Histogram
	Errors   map[string]int64 // by Kafka error name, summed over runs
}

// RunOp is one run's figures for one op.
type RunOp struct {
	Run *Run
	metrics.OpResult
	// FloorP50Ns is the p50 of the store floor measured in the same run, 0
	// when the run has none.
	FloorP50Ns int64
}

// Title names the series in prose and legends: the mode, and the Kafka
// version when it is not the default ("KRaft 4.1").
func (s *Series) Title() string {
	t := s.Mode.Title()
	if s.Version != cluster.DefaultKafkaVersion {
		t += " " + string(s.Version)
	}
	if s.External {
		t += " (external)"
	}
	return t
}

// runVersion is the kafka.version a run modelled. Results written before
// the field existed carry none and count as the default.
func runVersion(r *Run) cluster.KafkaVersion {
	return cluster.KafkaVersion(r.KafkaVersion).OrDefault()
}

// Count is the number of successful operations over every run.
func (s *Series) Count() int64 { return s.Merged.TotalCount() }

// ErrorTotal is the number of failed operations over every run.
func (s *Series) ErrorTotal() int64 {
	var n int64
	for _, r := range s.Runs {
		n += r.Latency.Errors
	}
	return n
}

// values returns one value per run, skipping runs where f is not positive
// (no successful operation, no floor).
func (s *Series) values(f func(RunOp) float64) []float64 {
	if s == nil {
		return nil
	}
	var out []float64
	for _, r := range s.Runs {
		if v := f(r); v > 0 {
			out = append(out, v)
		}
	}
	return out
}

// Statistics taken per run.
var (
	perRunP50        = func(r RunOp) float64 { return runQuantile(r, r.Latency.P50Ns) }
	perRunP99        = func(r RunOp) float64 { return runQuantile(r, r.Latency.P99Ns) }
	perRunThroughput = func(r RunOp) float64 { return r.ThroughputPerSec }
	perRunFloorRatio = func(r RunOp) float64 {
		if r.FloorP50Ns <= 0 || r.Latency.Count == 0 {
			return 0
		}
		return float64(r.Latency.P50Ns) / float64(r.FloorP50Ns)
	}
)

func runQuantile(r RunOp, ns int64) float64 {
	if r.Latency.Count == 0 {
		return 0
	}
	return float64(ns)
}

// Group sorts runs into workloads and ops, decoding and merging histograms.
func Group(runs []*Run) ([]*Workload, error) {
	byName := map[string]*Workload{}
	ops := map[[2]string]*Op{}
	series := map[[5]string]*Series{}
	for _, r := range runs {
		w := byName[r.Workload]
		if w == nil {
			w = &Workload{Name: r.Workload}
			byName[r.Workload] = w
		}
		w.Runs = append(w.Runs, r)
		var floor int64
		if f, ok := r.Op(metrics.FloorOp); ok && f.Latency.Count > 0 {
			floor = f.Latency.P50Ns
		}
		for _, o := range r.Ops {
			h, err := o.DecodeHistogram()
			if err != nil {
				return nil, err
			}
			op := ops[[2]string{r.Workload, o.Op}]
			if op == nil {
				op = &Op{Workload: r.Workload, Name: o.Op}
				ops[[2]string{r.Workload, o.Op}] = op
				w.Ops = append(w.Ops, op)
			}
			ext := r.Provider == cluster.ProviderExternal
			key := [5]string{r.Workload, o.Op, string(r.Mode), string(runVersion(r)), fmt.Sprint(ext)}
			s := series[key]
			if s == nil {
				s = &Series{Mode: r.Mode, Version: runVersion(r), External: ext, Merged: metrics.NewHistogram(), Errors: map[string]int64{}}
				series[key] = s
				op.Modes = append(op.Modes, s)
			}
			s.Merged.Merge(h)
			for code, n := range o.Latency.ErrorsByCode {
				s.Errors[code] += n
			}
			ro := RunOp{Run: r, OpResult: o}
			if !metrics.IsFloor(o.Op) {
				ro.FloorP50Ns = floor
			}
			s.Runs = append(s.Runs, ro)
		}
	}
	return sortWorkloads(byName), nil
}

func sortWorkloads(byName map[string]*Workload) []*Workload {
	out := make([]*Workload, 0, len(byName))
	for _, w := range byName {
		sort.Slice(w.Ops, func(i, j int) bool { return w.Ops[i].Name < w.Ops[j].Name })
		for _, o := range w.Ops {
			sort.SliceStable(o.Modes, func(i, j int) bool {
				a, b := o.Modes[i], o.Modes[j]
				if modeRank(a.Mode) != modeRank(b.Mode) || a.Mode != b.Mode {
					return modeRank(a.Mode) < modeRank(b.Mode) || modeRank(a.Mode) == modeRank(b.Mode) && a.Mode < b.Mode
				}
				if a.Version != b.Version {
					return a.Version < b.Version
				}
				return !a.External && b.External
			})
		}
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Find returns the named op of the named workload.
func Find(ws []*Workload, workload, op string) *Op {
	for _, w := range ws {
		if w.Name != workload {
			continue
		}
		for _, o := range w.Ops {
			if o.Name == op {
				return o
			}
		}
	}
	return nil
}
