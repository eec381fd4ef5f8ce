package safety

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// The dump holds every op and each final read's present topics, and reads
// back as JSON.
func TestHistoryWriteJSON(t *testing.T) {
	h := NewHistory()
	h.Add(Op{Kind: Create, Topic: "a", Call: 1, Return: 2, Outcome: OK})
	h.Add(Op{Kind: Delete, Topic: "b", Call: 3, Return: 4, Outcome: Absent, Code: 3})
	h.FinalRead(map[string]bool{"a": true, "b": false}, time.Now())
	path := filepath.Join(t.TempDir(), "sub", "h.json")
	if err := h.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d dump
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Writes) != 2 || d.Writes[1].Code != 3 || len(d.FinalReads) != 1 || !slices.Equal(d.FinalReads[0].Present, []string{"a"}) {
		t.Errorf("dump %+v", d)
	}
}
