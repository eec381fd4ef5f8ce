package report

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/kraftbench/kraftbench/metrics"
)

// dur prints nanoseconds with three significant digits.
func dur(ns int64) string {
	if time.Duration(ns) < time.Microsecond {
		return fmt.Sprintf("%dns", ns)
	}
	return metrics.FormatDuration(ns)
}

// times prints a ratio as a factor with three significant digits: "0.25x",
// "3.96x", "0.0123x", "1234x".
func times(x float64) string {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return "-"
	}
	if x >= 1000 {
		return fmt.Sprintf("%.0fx", x)
	}
	return fmt.Sprintf("%.3gx", x)
}

// rate prints operations per second with three significant digits.
func rate(x float64) string {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return "-"
	}
	if x >= 1000 {
		return fmt.Sprintf("%.0f/s", x)
	}
	return fmt.Sprintf("%.3g/s", x)
}

// ciText describes a ratio's uncertainty in one phrase.
func ciText(r Ratio) string {
	if !r.HasCI {
		return fmt.Sprintf("too few runs for a CI (%d ZK, %d KRaft)", r.NZK, r.NKRaft)
	}
	return fmt.Sprintf("%.0f%% CI %s–%s, %d vs %d runs, Mann-Whitney p=%.3f",
		100*r.Confidence, times(r.Lo), times(r.Hi), r.NZK, r.NKRaft, r.P)
}

// ratioCell is a ratio with its interval for a table cell.
func ratioCell(r Ratio, ok bool) string {
	if !ok {
		return "-"
	}
	if !r.HasCI {
		return times(r.Point) + " (too few runs for a CI)"
	}
	return fmt.Sprintf("%s [%s, %s] (%.0f%% CI, p=%.3f)", times(r.Point), times(r.Lo), times(r.Hi), 100*r.Confidence, r.P)
}

// kv prints a map in key order: "a=1, b=2".
func kv[V any](m map[string]V) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// machine describes where a run happened.
func machine(m metrics.Machine) string {
	s := fmt.Sprintf("%s, %d cores, %.1f GiB, %s/%s", m.Hostname, m.Cores, float64(m.MemoryBytes)/(1<<30), m.OS, m.Arch)
	if m.Kernel != "" {
		s += ", kernel " + m.Kernel
	}
	if m.InContainer {
		s += ", in a container"
	}
	return s
}

// revision is the short git revision, marked when the tree was dirty.
func revision(r *Run) string {
	rev := r.Build.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		rev = "unknown"
	}
	if r.Build.Modified {
		rev += "+dirty"
	}
	if r.Build.Version != "" {
		rev = r.Build.Version + " " + rev
	}
	return rev
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_.-]+`)

// fileName makes a file name part from a workload or op name.
func fileName(s string) string {
	s = unsafeName.ReplaceAllString(strings.ToLower(s), "_")
	if s == "" {
		return "_"
	}
	return s
}
