// Package images holds the inputs of kraftbench's container images: the
// Dockerfiles, the ZooKeeper entrypoint and the script that makes a Debian
// bookworm root filesystem with debootstrap where no base image can be pulled.
// They are embedded so that the docker provider (cluster/docker) builds the
// same images, with the same content-hash tags, from a binary run anywhere;
// `make images` runs ./scripts/images/build, which does the same.
package images

import _ "embed"

// Files of the node image (FROM scratch plus a static kbnode).
var (
	//go:embed node.Dockerfile
	NodeDockerfile []byte
)

// Files of the ZooKeeper image.
var (
	//go:embed zookeeper.Dockerfile
	ZooKeeperDockerfile []byte
	//go:embed zk-entrypoint.sh
	ZooKeeperEntrypoint []byte
	//go:embed bookworm-rootfs.sh
	BookwormRootfsScript []byte
)

// ZooKeeperPackages are the Debian packages of the ZooKeeper image.
var ZooKeeperPackages = []string{"openjdk-17-jre-headless", "zookeeper"}
