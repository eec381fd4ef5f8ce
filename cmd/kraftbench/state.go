package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// stateRoot is where `cluster up` keeps each running cluster's state:
// $KRAFTBENCH_HOME, else $XDG_STATE_HOME/kraftbench, else ~/.local/state/kraftbench.
func stateRoot() (string, error) {
	if d := os.Getenv("KRAFTBENCH_HOME"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "kraftbench"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no state directory: set KRAFTBENCH_HOME (%w)", err)
	}
	return filepath.Join(home, ".local", "state", "kraftbench"), nil
}

// runState is what the supervisor of a running cluster writes once the
// cluster is ready (ready.json in the cluster's state directory).
type runState struct {
	Spec       cluster.Spec       `json:"spec"`
	Provider   string             `json:"provider"`
	Supervisor int                `json:"supervisor_pid"`
	Socket     string             `json:"socket"`
	Bootstrap  []string           `json:"bootstrap"`
	Nodes      []cluster.NodeInfo `json:"nodes"`
	Phases     []cluster.Phase    `json:"phases,omitempty"`
	ReadyAt    time.Time          `json:"ready_at"`
}

type stateDir string

func clusterState(name string) (stateDir, error) {
	root, err := stateRoot()
	if err != nil {
		return "", err
	}
	return stateDir(filepath.Join(root, "clusters", name)), nil
}

func (d stateDir) path(f string) string { return filepath.Join(string(d), f) }
func (d stateDir) socket() string       { return d.path("control.sock") }
func (d stateDir) log() string          { return d.path("supervisor.log") }

func (d stateDir) readReady() (*runState, error) {
	b, err := os.ReadFile(d.path("ready.json"))
	if err != nil {
		return nil, err
	}
	var st runState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", d.path("ready.json"), err)
	}
	return &st, nil
}

func (d stateDir) writeJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := d.path(name + ".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, d.path(name))
}

func (d stateDir) readSpec() (cluster.Spec, error) {
	var s cluster.Spec
	b, err := os.ReadFile(d.path("spec.json"))
	if errors.Is(err, os.ErrNotExist) {
		return s, fmt.Errorf("no cluster named %s (nothing in %s)", filepath.Base(string(d)), d)
	}
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

// listClusters returns the names of clusters with a state directory.
func listClusters() ([]string, error) {
	root, err := stateRoot()
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(filepath.Join(root, "clusters"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
