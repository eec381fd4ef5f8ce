package kraftmode

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// Elections as Kafka's voters hold them, driven through hashicorp/raft's API.
//
// Kafka's rules (raft/.../KafkaRaftClient.java, QuorumState.java,
// CandidateState.java, LeaderState.java at 3.9):
//
//   - A follower stands for election exactly controller.quorum.fetch.timeout.ms
//     after its last successful fetch response (FollowerState's fetch timer,
//     reset in handleFetchResponse, KafkaRaftClient.java:1687; the candidate
//     transition in pollFollowerAsVoter, :3035-3037). Not randomised.
//   - A fetch is answered when the leader has new records, or empty after
//     MAX_FETCH_WAIT_MS = 500 (KafkaRaftClient.java:165); each answer resets
//     the timer. Parked fetches complete together when the leader's log end
//     grows (updateLeaderEndOffsetAndTimestamp, :349-360), so the followers'
//     timers run in step.
//   - Unattached voters (cold start, or after granting a vote at a higher
//     epoch) stand after controller.quorum.election.timeout.ms randomised to
//     [T, 2T) (QuorumState.randomElectionTimeoutMs, :638-642); so does a
//     candidate whose election times out (then after a backoff of up to
//     controller.quorum.election.backoff.max.ms, KafkaRaftClient.java:934-941).
//   - 3.9 has no pre-vote and no leader stickiness: a follower given a vote
//     at a higher epoch becomes Unattached and grants it if the candidate's
//     log is up to date (handleVoteRequest, :806-807, :827-841). Pre-vote
//     arrives in 4.0 (KIP-996): a follower refuses pre-votes until its own
//     fetch timer has expired.
//   - The leader resigns when a majority has not fetched within 1.5x the
//     fetch timeout (LeaderState.java:59,119).
//
// hashicorp/raft instead tests a follower's last contact on a ticker
// re-armed at U(HeartbeatTimeout, 2*HeartbeatTimeout) (raft.go:213-223,
// util.go:34-40), pre-votes by default, and refuses votes and pre-votes while
// it still has a leader (raft.go:1650, 1763). So the watchdog below keeps
// Kafka's clocks and makes raft act on them:
//
//   - It models each voter's fetch timer: reset when an entry arrives (the
//     log store stamps every StoreLogs, see arrivalClock) and at each 500 ms
//     max-wait boundary the leader is seen alive for (raft.LastContact).
//   - When the timer expires it lowers HeartbeatTimeout with
//     raft.ReloadConfig: a decrease wakes the follower's heartbeat timer at
//     once (api.go:733-738, raft.go:208-211), whose check then finds the
//     leader silent and turns candidate. The lowered values are
//     controller.quorum.election.timeout.ms, so the candidate's election
//     timer (raft.go:303) is Kafka's [T, 2T). Outside a candidacy the
//     timeouts go back up (an increase wakes nothing).
//   - 3.9: PreVoteDisabled, and every vote the node asks for carries
//     hashicorp's LeadershipTransfer flag (voteTransport), the one flag that
//     makes a hashicorp voter grant past a leader it still follows
//     (raft.go:1650); term and log checks stay. 4.1: hashicorp's pre-vote,
//     whose refusal while a leader is known is KIP-996's rule once the
//     leader is forgotten exactly at the fetch timeout.
//
// Departures that remain (docs/fidelity.md): hashicorp's lease must not
// exceed HeartbeatTimeout, which the watchdog lowers to the election timeout,
// so the leader resigns after controller.quorum.election.timeout.ms without a
// majority, not 1.5x the fetch timeout; a candidate whose election times out
// retries at once, without Kafka's 0-100 ms first backoff.

// electionTick is how often the watchdog looks at raft: the precision of
// the modelled timers.
const electionTick = 5 * time.Millisecond

// electionTimeouts are the hashicorp timeouts the watchdog switches
// between.
type electionTimeouts struct {
	fetch    time.Duration // controller.quorum.fetch.timeout.ms: when a follower stands
	election time.Duration // controller.quorum.election.timeout.ms: Unattached and candidates
	normal   time.Duration // hashicorp HeartbeatTimeout/ElectionTimeout outside a candidacy
	lease    time.Duration // hashicorp LeaderLeaseTimeout
}

func (c *Config) electionTimeouts() electionTimeouts {
	e := electionTimeouts{fetch: c.FetchTimeout, election: c.ElectionTimeout}
	// Above the fetch timeout, so hashicorp's own check never fires before
	// the modelled fetch timer; above the election timeout, so standing is
	// a decrease, the only reload that wakes the follower.
	e.normal = max(c.FetchTimeout, c.ElectionTimeout+time.Millisecond)
	// hashicorp validates LeaderLeaseTimeout <= HeartbeatTimeout on every
	// reload, and HeartbeatTimeout drops to the election timeout.
	e.lease = min(c.ElectionTimeout, c.FetchTimeout*3/2)
	return e
}

// arrivalClock wraps the log store and stamps when entries last arrived:
// on a follower, the moment a fetch would have returned records.
type arrivalClock struct {
	raft.LogStore
	last atomic.Int64 // unix nanos
}

func (a *arrivalClock) StoreLog(l *raft.Log) error {
	a.last.Store(time.Now().UnixNano())
	return a.LogStore.StoreLog(l)
}

func (a *arrivalClock) StoreLogs(ls []*raft.Log) error {
	a.last.Store(time.Now().UnixNano())
	return a.LogStore.StoreLogs(ls)
}

