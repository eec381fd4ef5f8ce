package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// The scale section: per step of the sweep and partition count, what each
// mode took, ZK/KRaft, the slope of each curve on log-log axes, memory per
// node, and Confluent's 2-million-partition figures next to ours, measured
// and extrapolated.

// scaleStep is a step's name as results carry it (metrics.ScaleStep).
func scaleStep(s metrics.ScaleStep) string { return string(s) }

// scaleStepText says what each step times.
var scaleStepText = map[metrics.ScaleStep]string{
	metrics.ScaleCreate:                 "creating the partitions added to reach the count, until every broker serves them",
	metrics.ScaleCreateLogs:             "the same, until every broker has also made the replica logs of them (a KRaft broker serves a partition before it makes its log, a ZooKeeper-mode broker after)",
	metrics.ScaleControlledShutdown:     "graceful stop of the broker leading the most partitions, until every survivor serves other leaders",
	metrics.ScaleControlledShutdownStop: "the same, until the stop returned",
	metrics.ScaleFailover:               "kill -9 of the active controller, until a new one is active and a CreateTopics succeeds",
	metrics.ScaleFailoverElected:        "the same, until a new controller reported itself active",
	metrics.ScaleFailoverAfterElection:  "failover less failover_elected, per run: what follows the election (loading the metadata, moving the dead node's leaders, the first write), without the failure detection before it",
	metrics.ScaleStartup:                "cold start of every node and the store, until ready",
}

// confluent2M are Confluent's published figures at 2 million partitions
// (ZooKeeper mode, KRaft mode, seconds), with the step of ours that stands
// for each.
var confluent2M = []struct {
	what, step string
	zk, kraft  float64
}{
	{"controlled shutdown", scaleStep(metrics.ScaleControlledShutdown), 135, 32},
	{"recovery from an uncontrolled shutdown", scaleStep(metrics.ScaleFailover), 503, 37},
}

// scaleTarget is the partition count Confluent measured at.
const scaleTarget = 2_000_000

// scaleData is a sweep's figures: per mode and step, the values at each
// partition count (one per run), and per mode, count and node kind, the
// resident memory of each node after the create step.
type scaleData struct {
	steps  []string
	counts []int
	vals   map[cluster.Mode]map[string]map[int][]float64 // mode, step, count
	added  map[int]int                                   // count -> partitions the create step added
	mem    map[cluster.Mode]map[int]map[string][]float64 // mode, count, node kind
	// peak is, per mode and node kind, the largest resident memory of one
	// node of that kind after any step at any count, and where it was seen.
	peak map[cluster.Mode]map[string]memPeak
	// zkSession lists the zookeeper.session.timeout.ms of the ZooKeeper
	// runs, in ms.
	zkSession []string
}

func collectScale(w *Workload) scaleData {
	d := scaleData{vals: map[cluster.Mode]map[string]map[int][]float64{}, added: map[int]int{}, mem: map[cluster.Mode]map[int]map[string][]float64{}, peak: map[cluster.Mode]map[string]memPeak{}}
	steps, counts := map[string]bool{}, map[int]bool{}
	for _, r := range w.Runs {
		if t, ok := r.Timeouts["zookeeper.session.timeout.ms"]; ok && r.Mode == cluster.ModeZK && !slices.Contains(d.zkSession, t) {
			d.zkSession = append(d.zkSession, t)
		}
		for _, m := range withAfterElection(r.MeasuresNamed(metrics.MeasureScale)) {
			n, err := strconv.Atoi(m.Labels["partitions"])
			if err != nil {
				continue
			}
			step := m.Labels["step"]
			steps[step], counts[n] = true, true
			if d.vals[r.Mode] == nil {
				d.vals[r.Mode] = map[string]map[int][]float64{}
			}
			if d.vals[r.Mode][step] == nil {
				d.vals[r.Mode][step] = map[int][]float64{}
			}
			d.vals[r.Mode][step][n] = append(d.vals[r.Mode][step][n], m.Value)
			if a, err := strconv.Atoi(m.Labels["added"]); err == nil && isCreateStep(step) {
				d.added[n] = a
			}
		}
		for _, m := range r.MeasuresNamed(metrics.MeasureScaleMemory) {
			n, err := strconv.Atoi(m.Labels["partitions"])
			if err != nil {
				continue
			}
			kind, _, _ := strings.Cut(m.Labels["node"], "-")
			if d.peak[r.Mode] == nil {
				d.peak[r.Mode] = map[string]memPeak{}
			}
			if p := d.peak[r.Mode][kind]; m.Value > p.bytes {
				d.peak[r.Mode][kind] = memPeak{bytes: m.Value, partitions: n, step: m.Labels["step"]}
			}
			if m.Labels["step"] != "" && m.Labels["step"] != scaleStep(metrics.ScaleCreate) {
				continue
			}
			if d.mem[r.Mode] == nil {
				d.mem[r.Mode] = map[int]map[string][]float64{}
			}
			if d.mem[r.Mode][n] == nil {
				d.mem[r.Mode][n] = map[string][]float64{}
			}
			d.mem[r.Mode][n][kind] = append(d.mem[r.Mode][n][kind], m.Value)
		}
	}
	d.counts = slices.Sorted(maps.Keys(counts))
	order := metrics.ScaleSteps() // the reading order; others follow by name
	rank := func(s string) int {
		if i := slices.Index(order, metrics.ScaleStep(s)); i >= 0 {
			return i
		}
		return len(order)
	}
	d.steps = slices.Collect(maps.Keys(steps))
	sort.Slice(d.steps, func(i, j int) bool {
		a, b := d.steps[i], d.steps[j]
		return rank(a) < rank(b) || rank(a) == rank(b) && a < b
	})
	return d
}

