package kraftmode

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/replicalog"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// broker is the broker role of a node: it registers with the active
// controller, heartbeats, and (unless it is combined with a controller,
// whose own log it reads) fetches the metadata log as an observer and serves
// Metadata from the image it builds.
type broker struct {
	cfg         *Config
	log         *slog.Logger
	clusterID   string
	incarnation [16]byte
	hint        *leaderHint
	hbCli       *ctrlClient
	fetchCli    *ctrlClient
	apCli       *ctrlClient // AlterPartition for new replicas (catchup.go)
	catch       *catchUp
	// commits, for a combined node, wakes on each local commit.
	commits    func() <-chan struct{}
	localImage func() *cluster.Image // combined: the local controller's image

	image      atomic.Pointer[cluster.Image] // broker-only: the fetched image
	epoch      atomic.Int64                  // -1 until registered
	fenced     atomic.Bool
	registered atomic.Bool
	paused     atomic.Bool // test hook: stop heartbeating, as a hung broker would
	// zkMigrating marks a ZooKeeper-mode broker's link (zklink.go).
	zkMigrating bool
	// shuttingDown makes every heartbeat ask for a controlled shutdown.
	shuttingDown atomic.Bool
	// hbMu keeps one heartbeat in flight, as Kafka's single-threaded
	// BrokerLifecycleManager does: a periodic heartbeat built before the
	// shutdown began (wantShutDown false) must not reach the controller
	// after the controlled shutdown fenced the broker, or it would unfence
	// it again and the next incarnation would be refused
	// DUPLICATE_BROKER_REGISTRATION until the session expired.
	hbMu sync.Mutex
	// snapshotLoads counts images rebuilt from a FetchSnapshot.
	snapshotLoads atomic.Int64
	kick          chan struct{}
	wg            sync.WaitGroup

	// logs are the broker's replica logs (nil when off or combined), synced
	// after each publish from synced, the last image they follow.
	logs   *replicalog.Dir
	synced *cluster.Image
	// syncedImg is synced, for the catch-up loop (catchup.go).
	syncedImg atomic.Pointer[cluster.Image]
	// logsOffset is synced's offset, for Status: the image is published
	// before its logs are made, so the two may differ for a while.
	logsOffset atomic.Int64

	// fetched is the last metadata offset fetched, committed or not: the
	// image may be behind it, never ahead (observer.go).
	fetched atomic.Int64
}

func newBroker(cfg *Config, clusterID string, hint *leaderHint, local func() int32, localImage func() *cluster.Image) *broker {
	b := &broker{cfg: cfg, log: cfg.Logger.With("role", "broker"), clusterID: clusterID, hint: hint,
		hbCli:      newCtrlClient(cfg, "kraftbench-broker-lifecycle", hint, local),
		fetchCli:   newCtrlClient(cfg, "kraftbench-broker-fetch", hint, local),
		apCli:      newCtrlClient(cfg, "kraftbench-broker-alter-partition", hint, local),
		catch:      newCatchUp(),
		localImage: localImage, kick: make(chan struct{}, 1)}
	// The incarnation id tells one run of a broker from the next, so it is
	// drawn from crypto/rand, not from the (reproducible) seeded source.
	rand.Read(b.incarnation[:])
	b.epoch.Store(-1)
	b.fenced.Store(true)
	img := cluster.NewImage(clusterID)
	b.image.Store(img)
	return b
}

func (b *broker) start(ctx context.Context) {
	b.wg.Add(2)
	go b.lifecycle(ctx)
	go b.catchUpLoop(ctx, b.commits)
	if b.localImage == nil {
		b.wg.Add(1)
		go b.fetchLoop(ctx)
	}
}

func (b *broker) stop() {
	b.wg.Wait()
	b.hbCli.close()
	b.fetchCli.close()
	b.apCli.close()
	if b.logs != nil {
		if err := b.logs.Close(); err != nil {
			b.log.Warn("closing the replica logs", "err", err)
		}
	}
}

// Image is the image the broker serves.
func (b *broker) Image() *cluster.Image {
	if b.localImage != nil {
		return b.localImage()
	}
	return b.image.Load()
}

