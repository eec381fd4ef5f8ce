package safety

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// dump is the JSON form of a whole History, kept when a check fails so the
// run can be studied after its cluster is gone.
type dump struct {
	Base          time.Time   `json:"base"`
	Writes        []Op        `json:"writes"`
	Reads         []Op        `json:"reads"`
	FinalReads    []dumpFinal `json:"final_reads"`
	DroppedWrites int         `json:"dropped_writes"`
	DroppedReads  int         `json:"dropped_reads"`
}

type dumpFinal struct {
	At      int64    `json:"at"` // on the history's clock, like Op.Call
	Present []string `json:"present"`
}

// WriteJSON writes the whole history (every recorded write and read, and
// each final read's topic set) to path as JSON, making its directory.
func (h *History) WriteJSON(path string) error {
	h.mu.Lock()
	d := dump{Base: h.base, Writes: slices.Clone(h.writes), Reads: slices.Clone(h.reads),
		DroppedWrites: h.droppedWrites, DroppedReads: h.droppedReads}
	for _, f := range h.finals {
		var present []string
		for _, t := range slices.Sorted(maps.Keys(f.present)) {
			if f.present[t] {
				present = append(present, t)
			}
		}
		d.FinalReads = append(d.FinalReads, dumpFinal{At: f.at, Present: present})
	}
	h.mu.Unlock()
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}