// memPeak is the largest resident memory one node of a kind reached in a
// sweep, with the count and step after which it was read.
type memPeak struct {
	bytes      float64
	partitions int
	step       string
}

func (p memPeak) text() string {
	if p.bytes <= 0 {
		return "-"
	}
	if p.step == "" {
		return fmt.Sprintf("%s (at %d)", bytesText(p.bytes), p.partitions)
	}
	return fmt.Sprintf("%s (%s at %d)", bytesText(p.bytes), p.step, p.partitions)
}

// withAfterElection adds, for each count where a run measured both
// failover and failover_elected, their difference as failover_after_election.
func withAfterElection(ms []metrics.Measure) []metrics.Measure {
	type pair struct{ failover, elected float64 }
	by := map[string]*pair{}
	for _, m := range ms {
		p := by[m.Labels["partitions"]]
		if p == nil {
			p = &pair{}
			by[m.Labels["partitions"]] = p
		}
		switch metrics.ScaleStep(m.Labels["step"]) {
		case metrics.ScaleFailover:
			p.failover = m.Value
		case metrics.ScaleFailoverElected:
			p.elected = m.Value
		}
	}
	out := slices.Clone(ms)
	for _, n := range slices.Sorted(maps.Keys(by)) {
		if p := by[n]; p.failover > 0 && p.elected > 0 && p.failover >= p.elected {
			out = append(out, metrics.Measure{Name: metrics.MeasureScale, Unit: "s", Value: p.failover - p.elected,
				Labels: map[string]string{"step": scaleStep(metrics.ScaleFailoverAfterElection), "partitions": n}})
		}
	}
	return out
}

// value is a mode's median at step and count, 0 when not measured.
func (d scaleData) value(mode cluster.Mode, step string, n int) float64 {
	return medianOf(d.vals[mode][step][n])
}

// x is the partition count a step's time is plotted and fitted against: the
// partitions created for create, the partitions held for the others.
func (d scaleData) x(step string, n int) float64 {
	if isCreateStep(step) && d.added[n] > 0 {
		return float64(d.added[n])
	}
	return float64(n)
}

// isCreateStep reports whether step times the partitions added rather than
// the partitions held.
func isCreateStep(step string) bool {
	return step == scaleStep(metrics.ScaleCreate) || step == scaleStep(metrics.ScaleCreateLogs)
}

// scaleFit is a least-squares line through (log x, log y): y = e^a x^slope.
type scaleFit struct {
	slope, a float64
	points   int
	ok       bool
}

