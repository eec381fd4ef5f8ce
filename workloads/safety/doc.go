// Package safety checks that a run's metadata writes behaved as Kafka
// promises while faults hit the cluster: the failover and migration workloads
// record every topic create and delete they make, then ask whether the
// answers and the final state could come from one correct controller.
//
// # How a workload uses it
//
//	h := safety.NewHistory()
//	adm := safety.Wrap(env.Admin, h)        // drive the run through adm
//	watch := safety.NewEpochWatch()         // feed it polled cluster.Status
//	... run, inject faults, stop the load, wait for every call to return ...
//	_, err := safety.CatchUp(ctx, env.Cluster, liveBrokers, timeout)
//	conv, err := safety.Converge(ctx, adm, liveBrokers, timeout)
//	h.FinalRead(safety.Topics(conv.Image), conv.At)
//	rep, err := safety.CheckLinearizable(h, timeout)
//	lost := safety.CheckAcknowledged(h, safety.Topics(conv.Image))
//	split := watch.Violations()
//
// # What each check proves, and what it does not
//
// CheckLinearizable (porcupine, one partition per topic name) proves, when it
// passes, that there is one order of all creates, deletes and final reads,
// each placed between its call and its answer, in which a single topic set
// would have given every answer: no acknowledged create was lost, no
// acknowledged delete undone, no topic created twice without a delete
// between, no answer contradicting another. Outcomes a client cannot know
// (timeouts, broken connections, NOT_CONTROLLER) are allowed to have happened
// or not, at any later time; see Outcome for how each Kafka code is read and
// why. A violation is a history no correct controller could produce, drawn by
// Report.WriteVisualization. It does not prove anything about what the run
// did not record: partitions, leaders, ISRs and configs are not in the model
// (only whether each topic name exists), topics the run did not touch are not
// checked, and a final read is only as good as the convergence it was taken
// after: a broker's cache trails the controller, so call CatchUp (KRaft
// brokers reach the active controller's offset) and then Converge (two
// agreeing rounds) after every write returned. A timed-out
// check (TimedOut) proves nothing either way.
//
// CheckAcknowledged is the plain version of the lost-write half: every
// acknowledged create present at the end, every acknowledged delete absent,
// unless a write that may have undone it could have come later. It needs no
// search, so it finishes on any history, and says which write was lost. It
// does not see contradictions among answers (a topic created twice).
//
// CatchUp proves every KRaft broker named serves the image the active
// KRaft controller held when it was called, or a newer one, so that every
// write that controller acknowledged is in it: agreement alone does not,
// since Kafka 3.9 brokers learn a commit only with the next append and may
// all serve the same older image for half a second.
//
// Converge proves the brokers named agree, twice in a row, on the image they
// serve (cluster.Image.Digest: brokers, topics, partitions, leaders); its
// error says who disagrees. It does not prove the image is right: that is
// what the two checks above are for.
//
// EpochWatch proves, when it finds nothing, that no two nodes were *seen*
// claiming to be the active controller in the same controller epoch (ZooKeeper
// epoch or Raft term). It samples: a claim that never overlaps a poll is not
// seen. An old controller still claiming an older epoch is allowed (Kafka
// fences it by epoch; the linearizability check catches a write it got
// through).
//
// Metadata and BrokerView calls are recorded as reads but never checked: a
// broker's metadata cache trails the controller by design in both modes, so a
// stale answer there is no fault. Only History.FinalRead, taken when nothing
// is in flight and every broker agrees, is part of the model.
//
// # Known limits
//
// The admin client retries a request after a broken connection, so an
// answer may belong to the second attempt of a request whose first attempt
// was committed silently. The outcomes are stated to stay true under that
// (TOPIC_ALREADY_EXISTS proves the topic existed at the answer, not before
// the call). One corner remains: if another client undoes the silent first
// attempt before the retry lands (deletes the topic a silent create made),
// the retry's OK looks like one write where there were three, and the check
// may flag it. Workloads avoid it by giving each topic name to one worker at
// a time, which also keeps every per-topic check trivial.
//
// Every topic is taken to be absent when the History starts: use names no
// earlier run used (the run id is a good prefix).
package safety
