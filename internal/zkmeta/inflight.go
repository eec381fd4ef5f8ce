package zkmeta

import (
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
// takes a slot, so at most max are outstanding at once. It lives with the
// client, not in zkmode, because a migrating KRaft controller's session is
// bounded too: Kafka's ControllerServer opens it with
// KafkaZkClient.createZkClient, which passes config.zkMaxInFlightRequests.
type inFlight struct {
	slots chan struct{}
	cur   atomic.Int64
	obs   atomic.Pointer[func(Request)]
}

func newInFlight(max int) *inFlight {
	if max <= 0 {
		max = DefaultMaxInFlightRequests
	}
	return &inFlight{slots: make(chan struct{}, max)}
}

// max is the bound (zookeeper.max.in.flight.requests).
func (f *inFlight) max() int { return cap(f.slots) }

// observe attaches f (nil detaches).
func (f *inFlight) observe(fn func(Request)) {
	if fn == nil {
		f.obs.Store(nil)
		return
	}
	f.obs.Store(&fn)
}

// do runs one ZooKeeper request in a slot and reports it when an observer is
// attached. kind and path name the request as Kafka's ZooKeeperClient would
// (a MultiRequest is reported with its operations).
func (f *inFlight) do(kind string, path string, ops []RequestOp, call func() error) error {
	f.slots <- struct{}{}
	n := f.cur.Add(1)
	obs := f.obs.Load()
	var start time.Time
	if obs != nil {
		start = time.Now()
	}
	err := call()
	f.cur.Add(-1)
	<-f.slots
	if obs != nil {
		(*obs)(Request{Kind: kind, Path: path, Ops: ops, InFlight: int(n), Start: start, End: time.Now(), Err: err})
	}
	return err
}

// RequestOp is one operation of an observed multi.
type RequestOp struct {
	Kind string // check, create, setData, delete
	Path string
}

// Request is one request a session sent, as an observer sees it and as
// zkmode's sequence tests compare them with Kafka's: Kind is getData,
// getChildren, exists, create, setData, delete or multi.
type Request struct {
	Kind     string
	Path     string
	Ops      []RequestOp // multi only
	InFlight int         // requests outstanding when this one was sent, itself included
	Start    time.Time
	End      time.Time
	Err      error
}