// fitLogLog fits the points with positive x and y; it needs two distinct x.
func fitLogLog(xs, ys []float64) scaleFit {
	var lx, ly []float64
	for i := range xs {
		if xs[i] > 0 && ys[i] > 0 {
			lx, ly = append(lx, math.Log(xs[i])), append(ly, math.Log(ys[i]))
		}
	}
	f := scaleFit{points: len(lx)}
	if len(lx) < 2 {
		return f
	}
	mx, my := mean(lx), mean(ly)
	var sxy, sxx float64
	for i := range lx {
		sxy += (lx[i] - mx) * (ly[i] - my)
		sxx += (lx[i] - mx) * (lx[i] - mx)
	}
	if sxx == 0 {
		return f
	}
	f.slope = sxy / sxx
	f.a = my - f.slope*mx
	f.ok = true
	return f
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// fit is a mode's fitted curve for step.
func (d scaleData) fit(mode cluster.Mode, step string) scaleFit {
	var xs, ys []float64
	for _, n := range d.counts {
		if v := d.value(mode, step, n); v > 0 {
			xs, ys = append(xs, d.x(step, n)), append(ys, v)
		}
	}
	return fitLogLog(xs, ys)
}

// extrapolate returns a mode's step time at target partitions: its value at
// the largest count measured, carried on by the fitted slope; false when
// there is no fit.
func (d scaleData) extrapolate(mode cluster.Mode, step string, target int) (float64, int, bool) {
	f := d.fit(mode, step)
	if !f.ok {
		return 0, 0, false
	}
	for i := len(d.counts) - 1; i >= 0; i-- {
		n := d.counts[i]
		if v := d.value(mode, step, n); v > 0 {
			return v * math.Pow(float64(target)/float64(n), f.slope), n, true
		}
	}
	return 0, 0, false
}

// ratio is ZK over KRaft, 0 when either is missing.
func ratioZK(zk, kraft float64) float64 {
	if zk <= 0 || kraft <= 0 {
		return 0
	}
	return zk / kraft
}

func slopeText(f scaleFit) string {
	if !f.ok {
		return "-"
	}
	return fmt.Sprintf("%.2f (%d points)", f.slope, f.points)
}

func writeScale(m *md, w *Workload, plots []string) {
	d := collectScale(w)
	if len(d.counts) == 0 {
		return
	}
	m.linef("### Scale")
	m.linef("")
	m.linef("One cluster per mode grows through the partition counts; at each count every step runs once per run. Steps:")
	m.linef("")
	for _, s := range d.steps {
		if t, ok := scaleStepText[metrics.ScaleStep(s)]; ok {
			m.linef("- **%s**: %s.", s, t)
		}
	}
	m.linef("")
	m.linef("Figures are medians over the runs at each count. **ZK/KRaft** is ZooKeeper mode's time over KRaft mode's: above 1x KRaft is faster (the way Confluent states theirs). The **slope** is the least-squares fit of log(time) on log(partitions): 1 means time grows in proportion to the partitions, 0 that it does not grow; create is fitted against the partitions it added.")
	m.linef("")
	writeScaleTimes(m, d)
	writeScaleSlopes(m, d)
	for _, base := range plots {
		if base == "scale-steps" {
			m.image("scale: time of each step against partitions, log-log", base)
		}
	}
	writeScaleMemory(m, d)
	for _, base := range plots {
		if base == "scale-memory" {
			m.image("scale: resident memory per node against partitions, log-log", base)
		}
	}
	writeScaleConfluent(m, d)
	writeScalePredict(m, w)
	for _, base := range plots {
		if base == "scale-predict" {
			m.image("scale: the cost model fitted on the measured points, out to 2M partitions with its 95% prediction interval, and Confluent's 2M figures", base)
		}
	}
}

func writeScaleTimes(m *md, d scaleData) {
	m.linef("#### Time per step")
	m.linef("")
	m.header("lrrrr", "step", "partitions", cluster.ModeZK.Title(), cluster.ModeKRaft.Title(), "ZK/KRaft")
	for _, s := range d.steps {
		for _, n := range d.counts {
			zk, kr := d.vals[cluster.ModeZK][s][n], d.vals[cluster.ModeKRaft][s][n]
			if len(zk) == 0 && len(kr) == 0 {
				continue
			}
			count := strconv.Itoa(n)
			if isCreateStep(s) && d.added[n] > 0 && d.added[n] != n {
				count += fmt.Sprintf(" (+%d)", d.added[n])
			}
			m.row(s, count, secs(zk), secs(kr), times(ratioZK(medianOf(zk), medianOf(kr))))
		}
	}
	m.linef("")
}

func writeScaleSlopes(m *md, d scaleData) {
	m.linef("#### Growth (log-log slope)")
	m.linef("")
	m.header("lllr", "step", cluster.ModeZK.Title(), cluster.ModeKRaft.Title(), "ZK/KRaft at the largest count")
	for _, s := range d.steps {
		last := d.counts[len(d.counts)-1]
		m.row(s, slopeText(d.fit(cluster.ModeZK, s)), slopeText(d.fit(cluster.ModeKRaft, s)),
			times(ratioZK(d.value(cluster.ModeZK, s, last), d.value(cluster.ModeKRaft, s, last))))
	}
	m.linef("")
}

// memKinds are the node kinds in the order the memory table lists them.
var memKinds = []string{"broker", "node", "controller", "zookeeper"}

// memValue is the mean resident memory of a mode's nodes of kind at n.
func (d scaleData) memValue(mode cluster.Mode, kind string, n int) float64 {
	v := d.mem[mode][n][kind]
	if len(v) == 0 {
		return 0
	}
	return mean(v)
}

// memKindsOf lists the node kinds a mode reported.
func (d scaleData) memKindsOf(mode cluster.Mode) []string {
	var out []string
	for _, k := range memKinds {
		for _, n := range d.counts {
			if d.memValue(mode, k, n) > 0 {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

func writeScaleMemory(m *md, d scaleData) {
	if len(d.mem) == 0 {
		return
	}
	m.linef("#### Memory")
	m.linef("")
	m.linef("Resident memory of each node after the create step, mean over the nodes of a kind (and the runs). **Per partition** is the growth between the smallest and the largest count, divided by the partitions added: what one more partition costs each node of that kind. **Peak** is the largest resident memory of any one node of the kind after any step (create, controlled shutdown, failover, cold start) at any count, with the step and count it followed.")
	m.linef("")
	cols := []string{"mode", "node"}
	for _, n := range d.counts {
		cols = append(cols, strconv.Itoa(n))
	}
	cols = append(cols, "per partition", "peak")
	m.header("ll"+strings.Repeat("r", len(d.counts)+2), cols...)
	for _, mode := range cluster.Modes() {
		for _, k := range d.memKindsOf(mode) {
			row := []string{mode.Title(), kindName(k)}
			for _, n := range d.counts {
				if v := d.memValue(mode, k, n); v > 0 {
					row = append(row, bytesText(v))
				} else {
					row = append(row, "-")
				}
			}
			row = append(row, perPartitionText(d, mode, k), d.peak[mode][k].text())
			m.row(row...)
		}
	}
	m.linef("")
}

func kindName(k string) string {
	switch k {
	case "node":
		return "broker+controller"
	case "zookeeper":
		return "ZooKeeper server"
	}
	return k
}

func perPartitionText(d scaleData, mode cluster.Mode, kind string) string {
	first, last := 0, 0
	for _, n := range d.counts {
		if d.memValue(mode, kind, n) > 0 {
			if first == 0 {
				first = n
			}
			last = n
		}
	}
	if last <= first {
		return "-"
	}
	per := (d.memValue(mode, kind, last) - d.memValue(mode, kind, first)) / float64(last-first)
	if per < 0 {
		return "-"
	}
	return bytesText(per)
}

func writeScaleConfluent(m *md, d scaleData) {
	m.linef("#### Against Confluent's 2 million partitions")
	m.linef("")
	last := d.counts[len(d.counts)-1]
	m.linef("Confluent reported, at 2,000,000 partitions, these times for ZooKeeper mode and KRaft mode. Ours are measured at %d partitions at most; the **extrapolated** columns are not measurements: they carry each mode's time at its largest measured count on to 2,000,000 partitions along its fitted slope, on kraftbench's clusters (Go nodes, no data plane, this machine), and say only where the curves point.", last)
	m.linef("")
	m.header("llrrrrrrrrr", "Confluent's", "ours", "theirs ZK", "theirs KRaft", "theirs ZK/KRaft",
		fmt.Sprintf("ours ZK at %d", last), fmt.Sprintf("ours KRaft at %d", last), "ours ZK/KRaft",
		"extrapolated ZK at 2M", "extrapolated KRaft at 2M", "extrapolated ZK/KRaft")
	for _, c := range confluent2M {
		zk, kr := d.value(cluster.ModeZK, c.step, last), d.value(cluster.ModeKRaft, c.step, last)
		ezk, _, okz := d.extrapolate(cluster.ModeZK, c.step, scaleTarget)
		ekr, _, okk := d.extrapolate(cluster.ModeKRaft, c.step, scaleTarget)
		ex := func(v float64, ok bool) string {
			if !ok {
				return "-"
			}
			return seconds(v)
		}
		exr := "-"
		if okz && okk {
			exr = times(ratioZK(ezk, ekr))
		}
		m.row(c.what, "`"+c.step+"`", seconds(c.zk), seconds(c.kraft), times(c.zk/c.kraft),
			seconds(zk), seconds(kr), times(ratioZK(zk, kr)), ex(ezk, okz), ex(ekr, okk), exr)
	}
	m.linef("")
	m.linef("Theirs is a controlled shutdown of a broker and the recovery from an uncontrolled one in Kafka with data; ours moves leadership without data to move, and our failover is the death of the active controller (kill -9), timed until a new one takes writes. ZooKeeper mode waits out zookeeper.session.timeout.ms (%s in the runs' profile) before any of it starts, a constant that flattens its failover curve at small counts.", sessionText(d))
	m.linef("")
}

// sessionText is the ZooKeeper session timeout the runs used.
func sessionText(d scaleData) string {
	if len(d.zkSession) == 0 {
		return "unknown"
	}
	return strings.Join(d.zkSession, " or ") + " ms"
}
