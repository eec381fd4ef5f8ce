package regress

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Options configure a comparison.
type Options struct {
	// Stats are the statistics compared, from Stats (default p50, p99).
	Stats []string
	// Alpha is the significance level of the U test (default 0.05).
	Alpha float64
	// Threshold is the relative change a significant difference must exceed
	// to count as a regression or an improvement (default 0.10 = 10%).
	Threshold float64
	// Gate lists the bases whose regressions fail the comparison (default
	// both). Regressions on other bases are reported only.
	Gate []Basis
	// GateStats, when set, limits the gate to these statistics (e.g. p50
	// only: a p99 of a hundred operations is close to their maximum and
	// swings far more from run to run). Empty gates every statistic.
	GateStats []string
}

// gated reports whether a regression of key k fails the comparison.
func (o Options) gated(k Key) bool {
	return slices.Contains(o.Gate, k.Basis) && (len(o.GateStats) == 0 || slices.Contains(o.GateStats, k.Stat))
}

// DefaultOptions are p50 and p99, alpha 0.05, a 10% threshold, gating on
// both bases.
func DefaultOptions() Options {
	return Options{Stats: []string{"p50", "p99"}, Alpha: 0.05, Threshold: 0.10, Gate: []Basis{Absolute, Floor}}
}

// Validate checks the options, naming each bad field.
func (o Options) Validate() error {
	var errs []error
	if len(o.Stats) == 0 {
		errs = append(errs, errors.New("stats: at least one"))
	}
	for _, s := range o.Stats {
		if !slices.Contains(Stats, s) {
			errs = append(errs, fmt.Errorf("stat %q: want one of %v", s, Stats))
		}
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		errs = append(errs, fmt.Errorf("alpha %v: want 0 < alpha < 1", o.Alpha))
	}
	if !(o.Threshold >= 0) {
		errs = append(errs, fmt.Errorf("threshold %v: must not be negative", o.Threshold))
	}
	for _, s := range o.GateStats {
		if !slices.Contains(o.Stats, s) {
			errs = append(errs, fmt.Errorf("gate stat %q: not among the compared stats %v", s, o.Stats))
		}
	}
	for _, b := range o.Gate {
		if b != Absolute && b != Floor {
			errs = append(errs, fmt.Errorf("gate %q: want absolute or floor", b))
		}
	}
	return errors.Join(errs...)
}

// ParseBases parses "absolute", "floor", "both" (or a comma list).
func ParseBases(s string) ([]Basis, error) {
	var out []Basis
	for _, f := range strings.Split(s, ",") {
		switch strings.TrimSpace(f) {
		case "absolute":
			out = append(out, Absolute)
		case "floor":
			out = append(out, Floor)
		case "both":
			out = append(out, Absolute, Floor)
		case "none":
		default:
			return nil, fmt.Errorf("%q: want absolute, floor, both or none", f)
		}
	}
	return out, nil
}

// ParseThreshold parses a relative change written "10%" or "0.1".
func ParseThreshold(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("threshold %q: want a relative change like 10%% or 0.1", s)
	}
	if pct {
		v /= 100
	}
	return v, nil
}
