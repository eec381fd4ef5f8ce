package report

import (
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kraftbench/kraftbench/metrics"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The migration section: per partition count, how long each phase of the
// ZooKeeper-to-KRaft migration took and how long each step left clients
// unable to write (medians over the runs at that count), the phases against
// partitions on log-log axes, and the probe's creates over a run's clock
// with the steps shaded.

// migrationPhaseRows are the phases in reading order, as the workload names
// them (metrics.MeasureMigrationPhase), with what each times.
var migrationPhaseRows = []struct{ phase, text string }{
	{"start_controllers", "start: KRaft controllers started in migration mode"},
	{"start_link", "start: each broker restarted linked to them, one at a time, each until every broker serves one digest"},
	{"copy", "start: metadata copied from ZooKeeper, from the KRaft controller taking /controller until dual write"},
	{"handover", "start: controller handover, from taking /controller until every broker serves the KRaft controller's metadata"},
	{"start_copy", "start: what start still waited after the link (the takeover usually overlaps the last broker's restart)"},
	{"start", "**start**"},
	{"roll_broker", "roll: one broker into KRaft mode (median over the brokers)"},
	{"roll", "**roll** (every broker, one at a time)"},
	{"finalize", "**finalize**: controllers restarted without migration mode"},
	{"rollback_brokers", "rollback: KRaft brokers back to ZooKeeper mode"},
	{"rollback_controller", "rollback: controllers stopped, a ZooKeeper-mode controller elected"},
	{"rollback_unlink", "rollback: brokers restarted without the migration settings"},
	{"rollback", "**rollback**"},
	{"total", "**total** (start + roll + finalize or rollback)"},
}

// migrationStepRows are the steps the write unavailability is given for
// (metrics.MeasureMigrationUnavailable), in reading order.
var migrationStepRows = []struct{ step, text string }{
	{"baseline", "before the migration (the probe alone)"},
	{"controllers", "start: controllers started"},
	{"link", "start: brokers linked (restarted in ZooKeeper mode)"},
	{"handover", "controller handover (ZooKeeper controller to KRaft controller)"},
	{"roll_broker", "roll of one broker (median over the brokers)"},
	{"roll", "roll, every broker (sum)"},
	{"finalize", "finalize"},
	{"rollback", "rollback"},
	{"all", "**all steps** (sum, without before)"},
}

// migrationData holds, per phase (or step) and partition count, one value
// per run (per broker and run for roll_broker).
type migrationData struct {
	counts  []int
	runs    map[int]int
	phases  map[string]map[int][]float64
	unavail map[string]map[int][]float64
}

func addValue(m map[string]map[int][]float64, key string, n int, v float64) {
	if m[key] == nil {
		m[key] = map[int][]float64{}
	}
	m[key][n] = append(m[key][n], v)
}

func collectMigration(w *Workload) migrationData {
	d := migrationData{runs: map[int]int{}, phases: map[string]map[int][]float64{}, unavail: map[string]map[int][]float64{}}
	seen := map[int]bool{}
	for _, r := range w.Runs {
		counted := false
		for _, m := range r.MeasuresNamed(metrics.MeasureMigrationPhase) {
			n, err := strconv.Atoi(m.Labels["partitions"])
			if err != nil {
				continue
			}
			ph := m.Labels["phase"]
			if strings.HasPrefix(ph, "roll_broker_") {
				ph = "roll_broker"
			}
			addValue(d.phases, ph, n, m.Value)
			seen[n] = true
			if !counted {
				d.runs[n]++
				counted = true
			}
		}
		rolls, all := map[int]float64{}, map[int]float64{}
		rolled, stepped := map[int]bool{}, map[int]bool{}
		for _, m := range r.MeasuresNamed(metrics.MeasureMigrationUnavailable) {
			n, err := strconv.Atoi(m.Labels["partitions"])
			if err != nil {
				continue
			}
			step := m.Labels["step"]
			if strings.HasPrefix(step, "roll_broker_") {
				step = "roll_broker"
				rolls[n] += m.Value
				rolled[n] = true
			}
			addValue(d.unavail, step, n, m.Value)
			if step != "baseline" {
				all[n] += m.Value
				stepped[n] = true
			}
			seen[n] = true
		}
		for n := range rolled {
			addValue(d.unavail, "roll", n, rolls[n])
		}
		for n := range stepped {
			addValue(d.unavail, "all", n, all[n])
		}
	}
	d.counts = slices.Sorted(maps.Keys(seen))
	return d
}

// secsOrZero is secs, with "0" for a median of zero (no window at all).
func secsOrZero(v []float64) string {
	if len(v) > 0 && medianOf(v) == 0 {
		return "0"
	}
	return secs(v)
}

func writeMigration(m *md, w *Workload, plots []string) {
	d := collectMigration(w)
	if len(d.counts) == 0 {
		return
	}
	m.linef("### Migration (ZooKeeper to KRaft)")
	m.linef("")
	m.linef("Each run migrates a fresh ZooKeeper-mode cluster holding the given partitions to KRaft mode online, as Kafka's KIP-866 does it and as an operator runs it, one step after another (`kraftbench migrate start`, `roll`, `finalize` or `rollback`), while a probe load creates, deletes and reads metadata throughout. A migration happens once per cluster, so each partition count is its own run. Figures are medians over the runs at each count.")
	m.linef("")
	m.linef("#### Phase durations")
	m.linef("")
	cols := []string{"phase"}
	align := "l"
	for _, n := range d.counts {
		cols = append(cols, fmt.Sprintf("%d partitions (%d run%s)", n, d.runs[n], plural(d.runs[n])))
		align += "r"
	}
	m.header(align, cols...)
	for _, row := range migrationPhaseRows {
		if d.phases[row.phase] == nil {
			continue
		}
		cells := []string{row.text}
		for _, n := range d.counts {
			cells = append(cells, secs(d.phases[row.phase][n]))
		}
		m.row(cells...)
	}
	m.linef("")
	m.linef("A broker restarted in ZooKeeper mode (the link) counts as back once every broker serves one digest; one rolled into KRaft mode once it is registered and unfenced, caught up with the log as its registration found it. The checks after each step (notes below) say how long the brokers then took to serve one digest.")
	m.linef("")
	m.linef("#### Write unavailability per step")
	m.linef("")
	m.linef("From the probe's creates (its deletes go through a client of their own and do not count): a create that failed or took longer than the stall threshold (1 s by default) opens a window, the next successful create closes it. A window counts for the step during which it opened; one open at the moment a broker first reported the KRaft controller as the active one is split there, the rest counting for the **handover**. A step's figure is the sum of its windows (0: no create failed or stalled).")
	m.linef("")
	cols[0] = "step"
	m.header(align, cols...)
	for _, row := range migrationStepRows {
		if d.unavail[row.step] == nil {
			continue
		}
		cells := []string{row.text}
		for _, n := range d.counts {
			cells = append(cells, secsOrZero(d.unavail[row.step][n]))
		}
		m.row(cells...)
	}
	m.linef("")
	for _, base := range plots {
		switch {
		case base == "migration-phases":
			m.linef("Phase durations against partitions (log-log, medians over runs):")
			m.linef("")
			m.image("migration phases against partitions", base)
		case base == "migration-timeline":
			m.linef("The probe's creates over each run's clock (log scale; failed ones as crosses at the top), one run per partition count, with the steps shaded: S start, R*n* the roll of broker *n*, F finalize, B rollback:")
			m.linef("")
			m.image("migration timeline", base)
		}
	}
}

// migrationPlotPhases are the phases the plot draws.
var migrationPlotPhases = []string{"start", "start_link", "copy", "handover", "roll", "roll_broker", "finalize", "rollback", "total"}

// migrationPlots draws the phases against partitions and a timeline of the
// first run at each partition count.
func migrationPlots(dir string, w *Workload) ([]string, error) {
	d := collectMigration(w)
	var out []string
	if p := migrationPhasesPlot(d); p != nil {
		if err := saveGrid(dir, "migration-phases", []*plot.Plot{p}, 1, 18*vg.Centimeter, 11*vg.Centimeter); err != nil {
			return out, err
		}
		out = append(out, "migration-phases")
	}
	var panels []*plot.Plot
	for _, n := range d.counts {
		for _, r := range w.Runs {
			if migrationCount(r) != n {
				continue
			}
			title := fmt.Sprintf("%d partitions: probe creates during the migration", n)
			if p := timeline(r, title, migrationTag); p != nil {
				panels = append(panels, p)
			}
			break
		}
	}
	if len(panels) > 0 {
		if err := saveGrid(dir, "migration-timeline", panels, 1, 22*vg.Centimeter, 8*vg.Centimeter); err != nil {
			return out, err
		}
		out = append(out, "migration-timeline")
	}
	return out, nil
}

// migrationCount is the partition count a run migrated, -1 if it says none.
func migrationCount(r *Run) int {
	for _, m := range r.MeasuresNamed(metrics.MeasureMigrationPhase) {
		if n, err := strconv.Atoi(m.Labels["partitions"]); err == nil {
			return n
		}
	}
	if n, err := strconv.Atoi(r.Params["partitions"]); err == nil {
		return n
	}
	return -1
}

// migrationTag labels a step's window on a timeline.
func migrationTag(f metrics.FaultWindow) string {
	switch f.Kind {
	case "migrate-start":
		return "S"
	case "roll":
		return "R" + f.Node
	case "finalize":
		return "F"
	case "rollback":
		return "B"
	}
	return f.Kind
}

// migrationColors tell the phases apart (Okabe-Ito, colour-blind safe).
var migrationColors = []color.Color{
	color.RGBA{R: 0, G: 114, B: 178, A: 255},
	color.RGBA{R: 213, G: 94, B: 0, A: 255},
	color.RGBA{R: 0, G: 158, B: 115, A: 255},
	color.RGBA{R: 204, G: 121, B: 167, A: 255},
	color.RGBA{R: 86, G: 180, B: 233, A: 255},
	color.RGBA{R: 230, G: 159, B: 0, A: 255},
	color.RGBA{R: 120, G: 120, B: 120, A: 255},
	color.RGBA{R: 240, G: 228, B: 66, A: 255},
	color.RGBA{A: 255},
}

func migrationPhasesPlot(d migrationData) *plot.Plot {
	p := plot.New()
	p.Title.Text = "migration: phase durations against partitions"
	p.X.Label.Text = "partitions (log)"
	p.Y.Label.Text = "seconds (log)"
	xlo, xhi, ylo, yhi := math.Inf(1), 0.0, math.Inf(1), 0.0
	drawn := 0
	for i, ph := range migrationPlotPhases {
		var pts plotter.XYs
		for _, n := range d.counts {
			if v := medianOf(d.phases[ph][n]); v > 0 && n > 0 {
				pts = append(pts, plotter.XY{X: float64(n), Y: v})
				xlo, xhi, ylo, yhi = math.Min(xlo, float64(n)), math.Max(xhi, float64(n)), math.Min(ylo, v), math.Max(yhi, v)
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			continue
		}
		c := migrationColors[i%len(migrationColors)]
		line.Color, points.Color = c, c
		line.Width = vg.Points(1.5)
		points.Shape = draw.CircleGlyph{}
		if ph == "total" {
			line.Width = vg.Points(2.5)
		}
		if strings.HasPrefix(ph, "start_") || ph == "copy" || ph == "handover" || ph == "roll_broker" {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(2)}
		}
		p.Add(line, points)
		p.Legend.Add(ph, line, points)
		drawn++
	}
	if drawn == 0 {
		return nil
	}
	scaleAxes(p, xlo, xhi, ylo, yhi)
	return p
}
