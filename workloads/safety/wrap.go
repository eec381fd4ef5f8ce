package safety

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kraftbench/kraftbench/cluster"
)

// recording is the Admin Wrap returns.
type recording struct {
	adm cluster.Admin
	h   *History
}

var _ cluster.Admin = (*recording)(nil)

// Wrap returns an Admin that forwards every call to adm unchanged and records
// it in h: each topic of a CreateTopics or DeleteTopics as one op with the
// call's start and return times and its Outcome, and each Metadata or
// BrokerView call as a Read (kept for inspection, never checked: a broker's
// metadata cache lags the controller by design, so such reads are not
// linearizable in either mode). Close is forwarded and not recorded.
//
// It is safe for concurrent use when adm is, and adds one lock per call.
func Wrap(adm cluster.Admin, h *History) cluster.Admin {
	return &recording{adm: adm, h: h}
}

func (r *recording) CreateTopics(ctx context.Context, specs []cluster.TopicSpec) ([]cluster.TopicResult, error) {
	call := r.h.Now()
	res, err := r.adm.CreateTopics(ctx, specs)
	ret := r.h.Now()
	for i, s := range specs {
		r.h.Add(writeOp(Create, s.Name, call, ret, res, i, err))
	}
	return res, err
}

func (r *recording) DeleteTopics(ctx context.Context, names []string) ([]cluster.TopicResult, error) {
	call := r.h.Now()
	res, err := r.adm.DeleteTopics(ctx, names)
	ret := r.h.Now()
	for i, n := range names {
		r.h.Add(writeOp(Delete, n, call, ret, res, i, err))
	}
	return res, err
}

// writeOp is the op for topic i of a request: Unknown when the request
// failed as a whole or its answer does not match the request (the write may
// have happened all the same), else the classified code.
func writeOp(k Kind, topic string, call, ret int64, res []cluster.TopicResult, i int, err error) Op {
	op := Op{Kind: k, Topic: topic, Call: call, Return: ret, Outcome: Unknown, Broker: -1}
	switch {
	case err != nil:
		op.Err, op.Code = err.Error(), kafkaCode(err)
	case i >= len(res) || res[i].Name != topic:
		op.Err = "no answer for this topic"
	default:
		op.Code = res[i].Code
		if k == Create {
			op.Outcome = CreateOutcome(op.Code)
		} else {
			op.Outcome = DeleteOutcome(op.Code)
		}
	}
	return op
}

func (r *recording) Metadata(ctx context.Context) (*cluster.Image, error) {
	call := time.Now()
	img, err := r.adm.Metadata(ctx)
	r.read(-1, call, img, err)
	return img, err
}

func (r *recording) BrokerView(ctx context.Context, brokerID int32) (*cluster.Image, error) {
	call := time.Now()
	img, err := r.adm.BrokerView(ctx, brokerID)
	r.read(brokerID, call, img, err)
	return img, err
}

func (r *recording) read(broker int32, call time.Time, img *cluster.Image, err error) {
	op := Op{Kind: Read, Call: r.h.at(call), Return: r.h.Now(), Broker: broker, Outcome: OK}
	if err != nil {
		op.Outcome, op.Err, op.Code = Unknown, err.Error(), kafkaCode(err)
	} else if img != nil {
		op.Topics = len(img.Topics)
	}
	r.h.addRead(op)
}

func (r *recording) Close() { r.adm.Close() }

// kafkaCode is the Kafka code err carries, 0 when it carries none (a
// connection error, a ctx that ended).
func kafkaCode(err error) int16 {
	var e *cluster.Error
	var k *kerr.Error
	if errors.As(err, &e) || errors.As(err, &k) {
		return cluster.ErrorCode(err)
	}
	return 0
}
