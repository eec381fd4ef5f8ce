package kraftmode

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DescribeQuorum reports what kafka-metadata-quorum.sh describe --status
// shows: the leader, its epoch (the Raft term), the high watermark, and each
// voter's and observer's log end offset with its last fetch. Offsets are
// Kafka-style exclusive ends: a high watermark of N means entries below N
// are committed.
//
// The active controller answers itself; any other node asks it. Voters'
// positions come from each voter (hashicorp/raft does not expose the
// leader's view of its followers), observers' from their fetches.
func (n *Node) DescribeQuorum(ctx context.Context) (cluster.QuorumInfo, error) {
	if n.ctrl != nil && n.ctrl.isActive() {
		return n.describeAsLeader(ctx), nil
	}
	req := describeQuorumRequest()
	resp, err := n.cli.do(ctx, req, func(r kmsg.Response) verdict {
		p, ok := quorumPartition(r.(*kmsg.DescribeQuorumResponse))
		if !ok {
			return verdict{retry: true, leader: -1}
		}
		return verdict{retry: p.ErrorCode == kerr.NotLeaderForPartition.Code, leader: p.LeaderID, epoch: p.LeaderEpoch}
	})
	if err != nil {
		return cluster.QuorumInfo{}, err
	}
	p, _ := quorumPartition(resp.(*kmsg.DescribeQuorumResponse))
	return quorumInfo(p), nil
}

func describeQuorumRequest() *kmsg.DescribeQuorumRequest {
	req := kmsg.NewPtrDescribeQuorumRequest()
	req.Version = describeQuorumVersion
	t := kmsg.NewDescribeQuorumRequestTopic()
	t.Topic = metadataTopic
	p := kmsg.NewDescribeQuorumRequestTopicPartition()
	t.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{p}
	req.Topics = []kmsg.DescribeQuorumRequestTopic{t}
	return req
}

func quorumPartition(resp *kmsg.DescribeQuorumResponse) (*kmsg.DescribeQuorumResponseTopicPartition, bool) {
	if resp.ErrorCode != 0 || len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return nil, false
	}
	return &resp.Topics[0].Partitions[0], true
}

// describeAsLeader builds the quorum description on the active controller.
func (n *Node) describeAsLeader(ctx context.Context) cluster.QuorumInfo {
	_, term := n.q.leader()
	info := cluster.QuorumInfo{LeaderID: n.cfg.NodeID, LeaderEpoch: int32(term),
		HighWatermark: int64(n.q.raft.CommitIndex()) + 1}
	now := time.Now()
	info.Voters = []cluster.ReplicaState{{ID: n.cfg.NodeID,
		LogEndOffset: int64(n.q.raft.LastIndex()) + 1, LastFetch: now, LastCaughtUp: now}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for id, addr := range n.cfg.Voters {
		if id == n.cfg.NodeID {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := n.askVoter(ctx, id, addr, info.HighWatermark)
			mu.Lock()
			info.Voters = append(info.Voters, rs)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.SortFunc(info.Voters, func(a, b cluster.ReplicaState) int { return int(a.ID - b.ID) })
	n.ctrl.mu.Lock()
	for id, o := range n.ctrl.observers {
		info.Observers = append(info.Observers, cluster.ReplicaState{ID: id, LogEndOffset: o.offset,
			LastFetch: o.lastFetch, LastCaughtUp: o.caughtUp})
	}
	n.ctrl.mu.Unlock()
	slices.SortFunc(info.Observers, func(a, b cluster.ReplicaState) int { return int(a.ID - b.ID) })
	return info
}

// askVoter asks a standby for its own position; -1 when it does not answer.
func (n *Node) askVoter(ctx context.Context, id int32, addr string, hw int64) cluster.ReplicaState {
	rs := cluster.ReplicaState{ID: id, LogEndOffset: -1}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := front.Dial(ctx, addr, "kraftbench-describe-quorum")
	if err != nil {
		return rs
	}
	defer conn.Close()
	resp, err := conn.Request(ctx, describeQuorumRequest())
	if err != nil {
		return rs
	}
	p, ok := quorumPartition(resp.(*kmsg.DescribeQuorumResponse))
	if !ok {
		return rs
	}
	for _, v := range p.CurrentVoters {
		if v.ReplicaID == id {
			rs.LogEndOffset = v.LogEndOffset
			rs.LastFetch = msTime(v.LastFetchTimestamp)
			if v.LogEndOffset >= hw {
				rs.LastCaughtUp = time.Now()
			}
		}
	}
	return rs
}

func (n *Node) handleDescribeQuorum(ctx context.Context, _ front.RequestHeader, r kmsg.Request) (kmsg.Response, error) {
	resp := r.ResponseKind().(*kmsg.DescribeQuorumResponse)
	p := kmsg.NewDescribeQuorumResponseTopicPartition()
	if n.ctrl.isActive() {
		info := n.describeAsLeader(ctx)
		p.LeaderID, p.LeaderEpoch, p.HighWatermark = info.LeaderID, info.LeaderEpoch, info.HighWatermark
		p.CurrentVoters = replicaStates(info.Voters)
		p.Observers = replicaStates(info.Observers)
	} else {
		// A standby says who leads and where it stands itself; the leader
		// uses this to fill in its voters' positions.
		leader, term := n.q.leader()
		p.ErrorCode, p.LeaderID, p.LeaderEpoch = kerr.NotLeaderForPartition.Code, leader, int32(term)
		p.HighWatermark = int64(n.q.raft.CommitIndex()) + 1
		p.CurrentVoters = replicaStates([]cluster.ReplicaState{{ID: n.cfg.NodeID,
			LogEndOffset: int64(n.q.raft.LastIndex()) + 1, LastFetch: n.q.raft.LastContact()}})
	}
	t := kmsg.NewDescribeQuorumResponseTopic()
	t.Topic, t.Partitions = metadataTopic, []kmsg.DescribeQuorumResponseTopicPartition{p}
	resp.Topics = []kmsg.DescribeQuorumResponseTopic{t}
	return resp, nil
}

func replicaStates(rs []cluster.ReplicaState) []kmsg.DescribeQuorumResponseTopicPartitionReplicaState {
	out := make([]kmsg.DescribeQuorumResponseTopicPartitionReplicaState, len(rs))
	for i, r := range rs {
		s := kmsg.NewDescribeQuorumResponseTopicPartitionReplicaState()
		s.ReplicaID, s.LogEndOffset = r.ID, r.LogEndOffset
		s.LastFetchTimestamp, s.LastCaughtUpTimestamp = timeMs(r.LastFetch), timeMs(r.LastCaughtUp)
		out[i] = s
	}
	return out
}

func quorumInfo(p *kmsg.DescribeQuorumResponseTopicPartition) cluster.QuorumInfo {
	conv := func(in []kmsg.DescribeQuorumResponseTopicPartitionReplicaState) []cluster.ReplicaState {
		out := make([]cluster.ReplicaState, len(in))
		for i, s := range in {
			out[i] = cluster.ReplicaState{ID: s.ReplicaID, LogEndOffset: s.LogEndOffset,
				LastFetch: msTime(s.LastFetchTimestamp), LastCaughtUp: msTime(s.LastCaughtUpTimestamp)}
		}
		return out
	}
	return cluster.QuorumInfo{LeaderID: p.LeaderID, LeaderEpoch: p.LeaderEpoch, HighWatermark: p.HighWatermark,
		Voters: conv(p.CurrentVoters), Observers: conv(p.Observers)}
}

func timeMs(t time.Time) int64 {
	if t.IsZero() {
		return -1
	}
	return t.UnixMilli()
}

func msTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
