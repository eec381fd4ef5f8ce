package safety

import (
	"slices"
	"sync"
	"time"
)

// DefaultLimit is how many writes, and separately how many reads, a History
// made by NewHistory keeps. An op takes about 100 bytes, so a full history is
// about 100 MB each.
const DefaultLimit = 1_000_000

// Kind is what an op did.
type Kind uint8

const (
	Create    Kind = iota // one topic of a CreateTopics request
	Delete                // one topic of a DeleteTopics request
	Read                  // a Metadata or BrokerView call: recorded, never checked
	FinalRead             // one topic of a FinalRead: checked
)

func (k Kind) String() string {
	switch k {
	case Create:
		return "create"
	case Delete:
		return "delete"
	case Read:
		return "read"
	case FinalRead:
		return "final-read"
	}
	return "invalid"
}

// Op is one recorded operation. Call and Return are on the history's clock:
// nanoseconds since NewHistory, from Go's monotonic clock, so they order
// correctly across goroutines.
type Op struct {
	Kind  Kind
	Topic string // Create, Delete, FinalRead
	Call  int64
	// Return is when the answer came back. For an Unknown outcome the write
	// may still take effect after it; the checks treat its end as open.
	Return  int64
	Outcome Outcome // Create, Delete; Reads are OK or Unknown (failed)
	Code    int16   // the Kafka code of the topic's answer, 0 if none
	Err     string  // the request error, if the request failed as a whole
	// Broker is the broker a BrokerView asked, -1 for Metadata (any broker).
	Broker int32
	// Topics is the number of topics in the image a Read returned. (Its
	// digest is not kept: hashing every polled image would make recording
	// cost as much as the polling.)
	Topics int
	// Present is what a FinalRead saw: whether the topic exists.
	Present bool
}

// History is the record of a run's admin operations. It is safe for
// concurrent use; Wrap feeds it, FinalRead closes it, the Check functions
// read it.
//
// Its memory is bounded: beyond the limit, further writes are counted and
// their topics remembered as incomplete (up to the limit again in names,
// after which every topic counts as incomplete), and the checks skip the
// incomplete topics, since a dropped write could explain anything seen
// later. Reads beyond the limit are only counted.
type History struct {
	base  time.Time
	limit int

	mu            sync.Mutex
	writes        []Op
	reads         []Op
	finals        []finalRead
	droppedWrites int
	droppedReads  int
	incomplete    map[string]bool // topics with a dropped write
	allIncomplete bool            // incomplete overflowed
}

// finalRead is one FinalRead call: the topic set seen at one moment.
type finalRead struct {
	at      int64
	present map[string]bool
}

// NewHistory returns an empty history keeping up to DefaultLimit writes and
// as many reads. Its clock starts now. Every topic is assumed absent when the
// history starts: record a run on topic names no one used before it.
func NewHistory() *History { return NewHistoryLimit(DefaultLimit) }

// NewHistoryLimit is NewHistory with another limit (at least 1).
func NewHistoryLimit(limit int) *History {
	return &History{base: time.Now(), limit: max(limit, 1), incomplete: map[string]bool{}}
}

// Now returns the current time on the history's clock.
func (h *History) Now() int64 { return h.at(time.Now()) }

func (h *History) at(t time.Time) int64 { return t.Sub(h.base).Nanoseconds() }

// Time converts a time on the history's clock back to a time.Time.
func (h *History) Time(at int64) time.Time { return h.base.Add(time.Duration(at)) }

// Add records a create or delete op (Wrap calls it; tests and callers that
// drive the cluster another way may too). Other kinds are refused by
// panicking, since that is a programming error.
func (h *History) Add(op Op) {
	if op.Kind != Create && op.Kind != Delete {
		panic("safety: History.Add takes creates and deletes, got " + op.Kind.String())
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.writes) < h.limit {
		h.writes = append(h.writes, op)
		return
	}
	h.droppedWrites++
	if h.allIncomplete || h.incomplete[op.Topic] {
		return
	}
	if len(h.incomplete) >= h.limit {
		h.allIncomplete, h.incomplete = true, nil
		return
	}
	h.incomplete[op.Topic] = true
}

func (h *History) addRead(op Op) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.reads) < h.limit {
		h.reads = append(h.reads, op)
		return
	}
	h.droppedReads++
}

// FinalRead records the topic set the cluster holds at one moment: present
// maps each topic name seen to true (names missing or false are absent).
// Unlike the reads Wrap records, this one is checked against every write,
// so it must be linearizable itself: call it only when no write is in
// flight any more, every broker serves the same image (Converge), and that
// image is the one present was taken from, with at the time it was seen.
// A run may call it more than once (after each fault, say).
//
// Only topics that some recorded write touched are checked; present is
// kept, not copied, and must not change afterwards.
func (h *History) FinalRead(present map[string]bool, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.finals = append(h.finals, finalRead{at: h.at(at), present: present})
}

// Writes returns a copy of the recorded creates and deletes, in the order
// they were recorded (their return order).
func (h *History) Writes() []Op {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.writes)
}

// Reads returns a copy of the recorded Metadata and BrokerView calls.
func (h *History) Reads() []Op {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.reads)
}

// Dropped returns how many writes and reads went unrecorded because the
// history was full. Non-zero dropped writes make the checks skip the
// topics they touched.
func (h *History) Dropped() (writes, reads int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.droppedWrites, h.droppedReads
}

// snapshot is what the checks work on: the writes per topic (complete topics
// only), the final reads as one op per checked topic, and the skipped count.
type snapshot struct {
	byTopic map[string][]Op // writes then final reads, per topic
	topics  []string        // sorted
	skipped int             // topics left out as incomplete
	finals  int             // FinalRead calls
}

func (h *History) snapshot() snapshot {
	h.mu.Lock()
	writes := slices.Clone(h.writes)
	finals := slices.Clone(h.finals)
	incomplete, all := h.incomplete, h.allIncomplete
	h.mu.Unlock()

	s := snapshot{byTopic: map[string][]Op{}, finals: len(finals)}
	skipped := map[string]bool{}
	for _, op := range writes {
		if all || incomplete[op.Topic] {
			skipped[op.Topic] = true
			continue
		}
		s.byTopic[op.Topic] = append(s.byTopic[op.Topic], op)
	}
	s.skipped = len(skipped)
	if !all {
		s.skipped += len(incomplete) - countIn(incomplete, skipped)
	}
	for t := range s.byTopic {
		s.topics = append(s.topics, t)
	}
	slices.Sort(s.topics)
	for _, f := range finals {
		for _, t := range s.topics {
			s.byTopic[t] = append(s.byTopic[t], Op{Kind: FinalRead, Topic: t, Call: f.at, Return: f.at,
				Outcome: OK, Present: f.present[t], Broker: -1})
		}
	}
	return s
}

// countIn counts the keys of a that are also in b.
func countIn(a, b map[string]bool) int {
	n := 0
	for k := range a {
		if b[k] {
			n++
		}
	}
	return n
}
