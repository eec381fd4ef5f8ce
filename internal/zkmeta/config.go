package zkmeta

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kafka's defaults for the ZooKeeper client and push settings that the
// ZooKeeper-mode brokers and a migrating KRaft controller share; zkmode's
// Config carries them under the same names (and DefaultMaxInFlightRequests,
// in inflight.go).
const (
	// DefaultSessionTimeout is zookeeper.session.timeout.ms (Kafka >= 2.5).
	DefaultSessionTimeout = 18 * time.Second
	// DefaultControllerSocketTimeout is controller.socket.timeout.ms: how
	// long the controller waits for a broker to answer a push.
	DefaultControllerSocketTimeout = 30 * time.Second
)

// ParseConnect splits zookeeper.connect into servers and chroot ("" for
// none), as Kafka (and the Java client) read it: the chroot follows the last
// server.
func ParseConnect(s string) (servers []string, chroot string, err error) {
	if s == "" {
		return nil, "", errors.New("required in ZooKeeper mode")
	}
	hosts := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		hosts, chroot = s[:i], strings.TrimRight(s[i:], "/")
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, "", fmt.Errorf("empty server in %q", s)
		}
		servers = append(servers, h)
	}
	if strings.Contains(chroot, "//") {
		return nil, "", fmt.Errorf("invalid chroot %q", chroot)
	}
	return servers, chroot, nil
}
