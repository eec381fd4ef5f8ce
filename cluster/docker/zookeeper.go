package docker

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

// zkSrvr asks a ZooKeeper server for its mode with the srvr four-letter
// word: "leader", "follower" or "standalone".
func zkSrvr(ctx context.Context, addr string) (string, error) {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("srvr")); err != nil {
		return "", err
	}
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		if mode, ok := strings.CutPrefix(sc.Text(), "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("srvr on %s: no Mode line (serving no requests yet?)", addr)
}

// zkQuorum returns nil once every server answers srvr and the ensemble has a
// leader (or its one server runs standalone).
func zkQuorum(ctx context.Context, r *resolver) error {
	leaders := 0
	for _, id := range r.zkServers {
		addr := fmt.Sprintf("%s:%d", loopback, r.zkClient[id])
		mode, err := zkSrvr(ctx, addr)
		if err != nil {
			return fmt.Errorf("zookeeper server %d (%s): %w", id, addr, err)
		}
		if mode == "leader" || mode == "standalone" {
			leaders++
		}
	}
	if leaders != 1 {
		return fmt.Errorf("zookeeper: %d leaders among %d servers", leaders, len(r.zkServers))
	}
	return nil
}
