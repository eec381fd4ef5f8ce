// Package provision holds what the cluster providers (local processes and
// docker containers) share: choosing free loopback ports before start, and
// running one step on every node at once.
package provision

import (
	"errors"
	"sync"
)

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
