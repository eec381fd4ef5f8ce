package zkmode

import (
	"errors"
	"sync"

	"github.com/go-zookeeper/zk"

	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// writeResult is the answer to one controller write of cwriteEach.
type writeResult struct {
	stat *zk.Stat // the written znode's stat (setData only)
	err  error    // the operation's own error (NODEEXISTS, BADVERSION, NONODE...)
}

// cwriteEach issues each op as its own transaction, multi(check
// /controller_epoch version, op), the requests pipelined with at most
// zookeeper.max.in.flight.requests outstanding. This is how Kafka's
// controller writes (3.9 KafkaZkClient.scala: retryRequestsUntilConnected
// with an expected controller epoch zkVersion, :1969-1977, wraps every
// request with wrapRequestWithControllerEpochCheck, :2324-2335, and
// ZooKeeperClient.handleRequests sends the Seq under its in-flight
// semaphore). A refused check means another controller was elected: that
// is the returned error, and nothing was written by the refused requests.
// A lost connection is returned too; any other error is the op's own and is
// in its result.
func (c *controller) cwriteEach(ops []zkmeta.Op) ([]writeResult, error) {
	out := make([]writeResult, len(ops))
	errs := make([]error, len(ops))
	workers := min(len(ops), c.n.z.MaxInFlight())
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(ops) {
					return
				}
				out[i], errs[i] = c.cwriteOne(ops[i])
			}
		}()
	}
	wg.Wait()
	var moved, lost error
	for _, err := range errs {
		switch {
		case errors.Is(err, errControllerMoved):
			moved = err
		case err != nil && lost == nil:
			lost = err
		}
	}
	if moved != nil {
		return out, moved
	}
	return out, lost
}

// cwriteOne is one epoch-checked write; the op's own refusal is in the
// result, the controller having moved or a lost connection in the error.
func (c *controller) cwriteOne(o zkmeta.Op) (writeResult, error) {
	res, err := c.cwrite([]zkmeta.Op{o})
	var me *zkmeta.MultiError
	switch {
	case err == nil:
		return writeResult{stat: res[0].Stat}, nil
	case errors.As(err, &me):
		return writeResult{err: me.Err}, nil
	default:
		return writeResult{err: err}, err
	}
}
