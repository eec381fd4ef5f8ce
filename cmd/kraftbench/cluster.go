package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/providers"
	"github.com/kraftbench/kraftbench/internal/textutil"
)

func newClusterCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Start, inspect, fault and remove clusters that outlive the command",
		Long: `cluster up starts a cluster of either mode and leaves it running, owned by a
detached supervisor process; the other cluster commands talk to that supervisor.
State lives under $KRAFTBENCH_HOME (default ~/.local/state/kraftbench).`,
	}
	cmd.AddCommand(newClusterUpCmd(), newClusterStatusCmd(), newClusterFileCmd(), newClusterFaultCmd(), newClusterDownCmd(), newSuperviseCmd())
	return cmd
}

func newClusterUpCmd() *cobra.Command {
	var spec cluster.Spec
	var mode string // parsed into spec.Mode
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start a cluster, wait until it is ready, print its bootstrap servers",
		Long: `Start a cluster and wait until it is ready: a controller active, every broker
registered and unfenced, every broker serving the same metadata digest. Prints
"bootstrap=HOST:PORT,..." on its own line and exits, leaving the cluster running.

Examples:
  kraftbench cluster up --mode kraft --controllers 3 --brokers 3
  kraftbench cluster up --mode zk --zk-servers 3 --brokers 3 --name zk3 --provider local`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if spec.Mode, err = cluster.ParseMode(mode); err != nil {
				return fmt.Errorf("--mode: %w", err)
			}
			return clusterUp(cmd, spec, timeout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&mode, "mode", "", "metadata mode: kraft or zk (required)")
	f.StringVar(&spec.Provider, "provider", "", "local or docker (default: docker where an engine answers, else local)")
	f.IntVar(&spec.Brokers, "brokers", 3, "number of brokers")
	f.IntVar(&spec.Controllers, "controllers", 0, "KRaft controller quorum size (default 3 in KRaft mode)")
	f.IntVar(&spec.ZKServers, "zk-servers", 0, "ZooKeeper ensemble size (default 3 in ZooKeeper mode)")
	f.BoolVar(&spec.Combined, "combined", false, "KRaft: run controllers inside brokers (process.roles=broker,controller)")
	f.StringVar(&spec.Name, "name", "", "cluster name (default <mode>)")
	f.StringVar(&spec.Images.ZooKeeper, "zk-image", "", "docker: ZooKeeper image to use instead of the locally built one")
	f.Int64Var(&spec.Seed, "seed", 1, "seed for placement and ids")
	f.DurationVar(&timeout, "timeout", 3*time.Minute, "how long to wait for the cluster to be ready")
	cmd.MarkFlagRequired("mode")
	return cmd
}

func clusterUp(cmd *cobra.Command, spec cluster.Spec, timeout time.Duration) error {
	if spec.Name == "" {
		spec.Name = string(spec.Mode)
	}
	if spec.Mode == cluster.ModeKRaft && spec.Controllers == 0 {
		spec.Controllers = 3
	}
	if spec.Mode == cluster.ModeZK && spec.ZKServers == 0 {
		spec.ZKServers = 3
	}
	ctx := cmd.Context()
	name, why := providers.Choose(ctx, spec.Provider)
	spec.Provider = name
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("invalid cluster:\n%w", err)
	}
	fmt.Fprintln(cmd.ErrOrStderr(), "kraftbench:", why)
	dir, err := clusterState(spec.Name)
	if err != nil {
		return err
	}
	if _, err := os.Stat(string(dir)); err == nil {
		return fmt.Errorf("a cluster named %s exists (%s): `kraftbench cluster down --name %s` first", spec.Name, dir, spec.Name)
	}
	if err := os.MkdirAll(string(dir), 0o755); err != nil {
		return err
	}
	if err := dir.writeJSON("spec.json", spec); err != nil {
		return err
	}
	pid, err := spawnSupervisor(dir, spec.Name)
	if err != nil {
		os.RemoveAll(string(dir))
		return err
	}
	st, err := waitSupervisor(ctx, dir, pid, timeout)
	if err != nil {
		syscall.Kill(pid, syscall.SIGTERM)
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "kraftbench: cluster %s (%s, %s) ready in %s\n", spec.Name, spec.Mode, spec.Provider,
		st.ReadyAt.Sub(startOf(dir)).Round(time.Millisecond))
	fmt.Fprintf(cmd.OutOrStdout(), "bootstrap=%s\n", strings.Join(st.Bootstrap, ","))
	return nil
}

