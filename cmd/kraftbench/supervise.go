package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/providers"
	"github.com/spf13/cobra"
)

// The supervisor is the detached process `cluster up` leaves behind: it owns
// the cluster (local processes die with it, by design), answers the other
// cluster commands on a unix socket, and removes everything on `cluster down`,
// SIGTERM or SIGINT.
func newSuperviseCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:    "supervise",
		Short:  "Own a running cluster (started by `cluster up`; not for direct use)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return supervise(name)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "cluster name")
	return cmd
}

type supervisor struct {
	c     cluster.Cluster
	state *runState
	log   *slog.Logger

	mu    sync.Mutex
	undos map[int32]*cluster.FaultRecord // last undoable fault per node
	down  chan struct{}
	once  sync.Once
}

func supervise(name string) error {
	dir, err := clusterState(name)
	if err != nil {
		return err
	}
	spec, err := dir.readSpec()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("cluster", name)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	p, err := providers.New(spec.Provider, providers.Options{Dir: dir.path("files"), Logger: log})
	if err != nil {
		return err
	}
	c, err := p.Start(ctx, spec)
	if err != nil {
		dir.writeJSON("failed.json", map[string]string{"error": err.Error()})
		return err
	}
	st := &runState{Spec: spec, Provider: spec.Provider, Supervisor: os.Getpid(), Socket: dir.socket(),
		Bootstrap: c.Bootstrap(), Nodes: c.Nodes(), ReadyAt: time.Now()}
	if ph, ok := c.(cluster.PhaseReporter); ok {
		st.Phases = ph.Phases()
	}
	s := &supervisor{c: c, state: st, log: log, undos: map[int32]*cluster.FaultRecord{}, down: make(chan struct{})}
	os.Remove(dir.socket())
	ln, err := net.Listen("unix", dir.socket())
	if err != nil {
		c.Stop(context.Background())
		return fmt.Errorf("control socket: %w", err)
	}
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	if err := dir.writeJSON("ready.json", st); err != nil {
		c.Stop(context.Background())
		return err
	}
	log.Info("cluster ready", "bootstrap", st.Bootstrap)
	select {
	case <-ctx.Done():
		log.Info("signal: stopping cluster")
	case <-s.down:
		log.Info("cluster down requested")
	}
	srv.Close()
	err = c.Stop(context.Background())
	os.RemoveAll(string(dir))
	return err
}

func (s *supervisor) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", s.handleStatus)
	mux.HandleFunc("POST /fault", s.handleFault)
	mux.HandleFunc("POST /migrate", s.handleMigrate) // migrate.go
	mux.HandleFunc("POST /down", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		s.once.Do(func() { close(s.down) })
	})
	return mux
}

// nodeStatus is one node's entry in `cluster status`.
type nodeStatus struct {
	Info   cluster.NodeInfo `json:"info"`
	Status *cluster.Status  `json:"status,omitempty"`
	Error  string           `json:"error,omitempty"`
	Fault  string           `json:"fault,omitempty"` // an active, undoable fault
}

func (s *supervisor) handleStatus(w http.ResponseWriter, r *http.Request) {
	out := struct {
		State *runState    `json:"state"`
		Nodes []nodeStatus `json:"nodes"`
	}{State: s.state}
	for _, n := range s.c.Nodes() {
		ns := nodeStatus{Info: n}
		if n.Kind == "node" {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			st, err := s.c.Status(ctx, n.ID)
			cancel()
			if err != nil {
				ns.Error = err.Error()
			} else {
				ns.Status = &st
			}
			s.mu.Lock()
			if f := s.undos[n.ID]; f != nil {
				ns.Fault = string(f.Fault.Kind)
			}
			s.mu.Unlock()
		}
		out.Nodes = append(out.Nodes, ns)
	}
	writeJSON(w, http.StatusOK, out)
}

// healFault is the fault request that undoes the node's last fault.
const healFault = "heal"

// faultRequest is the body of POST /fault: a cluster.FaultKind, or
// healFault to undo the node's last fault.
type faultRequest struct {
	Node int32  `json:"node"`
	Kind string `json:"kind"`
}

func (s *supervisor) handleFault(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	rec, err := s.fault(ctx, req)
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"fault": rec.Fault, "start": rec.Start, "end": rec.End, "details": rec.Details})
}

func (s *supervisor) fault(ctx context.Context, req faultRequest) (*cluster.FaultRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Kind == healFault {
		rec := s.undos[req.Node]
		if rec == nil {
			return nil, fmt.Errorf("node %d has no fault to heal", req.Node)
		}
		if err := rec.Undo(ctx); err != nil {
			return nil, fmt.Errorf("heal node %d: %w", req.Node, err)
		}
		delete(s.undos, req.Node)
		return rec, nil
	}
	if prev := s.undos[req.Node]; prev != nil {
		return nil, fmt.Errorf("node %d is under a %s fault: heal it first", req.Node, prev.Fault.Kind)
	}
	kind, err := cluster.ParseFaultKind(req.Kind)
	if err != nil {
		return nil, err
	}
	rec, err := s.c.Fault(ctx, cluster.Fault{Kind: kind, Node: req.Node})
	if err != nil {
		return nil, err
	}
	if rec.Undo != nil {
		s.undos[req.Node] = rec
	}
	return rec, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// controlClient talks to a supervisor over its unix socket.
func controlClient(socket string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}}
}

// errNoSupervisor means the cluster's supervisor does not answer.
var errNoSupervisor = errors.New("the cluster's supervisor does not answer")