// lifecycle registers and then heartbeats every broker.heartbeat.interval.ms,
// re-registering when the controller no longer knows its epoch. While fenced,
// it heartbeats as soon as its image catches up, so unfencing does not wait
// a whole interval.
func (b *broker) lifecycle(ctx context.Context) {
	defer b.wg.Done()
	for ctx.Err() == nil {
		wait := b.cfg.HeartbeatInterval
		switch {
		case b.shuttingDown.Load():
			// controlledShutdown heartbeats now; nothing to register.
		case b.epoch.Load() < 0:
			if err := b.register(ctx); err != nil {
				b.log.Info("broker registration failed", "err", err)
				wait = min(wait, 200*time.Millisecond)
			} else {
				wait = 0
			}
		case !b.paused.Load():
			b.heartbeat(ctx)
			if b.fenced.Load() && b.Image().Offset < b.epoch.Load() {
				wait = min(wait, 20*time.Millisecond) // catching up: ask again soon
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-b.kick:
		}
		t.Stop()
	}
}

func (b *broker) register(ctx context.Context) error {
	req := kmsg.NewPtrBrokerRegistrationRequest()
	req.Version = brokerRegistrationVersion
	req.BrokerID, req.ClusterID, req.IncarnationID = b.cfg.NodeID, b.clusterID, b.incarnation
	l := kmsg.NewBrokerRegistrationRequestListener()
	ep := b.cfg.BrokerEndpoint
	l.Name, l.Host, l.Port = ep.Listener, ep.Host, uint16(ep.Port)
	if l.Name == "" {
		l.Name = "PLAINTEXT"
	}
	req.Listeners = []kmsg.BrokerRegistrationRequestListener{l}
	req.IsMigratingZkBroker = b.zkMigrating
	if b.cfg.Rack != "" {
		req.Rack = kmsg.StringPtr(b.cfg.Rack)
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
	defer cancel()
	resp, err := b.hbCli.do(ctx, req, func(r kmsg.Response) verdict {
		return verdict{retry: r.(*kmsg.BrokerRegistrationResponse).ErrorCode == kerr.NotController.Code, leader: -1}
	})
	if err != nil {
		return err
	}
	rr := resp.(*kmsg.BrokerRegistrationResponse)
	if rr.ErrorCode != 0 {
		return kerr.ErrorForCode(rr.ErrorCode)
	}
	b.epoch.Store(rr.BrokerEpoch)
	b.registered.Store(true)
	b.fenced.Store(true)
	b.log.Info("broker registered", "epoch", rr.BrokerEpoch)
	return nil
}

func (b *broker) heartbeat(ctx context.Context) {
	b.hbMu.Lock()
	defer b.hbMu.Unlock()
	epoch := b.epoch.Load()
	offset := b.Image().Offset
	req := kmsg.NewPtrBrokerHeartbeatRequest()
	req.Version = brokerHeartbeatVersion
	req.BrokerID, req.BrokerEpoch, req.CurrentMetadataOffset = b.cfg.NodeID, epoch, offset
	req.WantFence = offset < epoch
	req.WantShutdown = b.shuttingDown.Load()
	ctx, cancel := context.WithTimeout(ctx, min(b.cfg.RequestTimeout, b.cfg.SessionTimeout/2))
	defer cancel()
	resp, err := b.hbCli.do(ctx, req, func(r kmsg.Response) verdict {
		return verdict{retry: r.(*kmsg.BrokerHeartbeatResponse).ErrorCode == kerr.NotController.Code, leader: -1}
	})
	if err != nil {
		b.log.Debug("heartbeat failed", "err", err)
		return
	}
	hr := resp.(*kmsg.BrokerHeartbeatResponse)
	switch hr.ErrorCode {
	case 0:
		if was := b.fenced.Swap(hr.IsFenced); was != hr.IsFenced {
			b.log.Info("broker fencing changed", "fenced", hr.IsFenced, "offset", offset)
		}
	case kerr.StaleBrokerEpoch.Code, kerr.BrokerIDNotRegistered.Code:
		b.log.Info("broker registration lost; registering again", "err", kerr.ErrorForCode(hr.ErrorCode))
		b.epoch.Store(-1)
		b.registered.Store(false)
	default:
		b.log.Info("heartbeat refused", "err", kerr.ErrorForCode(hr.ErrorCode))
	}
}

// controlledShutdown is what a Kafka broker does on a clean stop
// (BrokerLifecycleManager.scala at 3.9, :287-295, :473-474, :552-563): it
// heartbeats at once with wantShutDown (and wantFence only if it is still
// fenced), then 50 ms after the first answer that does not let it go, then
// every broker.heartbeat.interval.ms, until the active controller answers
// ShouldShutdown. The controller first moves the leadership of its
// partitions to other in-sync replicas and lets it go once the other
// brokers' heartbeats report offsets past those moves (heartbeats.go); it
// is then fenced, so the next incarnation registers at once instead of
// waiting out the old session. Bounded by d; a controller that does not
// answer in time leaves the broker to be fenced by session expiry. Kafka's
// bound is the broker's shutdown timeout, 5 minutes from KafkaRaftServer
// (KafkaBroker.scala:98, BrokerServer.scala:613-631 at 3.9); Node.stop
// passes min(broker.session.timeout.ms, 10 s), which docs/fidelity.md
// states as a difference.
func (b *broker) controlledShutdown(ctx context.Context, d time.Duration) bool {
	b.shuttingDown.Store(true)
	if b.epoch.Load() < 0 {
		return true // never registered: nothing to hand over
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	answered := false
	for ctx.Err() == nil {
		b.hbMu.Lock()
		req := kmsg.NewPtrBrokerHeartbeatRequest()
		req.Version = brokerHeartbeatVersion
		req.BrokerID, req.BrokerEpoch, req.CurrentMetadataOffset = b.cfg.NodeID, b.epoch.Load(), b.Image().Offset
		req.WantFence, req.WantShutdown = b.fenced.Load(), true
		resp, err := b.hbCli.do(ctx, req, func(r kmsg.Response) verdict {
			return verdict{retry: r.(*kmsg.BrokerHeartbeatResponse).ErrorCode == kerr.NotController.Code, leader: -1}
		})
		b.hbMu.Unlock()
		wait := 50 * time.Millisecond // after a failure, or the first pending answer
		if err == nil {
			hr := resp.(*kmsg.BrokerHeartbeatResponse)
			if hr.ErrorCode == 0 && hr.ShouldShutdown {
				b.fenced.Store(true)
				b.log.Info("controlled shutdown done: fenced, leadership moved")
				return true
			}
			if hr.ErrorCode == 0 {
				if answered {
					wait = b.cfg.HeartbeatInterval
				}
				answered = true
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	b.log.Info("controlled shutdown not acknowledged in time", "waited", d)
	return false
}

// caughtUp signals the lifecycle loop that a fenced broker has caught up.
func (b *broker) caughtUp(offset int64) {
	if e := b.epoch.Load(); e >= 0 && offset >= e && b.fenced.Load() {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

// errNodeClosed is returned by calls on a closed node.
var errNodeClosed = errors.New("node closed")
