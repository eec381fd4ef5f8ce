package docker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sort"
	"strconv"

	"github.com/kraftbench/kraftbench/cluster/layout"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// spec is one container to start.
type spec struct {
	name    string // container name; its volume has the same name
	image   string
	cmd     []string
	env     map[string]string
	publish map[int]int // container port -> host port on 127.0.0.1
	dataDir string
	tmpfs   bool // a /tmp (the node image is FROM scratch and has none)
}

// request is spec as a testcontainers request: on the client network (first,
// so its ports are published there) and the peer network with its alias,
// labelled with the run.
func (s spec) request(n names, logger *slog.Logger) testcontainers.GenericContainerRequest {
	var exposed []string
	bindings := network.PortMap{}
	for inside, host := range s.publish {
		port := network.MustParsePort(strconv.Itoa(inside) + "/tcp")
		exposed = append(exposed, port.String())
		bindings[port] = []network.PortBinding{{HostIP: netip.MustParseAddr(loopback), HostPort: strconv.Itoa(host)}}
	}
	sort.Strings(exposed)
	req := testcontainers.ContainerRequest{
		Image:          s.image,
		Name:           s.name,
		Cmd:            s.cmd,
		Env:            s.env,
		Labels:         map[string]string{LabelRun: n.run},
		ExposedPorts:   exposed,
		Networks:       []string{n.clientNet(), n.peerNet()},
		NetworkAliases: map[string][]string{n.peerNet(): {alias(s.name)}},
		HostConfigModifier: func(hc *container.HostConfig) {
			hc.NetworkMode = container.NetworkMode(n.clientNet())
			hc.PortBindings = bindings
			hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeVolume, Source: s.name, Target: s.dataDir})
			if s.tmpfs {
				hc.Tmpfs = map[string]string{"/tmp": "rw,mode=1777"}
			}
		},
	}
	return testcontainers.GenericContainerRequest{ContainerRequest: req, Started: true, Logger: slogPrintf{logger}}
}

// nodeSpec is the kbnode container of node n, its Kafka properties passed as
// --override arguments.
func nodeSpec(image string, r *resolver, n layout.Node, props map[string]string) spec {
	publish := map[int]int{}
	for _, p := range r.published(n) {
		publish[p] = p // the same number inside: what a node advertises must work from the host
	}
	return spec{name: r.container(n.ID), image: image, cmd: append([]string{"start"}, overrides(props)...),
		publish: publish, dataDir: nodeDataDir, tmpfs: true}
}

// zkSpec is ZooKeeper server id, configured through the official zookeeper
// image's variables so that image fits too; heapMB > 0 sets its -Xmx
// through JVMFLAGS, which both entrypoints put after their own default (the
// JVM takes the last -Xmx).
func zkSpec(image string, r *resolver, id int, heapMB int) spec {
	env := map[string]string{
		"ZOO_MY_ID":                  strconv.Itoa(id),
		"ZOO_SERVERS":                r.zooServers(),
		"ZOO_4LW_COMMANDS_WHITELIST": "srvr,ruok,mntr",
		// Snapshots and the transaction log both on the run's volume (the
		// official image's entrypoint chowns both directories, so they must
		// exist: one directory does).
		"ZOO_DATA_DIR":            zkDataDir,
		"ZOO_DATA_LOG_DIR":        zkDataDir,
		"ZOO_ADMINSERVER_ENABLED": "false",
		"ZOO_STANDALONE_ENABLED":  strconv.FormatBool(len(r.zkServers) == 1),
		// Bind quorum ports on every address, not only the one the alias
		// resolves to when the server starts.
		"ZOO_CFG_EXTRA": "quorumListenOnAllIPs=true",
	}
	if heapMB > 0 {
		env["JVMFLAGS"] = fmt.Sprintf("-Xmx%dm", heapMB)
	}
	return spec{name: r.names.zk(id), image: image, env: env, publish: map[int]int{zkClientPort: r.zkClient[id]}, dataDir: zkDataDir}
}

// overrides renders properties as sorted --override key=value arguments.
func overrides(props map[string]string) []string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		out = append(out, "--override", k+"="+props[k])
	}
	return out
}

// logsTail returns the last lines a container wrote, for errors.
func logsTail(ctx context.Context, cli *testcontainers.DockerClient, name string, n int) string {
	rc, err := cli.ContainerLogs(ctx, name, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(n)})
	if err != nil {
		return fmt.Sprintf("(no logs: %v)", err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
	return stripMux(b)
}

// stripMux removes docker's 8-byte stream headers from a non-TTY log stream.
func stripMux(b []byte) string {
	var out []byte
	for len(b) >= 8 && (b[0] == 1 || b[0] == 2) && b[1] == 0 && b[2] == 0 && b[3] == 0 {
		size := int(b[4])<<24 | int(b[5])<<16 | int(b[6])<<8 | int(b[7])
		b = b[8:]
		if size > len(b) {
			size = len(b)
		}
		out = append(out, b[:size]...)
		b = b[size:]
	}
	return string(append(out, b...))
}

const loopback = "127.0.0.1"
