package report

// section is the part of the report a workload has beyond the per-op
// tables: the failover timelines, the scale curves, the migration phases.
// Such workloads record Measures and Faults (metrics/events.go) that the
// generic tables do not show.
type section struct {
	// plots renders the section's plots into dir and returns their base
	// names (each written as .png and .svg); nil when it has none.
	plots func(dir string, w *Workload) ([]string, error)
	// write renders the section, given the plots' base names.
	write func(m *md, w *Workload, plots []string)
}

// sections lists the workloads with a section of their own: one line each.
var sections = map[string]section{
	"failover":  {plots: failoverPlots, write: writeFailover},
	"chaos":     {plots: chaosPlots, write: writeChaos},
	"migration": {plots: migrationPlots, write: writeMigration},
	"scale":     {plots: scalePlots, write: writeScale},
	"reassign":  {write: writeReassign},
}
