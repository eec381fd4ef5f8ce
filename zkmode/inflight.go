package zkmode

import (
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxInFlightRequests is zookeeper.max.in.flight.requests (Kafka 3.9
// ZkConfigs.java: ZK_MAX_IN_FLIGHT_REQUESTS default 10): how many requests a
// broker's ZooKeeper session keeps outstanding.
const DefaultMaxInFlightRequests = 10

// inFlight is Kafka's ZooKeeperClient.inFlightRequests semaphore (3.9
// ZooKeeperClient.scala:80, acquired in handleRequests before each send and
// released in the response callback, :156-161): every request on the
// session, reads and writes, the controller's and the admin path's alike,
// takes a slot, so at most max are outstanding at once.
type inFlight struct {
	slots chan struct{}
	cur   atomic.Int64
	rec   atomic.Pointer[zkRecorder]
}

func newInFlight(max int) *inFlight {
	if max <= 0 {
		max = DefaultMaxInFlightRequests
	}
	return &inFlight{slots: make(chan struct{}, max)}
}

// max is the bound (zookeeper.max.in.flight.requests).
func (f *inFlight) max() int { return cap(f.slots) }

// do runs one ZooKeeper request in a slot and records it when a recorder is
// attached. kind and path name the request as Kafka's ZooKeeperClient would
// (a MultiRequest is recorded with its operations).
func (f *inFlight) do(kind string, path string, ops []recordedOp, call func() error) error {
	f.slots <- struct{}{}
	n := f.cur.Add(1)
	rec := f.rec.Load()
	var start time.Time
	if rec != nil {
		start = time.Now()
	}
	err := call()
	f.cur.Add(-1)
	<-f.slots
	if rec != nil {
		rec.add(recordedRequest{Kind: kind, Path: path, Ops: ops, InFlight: int(n), Start: start, End: time.Now(), Err: err})
	}
	return err
}

// recordedOp is one operation of a recorded multi.
type recordedOp struct {
	Kind string // check, create, setData, delete
	Path string
}

// recordedRequest is one request a session sent, as the sequence tests
// compare them with Kafka's: Kind is getData, getChildren, exists, create,
// setData, delete or multi.
type recordedRequest struct {
	Kind     string
	Path     string
	Ops      []recordedOp // multi only
	InFlight int          // requests outstanding when this one was sent, itself included
	Start    time.Time
	End      time.Time
	Err      error
}

// zkRecorder collects the requests of one session while attached. It is
// test support: a node records nothing unless a recorder is attached.
type zkRecorder struct {
	mu   sync.Mutex
	reqs []recordedRequest
}

func (r *zkRecorder) add(q recordedRequest) {
	r.mu.Lock()
	r.reqs = append(r.reqs, q)
	r.mu.Unlock()
}

// requests returns what was recorded, in the order the answers came.
func (r *zkRecorder) requests() []recordedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recordedRequest(nil), r.reqs...)
}
