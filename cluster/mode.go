package cluster

import (
	"fmt"
	"strings"
)

// Mode is the metadata control plane a cluster runs: ZooKeeper mode or
// KRaft mode. The modes are defined here once; user input (scenario files,
// flags, node configuration) becomes a Mode through ParseMode only.
type Mode string

// The modes.
const (
	ModeZK    Mode = "zk"
	ModeKRaft Mode = "kraft"
)

// Modes returns every mode, in the order runs and reports take them.
func Modes() []Mode { return []Mode{ModeZK, ModeKRaft} }

// ParseMode returns the mode s names, or an error listing the modes.
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.TrimSpace(s))
	for _, known := range Modes() {
		if m == known {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown mode %q: want zk or kraft", s)
}

// Title is the mode's name in prose and legends.
func (m Mode) Title() string {
	switch m {
	case ModeZK:
		return "ZooKeeper"
	case ModeKRaft:
		return "KRaft"
	}
	return string(m)
}
