package cluster

import (
	"strings"
	"testing"
)

// Every mode parses back to itself and has a title; anything else is
// refused with the list, and keeps its own name as a title.
func TestParseMode(t *testing.T) {
	titles := map[Mode]string{ModeZK: "ZooKeeper", ModeKRaft: "KRaft"}
	for _, m := range Modes() {
		got, err := ParseMode(" " + string(m))
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %q, %v", m, got, err)
		}
		if m.Title() != titles[m] {
			t.Errorf("%s.Title() = %q, want %q", m, m.Title(), titles[m])
		}
	}
	if _, err := ParseMode("etcd"); err == nil || !strings.Contains(err.Error(), "want zk or kraft") {
		t.Errorf("ParseMode(etcd): %v", err)
	}
	if Mode("etcd").Title() != "etcd" {
		t.Error("an unknown mode's title is its name")
	}
}
