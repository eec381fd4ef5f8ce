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
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/config"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/kraftbench/kraftbench/internal/buildinfo"
	"github.com/spf13/cobra"
)

func newStartCmd() *cobra.Command {
	var cf configFlags
	var logLevel string
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the node and run until SIGTERM or SIGINT",
		Long: `Start the node described by --config and --override and serve until SIGTERM or
SIGINT, then shut down cleanly (a broker deregisters, a controller hands over).

It prints one line "kbnode ready node.id=N ..." on stdout once its listeners
are bound and its mode has started, so a supervisor can wait for it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := cf.load()
			if err != nil {
				return err
			}
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: %w", logLevel, err)
			}
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})).
				With("node", n.NodeID, "mode", n.Mode)
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return run(ctx, cmd, n, log)
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	return cmd
}

// run starts the node, announces readiness, waits for ctx and shuts down.
func run(ctx context.Context, cmd *cobra.Command, n *config.Node, log *slog.Logger) error {
	starter, ok := modes[n.Mode]
	if !ok {
		return fmt.Errorf("no mode %q in this build", n.Mode)
	}
	lns, err := bindListeners(n)
	if err != nil {
		return err
	}
	delay, err := testCommitDelay(n.Mode)
	if err != nil {
		closeAll(lns)
		return err
	}
	if delay > 0 {
		log.Warn("TEST-ONLY commit delay is on: this node's latencies are not real", "env", testCommitDelayEnv, "delay", delay)
	}
	srv := front.NewServer(front.Options{MaxFrameBytes: n.MaxFrameBytes, Logger: log})
	node, err := starter(ctx, n, nodeEnv{Server: srv, Listeners: lns, Logger: log, TestCommitDelay: delay})
	if err != nil {
		closeAll(lns)
		return fmt.Errorf("start %s node %d: %w", n.Mode, n.NodeID, err)
	}
	serveErr := make(chan error, len(lns.owned))
	for name, ln := range lns.owned {
		go func() { serveErr <- srv.ServeListener(name, ln) }()
	}
	status, err := startStatus(n, node, log)
	if err != nil {
		node.Close()
		srv.Close()
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "kbnode ready node.id=%d mode=%s roles=%v listeners=%s\n",
		n.NodeID, n.Mode, n.Roles, lns.describe())
	select {
	case <-ctx.Done():
		log.Info("shutting down", "reason", context.Cause(ctx))
	case err = <-serveErr:
		log.Error("listener failed", "err", err)
	}
	shutdown(node, srv, status, log)
	return err
}

func shutdown(node cluster.Controller, srv *front.Server, status *http.Server, log *slog.Logger) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := node.Close(); err != nil {
			log.Warn("node close", "err", err)
		}
		srv.Close()
		if status != nil {
			status.Close()
		}
	}()
	select {
	case <-done:
		log.Info("stopped")
	case <-time.After(30 * time.Second):
		// what it waits on, for whoever reads the log: every goroutine's stack
		var stacks strings.Builder
		pprof.Lookup("goroutine").WriteTo(&stacks, 1)
		log.Error("shutdown took over 30s; exiting anyway", "goroutines", stacks.String())
	}
}

// floorCommitter is a node that can measure its store's floor: a bare commit
// on the metadata quorum (KRaft's active controller).
type floorCommitter interface {
	FloorCommit(ctx context.Context) (time.Duration, error)
}

// floorAppender is a node that can also measure a commit through its
// write path: KRaft's active controller, through its append linger.
type floorAppender interface {
	FloorAppend(ctx context.Context) (time.Duration, error)
}

// floorHandler answers one floor sample as {"commit_ns": N}, or the error
// with its Kafka code.
func floorHandler(measure func(context.Context) (time.Duration, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		d, err := measure(ctx)
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(map[string]any{"error": err.Error(), "code": cluster.ErrorCode(err)})
			return
		}
		json.NewEncoder(w).Encode(map[string]int64{"commit_ns": d.Nanoseconds()})
	}
}

// startStatus serves GET /status (the node's cluster.Status and build as
// JSON) on kraftbench.status.listener, for providers and people, and POST
// /floor/commit (and /floor/append) on a node that can measure its store's
// floor.
func startStatus(n *config.Node, node cluster.Controller, log *slog.Logger) (*http.Server, error) {
	if n.StatusListener == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", n.StatusListener)
	if err != nil {
		return nil, fmt.Errorf("kraftbench.status.listener=%q: %w", n.StatusListener, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(struct {
			cluster.Status
			Build buildinfo.Info `json:"build"`
		}{node.Status(), buildinfo.Read()})
	})
	if f, ok := node.(floorCommitter); ok {
		mux.HandleFunc("POST /floor/commit", floorHandler(f.FloorCommit))
	}
	if f, ok := node.(floorAppender); ok {
		mux.HandleFunc("POST /floor/append", floorHandler(f.FloorAppend))
	}
	s := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("status listener", "err", err)
		}
	}()
	return s, nil
}

// boundListeners holds the sockets bound for the node's listeners, by name,
// with the advertised addresses corrected for ports chosen by the kernel.
type boundListeners struct {
	byName map[string]net.Listener
	owned  map[string]net.Listener // served by the front server (a mode may take some)
}

func bindListeners(n *config.Node) (*boundListeners, error) {
	b := &boundListeners{byName: map[string]net.Listener{}, owned: map[string]net.Listener{}}
	for i, l := range n.Listeners {
		ln, err := net.Listen("tcp", l.Addr())
		if err != nil {
			closeAll(b)
			return nil, fmt.Errorf("listeners: bind %s: %w", l, err)
		}
		if l.Port == 0 {
			port := ln.Addr().(*net.TCPAddr).Port
			n.Listeners[i].Port = port
			if n.AdvertisedListeners[i].Port == 0 {
				n.AdvertisedListeners[i].Port = port
			}
		}
		b.byName[l.Name] = ln
		b.owned[l.Name] = ln
	}
	return b, nil
}

// take removes a listener from those the front server serves, for a mode that
// serves it itself (a KRaft controller multiplexing Raft on its port).
func (b *boundListeners) take(name string) (net.Listener, bool) {
	ln, ok := b.owned[name]
	if ok {
		delete(b.owned, name)
	}
	return ln, ok
}

func (b *boundListeners) describe() string {
	s := ""
	for name, ln := range b.byName {
		if s != "" {
			s += ","
		}
		s += name + "://" + ln.Addr().String()
	}
	return s
}

func closeAll(b *boundListeners) {
	for _, ln := range b.byName {
		ln.Close()
	}
}
