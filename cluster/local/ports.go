package local

import (
	"fmt"
	"net"
)

// freePorts returns n distinct free TCP ports on 127.0.0.1, holding all n
// open at once so none repeats, then releasing them. Another process could
// take one before the node binds it; the node then fails to start with a
// bind error that names the port.
func freePorts(n int) ([]int, error) {
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
