package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster/migrate"
	"github.com/spf13/cobra"
)

// migrateRequest is the body of POST /migrate to a cluster's supervisor.
type migrateRequest struct {
	Step        string        `json:"step"` // status, start, roll, finalize, rollback
	Brokers     []int32       `json:"brokers,omitempty"`
	Controllers int           `json:"controllers,omitempty"`
	Timeout     time.Duration `json:"timeout_ns,omitempty"`
}

// migrateEvent is one part of a step and how long it took.
type migrateEvent struct {
	Name string        `json:"name"`
	Took time.Duration `json:"took_ns"`
}

// migrateAnswer is the supervisor's answer: the events of the step and the
// state after it.
type migrateAnswer struct {
	Events []migrateEvent `json:"events,omitempty"`
	State  migrate.State  `json:"state"`
}

func newMigrateCmd() *cobra.Command {
	var name string
	var brokers []int32
	var controllers int
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "migrate start|status|roll|finalize|rollback",
		Short: "Migrate a running ZooKeeper-mode cluster to KRaft online, one step at a time (KIP-866)",
		Long: `Migrate a cluster started by ` + "`kraftbench cluster up --mode zk`" + ` to KRaft while it
serves, as Kafka's KIP-866 does:

  start     start a KRaft controller quorum in migration mode and restart each
            broker linked to it; returns once the controllers copied the
            metadata from ZooKeeper and write every change back (dual write)
  status    where the cluster is: phase, each broker's mode, dual write on or
            off, metadata offset, and the next step
  roll      restart the ZooKeeper-mode brokers into KRaft mode, one at a time
            (--broker N for one)
  finalize  restart the controllers without the migration flag: dual writes
            stop and ZooKeeper can be removed; no rollback afterwards
  rollback  before finalize only: back to ZooKeeper mode with nothing lost

A step out of order is refused with the reason.`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"start", "status", "roll", "finalize", "rollback"},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch args[0] {
			case "start", "status", "roll", "finalize", "rollback":
			default:
				return fmt.Errorf("unknown step %q: want start, status, roll, finalize or rollback", args[0])
			}
			if len(brokers) > 0 && args[0] != "roll" {
				return fmt.Errorf("--broker is for roll, not %s", args[0])
			}
			req, _ := json.Marshal(migrateRequest{Step: args[0], Brokers: brokers, Controllers: controllers, Timeout: timeout})
			ctx, cancel := context.WithTimeout(cmd.Context(), 4*timeout+time.Minute)
			defer cancel()
			body, err := control(ctx, name, http.MethodPost, "/migrate", req)
			if err != nil {
				return err
			}
			var ans migrateAnswer
			if err := json.Unmarshal(body, &ans); err != nil {
				return fmt.Errorf("supervisor answer: %w", err)
			}
			for _, e := range ans.Events {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %v\n", e.Name, e.Took.Round(time.Millisecond))
			}
			fmt.Fprint(cmd.OutOrStdout(), ans.State.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "cluster name (required)")
	cmd.Flags().Int32SliceVar(&brokers, "broker", nil, "roll only these brokers (repeatable)")
	cmd.Flags().IntVar(&controllers, "controllers", 3, "start: KRaft controllers to add")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "longest wait of each part of a step")
	cmd.MarkFlagRequired("name")
	return cmd
}

// migrateMu serialises migration steps on one supervisor.
var migrateMu sync.Mutex

func (s *supervisor) handleMigrate(w http.ResponseWriter, r *http.Request) {
	var req migrateRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	migrateMu.Lock()
	defer migrateMu.Unlock()
	var ans migrateAnswer
	o := migrate.Options{Controllers: req.Controllers, Timeout: req.Timeout, Event: func(name string, took time.Duration) {
		ans.Events = append(ans.Events, migrateEvent{name, took})
		s.log.Info("migration", "event", name, "took", took)
	}}
	ctx := r.Context()
	var err error
	switch req.Step {
	case "status":
	case "start":
		err = migrate.Start(ctx, s.c, o)
	case "roll":
		err = migrate.Roll(ctx, s.c, req.Brokers, o)
	case "finalize":
		err = migrate.Finalize(ctx, s.c, o)
	case "rollback":
		err = migrate.Rollback(ctx, s.c, o)
	default:
		err = fmt.Errorf("unknown step %q", req.Step)
	}
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
		return
	}
	st, err := migrate.ReadState(ctx, s.c)
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
		return
	}
	ans.State = st
	writeJSON(w, http.StatusOK, ans)
}
