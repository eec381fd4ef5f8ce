package safety

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

// Polling of Converge: the pause between rounds, and how long one broker
// may take to answer in a round (a dead broker must not hold up the rest).
const (
	convergePoll  = 100 * time.Millisecond
	convergeRound = 2 * time.Second
)

// Convergence is the image every broker agreed on.
type Convergence struct {
	Digest string
	// Image is the agreed image as the first broker served it: give
	// Topics(Image) and At to History.FinalRead.
	Image *cluster.Image
	// At is when the confirming round ended: every broker served Digest
	// then, and had already served it one round before.
	At time.Time
	// Took is how long after the call the brokers first agreed (the first
	// of the two agreeing rounds ended).
	Took   time.Duration
	Rounds int
}

// Converge polls every broker's BrokerView until they all serve one digest
// in two rounds in a row (one agreeing round could catch every broker just
// before a change that was already acknowledged reached them all), or
// timeout passes. The error on time-out names each digest with the brokers
// that served it, and each broker that did not answer, in the last round.
//
// brokers should be the brokers that are up: a killed broker never answers.
// Call it only after every write has returned if the result goes to
// History.FinalRead.
func Converge(ctx context.Context, adm cluster.Admin, brokers []int32, timeout time.Duration) (Convergence, error) {
	if len(brokers) == 0 {
		return Convergence{}, errors.New("converge: no brokers given")
	}
	if timeout <= 0 {
		return Convergence{}, fmt.Errorf("converge: timeout must be positive, got %v", timeout)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		last   []view
		agreed string        // the digest every broker served in the previous round
		took   time.Duration // when they first served agreed
	)
	for round := 1; ; round++ {
		last = pollViews(ctx, adm, brokers)
		if d, ok := agreement(last); ok {
			if d == agreed {
				return Convergence{Digest: d, Image: last[0].img, At: time.Now(), Took: took, Rounds: round}, nil
			}
			agreed, took = d, time.Since(start)
		} else {
			agreed = ""
		}
		select {
		case <-ctx.Done():
			return Convergence{Rounds: round}, fmt.Errorf("brokers did not converge within %v (%v): %s",
				timeout, context.Cause(ctx), describeViews(last))
		case <-time.After(convergePoll):
		}
	}
}

// view is one broker's answer in a round.
type view struct {
	broker int32
	img    *cluster.Image
	digest string
	err    error
}

// pollViews asks every broker at once, each with convergeRound to answer.
func pollViews(ctx context.Context, adm cluster.Admin, brokers []int32) []view {
	out := make([]view, len(brokers))
	var wg sync.WaitGroup
	for i, b := range brokers {
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, convergeRound)
			defer cancel()
			img, err := adm.BrokerView(rctx, b)
			out[i] = view{broker: b, img: img, err: err}
			if err == nil {
				out[i].digest = img.Digest()
			}
		})
	}
	wg.Wait()
	return out
}

// agreement returns the digest every broker served, if they all answered
// with the same one.
func agreement(vs []view) (string, bool) {
	for _, v := range vs {
		if v.err != nil || v.digest != vs[0].digest {
			return "", false
		}
	}
	return vs[0].digest, true
}

// describeViews groups brokers by the digest they served, then lists those
// that failed: "digest 1a2b… served by brokers [1 2]; digest 3c4d… by [3];
// broker 4: <error>".
func describeViews(vs []view) string {
	byDigest := map[string][]int32{}
	var parts []string
	for _, v := range vs {
		if v.err == nil {
			byDigest[v.digest] = append(byDigest[v.digest], v.broker)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(byDigest)) {
		parts = append(parts, fmt.Sprintf("digest %s served by brokers %v", d, byDigest[d]))
	}
	for _, v := range vs {
		if v.err != nil {
			parts = append(parts, fmt.Sprintf("broker %d: %v", v.broker, v.err))
		}
	}
	return strings.Join(parts, "; ")
}

// Topics returns the set of topic names img holds, the form
// History.FinalRead and CheckAcknowledged take.
func Topics(img *cluster.Image) map[string]bool {
	if img == nil {
		return map[string]bool{}
	}
	out := make(map[string]bool, len(img.Topics))
	for t := range img.Topics {
		out[t] = true
	}
	return out
}
