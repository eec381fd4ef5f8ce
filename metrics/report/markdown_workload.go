package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/metrics"
)

// writeWorkload writes one workload's section: its runs, their
// configurations, a table per op, its plots, its resources and its notes.
func writeWorkload(m *md, w *Workload, plots Plots) {
	m.linef("## Workload `%s`", w.Name)
	m.linef("")
	writeRuns(m, w)
	writeConfigs(m, w)
	for _, op := range w.Ops {
		writeOp(m, op, plots)
	}
	if base, ok := plots.Throughput[w.Name]; ok {
		m.linef("### Throughput")
		m.linef("")
		m.linef("Successful operations per second over each op's span (first start to last end), median of the runs. In an open-loop run it is the offered rate, not the capacity.")
		m.linef("")
		m.image(w.Name+" throughput per mode", base)
	}
	if w.Name == "startup" && plots.Phases != "" {
		m.linef("### Startup phases")
		m.linef("")
		m.linef("Time from the first process started until each phase was reached, p50 over every restart of every run; a missing bar is a phase the mode does not have.")
		m.linef("")
		m.image("startup phases per mode", plots.Phases)
	}
	if s, ok := sections[w.Name]; ok {
		s.write(m, w, plots.Sections[w.Name])
	}
	writeResources(m, w)
	writeResolution(m, w)
	writeNotes(m, w)
}

func writeRuns(m *md, w *Workload) {
	m.linef("### Runs")
	m.linef("")
	m.header("llrrrlllr", "file", "mode", "started (UTC)", "duration", "seed", "provider", "revision", "machine", "warm-up")
	for _, r := range w.Runs {
		m.row("`"+r.Path+"`", string(r.Mode), r.Started.UTC().Format("2006-01-02 15:04:05"),
			r.Finished.Sub(r.Started).Round(time.Millisecond).String(), fmt.Sprint(r.Seed),
			r.Provider, revision(r), machine(r.Machine), time.Duration(r.WarmupNs).String())
	}
	m.linef("")
}

// writeConfigs lists each distinct (mode, profile, topology, timeouts,
// params, images) once, with how many runs used it.
func writeConfigs(m *md, w *Workload) {
	m.linef("### Configuration")
	m.linef("")
	m.header("lrlllll", "mode", "runs", "profile", "topology", "timeouts", "params", "images")
	var keys []string
	count := map[string]int{}
	for _, r := range w.Runs {
		profile := r.Profile
		if profile == "" {
			profile = "-"
		}
		k := strings.Join([]string{string(r.Mode), profile, kv(r.Topology), kv(r.Timeouts), kv(r.Params), kv(r.Images)}, "\x00")
		if count[k] == 0 {
			keys = append(keys, k)
		}
		count[k]++
	}
	for _, k := range keys { // runs are sorted by mode, so keys are too
		f := strings.Split(k, "\x00")
		m.row(f[0], fmt.Sprint(count[k]), f[1], f[2], f[3], f[4], f[5])
	}
	m.linef("")
}

// writeNotes lists each distinct note once, with the modes that made it.
func writeNotes(m *md, w *Workload) {
	modes := map[string][]cluster.Mode{}
	for _, r := range w.Runs {
		for _, n := range r.Notes {
			if ms := modes[n]; len(ms) == 0 || ms[len(ms)-1] != r.Mode {
				modes[n] = append(ms, r.Mode)
			}
		}
	}
	if len(modes) == 0 {
		return
	}
	notes := make([]string, 0, len(modes))
	for n := range modes {
		notes = append(notes, n)
	}
	sort.Strings(notes)
	m.linef("### Notes")
	m.linef("")
	for _, n := range notes {
		names := make([]string, len(modes[n]))
		for i, mode := range modes[n] {
			names[i] = string(mode)
		}
		m.linef("- %s (%s)", n, strings.Join(names, ", "))
	}
	m.linef("")
}

// errorsText is "NOT_CONTROLLER 2, REQUEST_TIMED_OUT 1" or "none".
func errorsText(s *Series) string {
	if len(s.Errors) == 0 {
		return "none"
	}
	codes := make([]string, 0, len(s.Errors))
	for c := range s.Errors {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s %d", c, s.Errors[c])
	}
	return strings.Join(parts, ", ")
}

// isFloor says whether op is a store floor itself.
func isFloor(op *Op) bool { return metrics.IsFloor(op.Name) }
