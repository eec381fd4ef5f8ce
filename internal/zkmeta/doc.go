// Package zkmeta is Kafka's ZooKeeper-mode metadata as both control planes
// and the providers see it: the znode layout and the JSON of every znode
// (kafka.zk.ZkData), the ZooKeeper session client with Kafka's bound on
// its outstanding requests (zookeeper.max.in.flight.requests), the
// node-to-node push codec (UpdateMetadata and LeaderAndIsr as a
// ZooKeeper-mode controller sends them), and the ZooKeeper side of a
// ZooKeeper-to-KRaft migration:
// the migration client a KRaft controller reads and dual-writes ZooKeeper
// with (Kafka's ZkMigrationClient), its pusher to the ZooKeeper-mode brokers
// (MigrationPropagator), the /migration znode, and the MigrationLink a
// ZooKeeper-mode broker keeps with the KRaft quorum.
//
// It exists for one rule of the project's layout: cluster/ depends on no
// mode, and no mode on the other. zkmode builds its controller and broker on
// this package; kraftmode uses it for the migration only; cluster/local and
// cluster/migrate read and release znodes with it (ReadClusterID,
// ReadMigrationZNode, ReleaseController). Controller and broker logic stays
// in zkmode: what lives here is storage and wire format, which both modes
// must agree on byte for byte. The sequences of requests a controller sends
// are zkmode's too; the client only reports each request to an observer
// (Client.Observe), which zkmode's sequence tests attach.
package zkmeta
