package metrics

import (
	"os"
	"strings"
	"testing"
)

// The CPU model is what reports group machines by beside cores and memory,
// so it must be read where /proc/cpuinfo names one.
func TestReadMachineRecordsTheCPUModel(t *testing.T) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil || !strings.Contains(string(b), "model name") {
		if got := ReadMachine().CPUModel; got != "" {
			t.Errorf("no model name in /proc/cpuinfo, yet CPU model %q", got)
		}
		return
	}
	m := ReadMachine()
	if m.CPUModel == "" || strings.ContainsAny(m.CPUModel, ":\n") {
		t.Errorf("CPU model %q: want the first model name's value", m.CPUModel)
	}
}
