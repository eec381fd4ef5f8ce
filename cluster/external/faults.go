package external

import (
	"fmt"
	"strings"

	"github.com/kraftbench/kraftbench/cluster"
)

// faultKeys maps a fault kind to the keys of the commands that carry it out
// and the key of its undo ("" for a restart, which needs none).
var faultKeys = map[cluster.FaultKind]struct {
	do   []string
	undo string
}{
	cluster.FaultKill:      {[]string{"kill"}, "start"},
	cluster.FaultStop:      {[]string{"stop"}, "start"},
	cluster.FaultPause:     {[]string{"pause"}, "resume"},
	cluster.FaultPartition: {[]string{"partition"}, "heal"},
	cluster.FaultRestart:   {[]string{"stop", "start"}, ""},
}

// command returns node i's command under key, bound to its key, node and
// timeout, or false when the file gives none.
func (f *File) command(i int, key string) (boundCommand, bool) {
	n := f.Nodes[i]
	for _, kc := range n.Faults.commandKeys() {
		if kc.key == key && kc.cmd != nil {
			return boundCommand{Key: fmt.Sprintf("nodes[%d].faults.%s", i, key), Node: n.ID,
				Run: kc.cmd.Run, Timeout: f.timeout(kc.cmd)}, true
		}
	}
	return boundCommand{}, false
}

// nodeIndex returns the index in Nodes of node id, or -1.
func (f *File) nodeIndex(id int32) int {
	for i, n := range f.Nodes {
		if n.ID == id {
			return i
		}
	}
	return -1
}

// faultCommands returns the commands that put kind on node id and its undo
// (nil for a restart). A command the file does not give is an error naming
// the missing key.
func (f *File) faultCommands(kind cluster.FaultKind, id int32) (do []boundCommand, undo *boundCommand, err error) {
	keys, ok := faultKeys[kind]
	if !ok {
		return nil, nil, fmt.Errorf("fault %s: the external provider has no commands for it", kind)
	}
	i := f.nodeIndex(id)
	if i < 0 {
		return nil, nil, fmt.Errorf("fault %s on node %d: the cluster file lists no node %d, so gives no nodes[].faults.%s for it", kind, id, id, keys.do[0])
	}
	for _, k := range keys.do {
		c, ok := f.command(i, k)
		if !ok {
			return nil, nil, fmt.Errorf("fault %s on node %d: the cluster file gives no nodes[%d].faults.%s", kind, id, i, k)
		}
		do = append(do, c)
	}
	if keys.undo != "" {
		c, ok := f.command(i, keys.undo)
		if !ok { // Validate requires it; a File built by hand may lack it
			return nil, nil, fmt.Errorf("fault %s on node %d: the cluster file gives no nodes[%d].faults.%s to undo it", kind, id, i, keys.undo)
		}
		undo = &c
	}
	return do, undo, nil
}

// missingFault lists, for kind, the keys of every Kafka node the file lacks
// a command for; nodes lists the ids to check.
func (f *File) missingFault(kind cluster.FaultKind, nodes []int32) []string {
	var missing []string
	for _, id := range nodes {
		if _, _, err := f.faultCommands(kind, id); err != nil {
			i := f.nodeIndex(id)
			if i < 0 {
				missing = append(missing, fmt.Sprintf("node %d (not in nodes)", id))
				continue
			}
			for _, k := range append(faultKeys[kind].do, faultKeys[kind].undo) {
				if _, ok := f.command(i, k); k != "" && !ok {
					missing = append(missing, fmt.Sprintf("nodes[%d].faults.%s", i, k))
				}
			}
		}
	}
	return missing
}

// CheckFaults returns an error naming every missing key when some node of
// the file cannot take one of kinds: for faults a user asked for by name,
// which must not be skipped quietly.
func (f *File) CheckFaults(kinds []cluster.FaultKind) error {
	ids := f.kafkaNodeIDs()
	if len(ids) == 0 {
		return fmt.Errorf("faults %s: the cluster file lists no nodes, so gives no fault commands (nodes[].faults)", cluster.JoinFaultKinds(kinds, ","))
	}
	var errs []string
	for _, k := range kinds {
		if m := f.missingFault(k, ids); len(m) > 0 {
			errs = append(errs, fmt.Sprintf("fault %s: the cluster file gives no %s", k, strings.Join(m, ", ")))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// kafkaNodeIDs lists the ids of the file's nodes.
func (f *File) kafkaNodeIDs() []int32 {
	var ids []int32
	for _, n := range f.Nodes {
		ids = append(ids, n.ID)
	}
	return ids
}
