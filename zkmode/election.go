package zkmode

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/zkmeta"
)

// watchController is registerZNodeChangeHandlerAndCheckExistence for
// Kafka's ControllerChangeHandler: an exists on /controller that leaves a
// watch (one at a time: a watch already armed is not armed again), so that
// deletion triggers a re-election and creation or a data change a
// resignation check.
func (c *controller) watchController() error {
	if _, ok := c.armed[zkmeta.ControllerPath]; ok {
		_, err := c.n.z.Exists(zkmeta.ControllerPath)
		return err
	}
	_, ch, err := c.n.z.ExistsW(zkmeta.ControllerPath)
	if err != nil {
		return err
	}
	c.watchPath(zkmeta.ControllerPath, ch, c.onControllerWatch)
	return nil
}

// readController is KafkaZkClient.getControllerId: the id in /controller,
// -1 when there is none.
func (c *controller) readController() (int32, error) {
	b, _, err := c.n.z.Get(zkmeta.ControllerPath)
	if errors.Is(err, zk.ErrNoNode) {
		return -1, nil
	}
	if err != nil {
		return -1, err
	}
	return zkmeta.DecodeController(b)
}

// startup is the controller's Startup event (3.9 KafkaController.scala
// processStartup): watch /controller, then elect.
func (c *controller) startup() error {
	if err := c.watchController(); err != nil {
		c.retryElectLater()
		return fmt.Errorf("startup: %w", err)
	}
	return c.elect()
}

func (c *controller) onControllerWatch(ev zk.Event) error {
	if ev.Type == zk.EventNodeDeleted {
		return c.reelect()
	}
	return c.maybeResign()
}

func (c *controller) setActiveID(id int32) {
	c.activeID.Store(id)
}

// elect is Kafka's KafkaController.elect (KafkaController.scala:1547-1580):
// if nobody holds /controller, try to take it and bump the epoch; the winner
// loads the cluster.
func (c *controller) elect() error {
	id, err := c.readController()
	if err != nil {
		c.retryElectLater()
		return fmt.Errorf("elect: %w", err)
	}
	c.setActiveID(id)
	if id != -1 {
		return nil
	}
	epoch, ver, err := c.registerController()
	if errors.Is(err, errControllerMoved) {
		rerr := c.maybeResign()
		c.log.Info("lost the controller election", "controller", c.activeID.Load())
		return rerr
	}
	if err != nil {
		c.retryElectLater()
		return fmt.Errorf("elect: %w", err)
	}
	c.active, c.epoch, c.epochZkVersion = true, epoch, ver
	c.term++
	c.epochSeen.Store(epoch) // before isActive: Status reads them in the other order
	c.isActive.Store(true)
	c.setActiveID(c.id)
	c.log.Info("elected controller", "epoch", epoch, "epoch_zk_version", ver)
	return c.onControllerFailover()
}

// retryElectLater tries again after a ZooKeeper error (a lost connection):
// no watch would fire for it.
func (c *controller) retryElectLater() {
	time.AfterFunc(500*time.Millisecond, func() {
		c.enqueue("Elect (retry)", func() error {
			if c.active {
				return nil
			}
			return c.startup()
		})
	})
}

// registerController is Kafka's registerControllerAndIncrementControllerEpoch:
// one multi creates the ephemeral /controller and sets /controller_epoch to
// epoch+1 on the condition that its version has not moved since it was read.
// It returns the new epoch and the epoch znode's new version, which every
// later write of this controller is conditioned on.
func (c *controller) registerController() (int32, int32, error) {
	z := c.n.z
	data, st, err := z.Get(zkmeta.ControllerEpochPath)
	if errors.Is(err, zk.ErrNoNode) {
		if err := z.Create(zkmeta.ControllerEpochPath, zkmeta.EncodeEpoch(0), 0); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return 0, 0, err
		}
		data, st, err = z.Get(zkmeta.ControllerEpochPath)
	}
	if err != nil {
		return 0, 0, err
	}
	cur, err := zkmeta.DecodeEpoch(data)
	if err != nil {
		return 0, 0, err
	}
	next := cur + 1
	res, err := z.Multi([]zkmeta.Op{
		{Kind: zkmeta.OpCreate, Path: zkmeta.ControllerPath, Data: zkmeta.EncodeController(c.id), Flags: zk.FlagEphemeral},
		{Kind: zkmeta.OpSet, Path: zkmeta.ControllerEpochPath, Data: zkmeta.EncodeEpoch(next), Version: st.Version},
	})
	if err == nil {
		return next, res[1].Stat.Version, nil
	}
	if errors.Is(err, zk.ErrNodeExists) || errors.Is(err, zk.ErrBadVersion) {
		// Kafka's checkControllerAndEpoch: a retried multi may have won.
		if ep, ver, ok := c.isOurs(next); ok {
			return ep, ver, nil
		}
		return 0, 0, fmt.Errorf("%w: %v", errControllerMoved, err)
	}
	return 0, 0, err
}

func (c *controller) isOurs(epoch int32) (int32, int32, bool) {
	b, _, err := c.n.z.Get(zkmeta.ControllerPath)
	if err != nil {
		return 0, 0, false
	}
	if id, err := zkmeta.DecodeController(b); err != nil || id != c.id {
		return 0, 0, false
	}
	eb, st, err := c.n.z.Get(zkmeta.ControllerEpochPath)
	if err != nil {
		return 0, 0, false
	}
	if e, err := zkmeta.DecodeEpoch(eb); err != nil || e != epoch {
		return 0, 0, false
	}
	return epoch, st.Version, true
}

// maybeResign is Kafka's (KafkaController.scala:1538-1545): watch
// /controller, re-read it, and resign if another broker holds it.
func (c *controller) maybeResign() error {
	wasActive := c.active
	if err := c.watchController(); err != nil {
		return err
	}
	id, err := c.readController()
	if err != nil {
		return err
	}
	c.setActiveID(id)
	if wasActive && id != c.id {
		c.resign(fmt.Sprintf("broker %d is the controller now", id))
	}
	return nil
}

// reelect follows the deletion of /controller (processReelect).
func (c *controller) reelect() error {
	if err := c.maybeResign(); err != nil {
		return err
	}
	return c.elect()
}

// resign is Kafka's onControllerResignation: stop the pushes, forget the
// context, and answer waiting CreateTopics/DeleteTopics with NOT_CONTROLLER.
func (c *controller) resign(why string) {
	if !c.active {
		return
	}
	c.active = false
	c.isActive.Store(false)
	c.cancelAutoLeaderRebalance() // Kafka shuts its controller scheduler down
	if c.cm != nil {
		c.cm.shutdown()
	}
	c.cm, c.cc = nil, nil
	c.deleting = map[string]bool{}
	c.waiters.failAll(cluster.ErrorCode(errNotController()))
	c.log.Info("resigned as controller", "epoch", c.epoch, "why", why)
}
