// Package provision holds what the cluster providers (local processes and
// docker containers) share: choosing free loopback ports before start, and
// running one step on every node at once.
package provision

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// FreePorts returns n distinct free TCP ports on 127.0.0.1, holding all n
// open at once so none repeats, then releasing them. Another process could
// take one before the node binds (or Docker publishes) it; the node then
// fails to start with an error that names the port.
func FreePorts(n int) ([]int, error) {
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Parallel runs f(0..n-1) concurrently, waits for all, and joins their errors.
func Parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