func (a *arrivalClock) lastArrival() time.Time { return time.Unix(0, a.last.Load()) }

// voteTransport marks every vote this node asks for the way hashicorp marks
// a leadership transfer's, so voters that still have a leader grant it, as
// Kafka 3.9's do (no stickiness). Votes are still refused for a stale term,
// a stale log or a vote already cast.
type voteTransport struct{ *raft.NetworkTransport }

func (t voteTransport) RequestVote(id raft.ServerID, target raft.ServerAddress,
	args *raft.RequestVoteRequest, resp *raft.RequestVoteResponse) error {
	a := *args
	a.LeadershipTransfer = true
	return t.NetworkTransport.RequestVote(id, target, &a, resp)
}

// electionTransport is the transport raft gets for this Kafka version.
func (c *Config) electionTransport(t *raft.NetworkTransport) raft.Transport {
	if c.KafkaVersion.PreVote() {
		return t
	}
	return voteTransport{t}
}

// electionWatchdog runs Kafka's election timers for one voter.
type electionWatchdog struct {
	r        *raft.Raft
	arrivals *arrivalClock
	to       electionTimeouts
	rng      *rand.Rand
	stop     chan struct{}
	wg       sync.WaitGroup
	stands   atomic.Int64 // elections this voter stood for (tests)

	term        uint64
	lastArrival time.Time
	lastFetch   time.Time // the modelled fetch timer's last reset (following)
	unattached  time.Time // when Unattached, the time to stand; zero when following
	standing    bool      // hashicorp timeouts lowered to the election timeout
	leading     bool
	stoodAt     time.Time
}

func startElectionWatchdog(cfg *Config, r *raft.Raft, arrivals *arrivalClock) *electionWatchdog {
	w := &electionWatchdog{r: r, arrivals: arrivals, to: cfg.electionTimeouts(),
		rng:  rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(uint32(cfg.NodeID))<<8|0xe1)),
		stop: make(chan struct{}), term: r.CurrentTerm(), lastArrival: arrivals.lastArrival()}
	// A voter starts Unattached (QuorumState.initialize): it stands after a
	// randomised election timeout unless a leader reaches it first.
	w.unattach(time.Now())
	w.wg.Add(1)
	go w.run()
	return w
}

func (w *electionWatchdog) close() {
	close(w.stop)
	w.wg.Wait()
}

func (w *electionWatchdog) run() {
	defer w.wg.Done()
	t := time.NewTicker(electionTick)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			w.tick(now)
		}
	}
}

func (w *electionWatchdog) unattach(now time.Time) {
	w.unattached = now.Add(w.to.election + time.Duration(w.rng.Int64N(int64(w.to.election))))
}

// tick advances the modelled timers and, when one expires, makes raft
// stand for election.
func (w *electionWatchdog) tick(now time.Time) {
	switch w.r.State() {
	case raft.Candidate:
		// hashicorp's own timer may have fired first: give the candidacy
		// Kafka's election timeout all the same.
		if !w.standing {
			w.setTimeouts(true, now)
		}
		return
	case raft.Leader:
		w.setTimeouts(false, now)
		// Its own appends are no fetch answers.
		w.term, w.leading, w.lastArrival = w.r.CurrentTerm(), true, w.arrivals.lastArrival()
		return
	case raft.Follower:
	default:
		return
	}
	if w.leading {
		// A leader that stepped down is Resigned: it stands after an
		// election timeout unless a new leader reaches it first.
		w.leading = false
		w.unattach(now)
	}
	if w.standing {
		if w.r.CurrentTerm() == w.term && now.Sub(w.stoodAt) < 4*electionTick {
			return // raft has not acted on the reload yet
		}
		// Back from a candidacy (or raft found the leader alive after all):
		// raise the timeouts again; a still-expired timer stands anew.
		w.setTimeouts(false, now)
	}
	if term := w.r.CurrentTerm(); term != w.term {
		// A vote granted at a higher epoch, or a new leader's first
		// request: Unattached until the leader's entries arrive.
		w.term = term
		w.unattach(now)
	}
	if a := w.arrivals.lastArrival(); a.After(w.lastArrival) {
		w.lastArrival, w.lastFetch, w.unattached = a, a, time.Time{}
	}
	if w.unattached.IsZero() {
		// Empty fetch answers after each max wait the leader is seen
		// alive for (raft's last contact with it).
		if d := w.r.LastContact().Sub(w.lastFetch); d >= fetchMaxWait {
			w.lastFetch = w.lastFetch.Add(d / fetchMaxWait * fetchMaxWait)
		}
		if now.Sub(w.lastFetch) >= w.to.fetch {
			w.stand(now)
		}
	} else if !now.Before(w.unattached) {
		w.stand(now)
	}
}

func (w *electionWatchdog) stand(now time.Time) {
	w.stands.Add(1)
	w.setTimeouts(true, now)
}

// setTimeouts lowers hashicorp's heartbeat and election timeouts to the
// election timeout (standing) or raises them back (normal).
func (w *electionWatchdog) setTimeouts(standing bool, now time.Time) {
	if w.standing == standing {
		return
	}
	rc := w.r.ReloadableConfig()
	rc.HeartbeatTimeout, rc.ElectionTimeout = w.to.normal, w.to.normal
	if standing {
		rc.HeartbeatTimeout, rc.ElectionTimeout = w.to.election, w.to.election
	}
	if err := w.r.ReloadConfig(rc); err != nil {
		return // raft shutting down; the next tick tries again
	}
	w.standing, w.stoodAt = standing, now
}