func startOf(dir stateDir) time.Time {
	if fi, err := os.Stat(dir.path("spec.json")); err == nil {
		return fi.ModTime()
	}
	return time.Now()
}

// spawnSupervisor starts `kraftbench cluster supervise` in its own session,
// detached from this terminal, logging to the state directory.
func spawnSupervisor(dir stateDir, name string) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	logf, err := os.Create(dir.log())
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	c := exec.Command(exe, "cluster", "supervise", "--name", name)
	c.Stdout, c.Stderr = logf, logf
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		return 0, fmt.Errorf("start supervisor: %w", err)
	}
	go c.Wait()
	return c.Process.Pid, nil
}

// waitSupervisor waits for ready.json, or for the supervisor to fail.
func waitSupervisor(ctx context.Context, dir stateDir, pid int, timeout time.Duration) (*runState, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if st, err := dir.readReady(); err == nil {
			return st, nil
		}
		if syscall.Kill(pid, 0) != nil {
			log, _ := os.ReadFile(dir.log())
			os.RemoveAll(string(dir))
			return nil, fmt.Errorf("cluster failed to start:\n%s", textutil.LastLines(string(log), 25))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("cluster not ready after %s; supervisor log: %s", timeout, dir.log())
}

func newClusterStatusCmd() *cobra.Command {
	var name string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show a cluster's nodes, roles, active controller, epoch and digests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := control(cmd.Context(), name, http.MethodGet, "/status", nil)
			if err != nil {
				return err
			}
			if asJSON {
				_, err := cmd.OutOrStdout().Write(body)
				return err
			}
			return printStatus(cmd.OutOrStdout(), body)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "cluster name (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.MarkFlagRequired("name")
	return cmd
}

func printStatus(w io.Writer, body []byte) error {
	var out struct {
		State runState     `json:"state"`
		Nodes []nodeStatus `json:"nodes"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return err
	}
	s := out.State.Spec
	fmt.Fprintf(w, "cluster %s: mode=%s provider=%s bootstrap=%s\n", s.Name, s.Mode, out.State.Provider, strings.Join(out.State.Bootstrap, ","))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKIND\tROLES\tADDR\tACTIVE-CONTROLLER\tEPOCH\tOFFSET\tFENCED\tDIGEST\tSTATE")
	for _, n := range out.Nodes {
		roles := fmt.Sprint(n.Info.Roles)
		state := "up"
		if n.Fault != "" {
			state = "fault:" + n.Fault
		}
		if n.Status == nil {
			if n.Info.Kind == "node" {
				state = "unreachable"
				if n.Fault != "" {
					state += ",fault:" + n.Fault
				}
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t-\t-\t-\t-\t-\t%s\n", n.Info.ID, n.Info.Kind, roles, n.Info.Addr, state)
			continue
		}
		st := n.Status
		active := strconv.Itoa(int(st.ActiveControllerID))
		if st.Active {
			active += " (this node)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%v\t%s\t%s\n", n.Info.ID, n.Info.Kind, roles, n.Info.Addr,
			active, st.ControllerEpoch, st.MetadataOffset, st.Fenced, st.Digest, state)
	}
	return tw.Flush()
}

func newClusterFaultCmd() *cobra.Command {
	var name string
	var node int32
	kinds := cluster.JoinFaultKinds(cluster.FaultKinds(), "|")
	cmd := &cobra.Command{
		Use:   "fault " + kinds + "|" + healFault,
		Short: "Inject a fault into one node of a running cluster, or heal it",
		Long: `Inject a fault into one node: kill (SIGKILL), stop (graceful), pause (freeze),
partition (cut from its peers; docker provider only), restart. heal undoes the
node's last fault (restarts a killed or stopped node, resumes a paused one,
reconnects a partitioned one).`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: append(strings.Split(kinds, "|"), healFault),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := args[0]
			if kind != healFault {
				if _, err := cluster.ParseFaultKind(kind); err != nil {
					return fmt.Errorf("%w, or %s", err, healFault)
				}
			}
			req, _ := json.Marshal(faultRequest{Node: node, Kind: kind})
			body, err := control(cmd.Context(), name, http.MethodPost, "/fault", req)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n", strings.TrimSpace(string(body)))
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "cluster name (required)")
	cmd.Flags().Int32Var(&node, "node", -1, "node id (required)")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("node")
	return cmd
}

// control sends one request to a cluster's supervisor.
func control(ctx context.Context, name, method, path string, body []byte) ([]byte, error) {
	dir, err := clusterState(name)
	if err != nil {
		return nil, err
	}
	if _, err := dir.readSpec(); err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://supervisor"+path, rd)
	if err != nil {
		return nil, err
	}
	resp, err := controlClient(dir.socket()).Do(req)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w (%v); `kraftbench cluster down --name %s` cleans up", name, errNoSupervisor, err, name)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(out, &e) == nil && e.Error != "" {
			return nil, errors.New(e.Error)
		}
		return nil, fmt.Errorf("cluster %s: HTTP %d", name, resp.StatusCode)
	}
	return out, nil
}

func newClusterDownCmd() *cobra.Command {
	var name string
	var all bool
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop and remove a cluster (--name) or every kraftbench cluster and leftover (--all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all == (name != "") {
				return errors.New("give exactly one of --name NAME or --all")
			}
			names := []string{name}
			if all {
				var err error
				if names, err = listClusters(); err != nil {
					return err
				}
			}
			var errs []error
			for _, n := range names {
				if err := clusterDown(cmd, n); err != nil {
					errs = append(errs, err)
				}
			}
			if all {
				errs = append(errs, sweepLeftovers(cmd))
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "cluster name")
	cmd.Flags().BoolVar(&all, "all", false, "remove every cluster and every leftover of earlier runs")
	return cmd
}

// clusterDown asks the supervisor to remove its cluster and waits; when the
// supervisor is gone, it removes what the provider left behind itself.
func clusterDown(cmd *cobra.Command, name string) error {
	ctx := cmd.Context()
	dir, err := clusterState(name)
	if err != nil {
		return err
	}
	spec, err := dir.readSpec()
	if err != nil {
		return err
	}
	if _, err := control(ctx, name, http.MethodPost, "/down", nil); err == nil {
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(string(dir)); errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(cmd.ErrOrStderr(), "kraftbench: cluster %s removed\n", name)
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("cluster %s: supervisor did not finish within 2 minutes; see %s", name, dir.log())
	}
	if st, err := dir.readReady(); err == nil && st.Supervisor > 0 {
		syscall.Kill(st.Supervisor, syscall.SIGKILL)
	}
	if err := providers.Down(ctx, spec.Provider, name, dir.path("files")); err != nil {
		return fmt.Errorf("cluster %s: %w", name, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "kraftbench: cluster %s removed (its supervisor was gone)\n", name)
	return os.RemoveAll(string(dir))
}

// sweepLeftovers removes what runs left behind without state: processes under
// the state root, and containers and networks labelled by kraftbench.
func sweepLeftovers(cmd *cobra.Command) error {
	root, err := stateRoot()
	if err != nil {
		return err
	}
	n, err := providers.DownAll(cmd.Context(), root)
	if n > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "kraftbench: removed %d leftovers of earlier runs\n", n)
	}
	return err
}
