// Package docker is the provider that runs a cluster in containers through
// testcontainers-go, on images built locally (no registry is needed).
//
// # Images
//
// EnsureImages builds two images unless an image with the current content
// hash exists (so a stale image is never reused, and a current one is never
// rebuilt):
//
//   - kraftbench/node:<hash>: FROM scratch plus a static kbnode. The hash is
//     sha256 of the Dockerfile and the binary (12 hex digits). The binary is
//     $KRAFTBENCH_KBNODE when set, else built with CGO_ENABLED=0 from the
//     source tree the working directory is in, else the kbnode next to the
//     running executable or on PATH.
//   - kraftbench/zookeeper:<hash>: Debian bookworm's zookeeper on OpenJDK 17,
//     with an entrypoint that writes zoo.cfg and myid from the official
//     zookeeper image's variables (ZOO_MY_ID, ZOO_SERVERS, ...). Its base is
//     debian:bookworm-slim where present; else (no registry) a bookworm root
//     filesystem made with debootstrap and docker import, tagged
//     kraftbench/bookworm-zk-base:<hash> and kept, so changing the entrypoint
//     does not bootstrap again. The hash covers the rootfs script, package
//     list, mirror, Dockerfile, entrypoint and the base.
//
// The build inputs live in scripts/images and are embedded. Images are built
// through testcontainers' BuildImage (FromDockerfile with KeepImage) from an
// in-memory context. A user with a registry may pass any image with the
// official zookeeper image's environment contract (cluster.Spec.Images,
// `--zk-image zookeeper:3.8`); the provider never overrides its entrypoint.
//
// # Networks and addresses
//
// Each run has two networks: kb-<run>-peer (internal) and kb-<run>-client
// (bridge with inter-container traffic disabled). Every container joins both.
// Peers reach each other only on the peer network, through the alias
// <container-name>.peer, which exists on that network alone (a plain
// container name resolves on every network a container shares, and would
// resolve to the client network, where traffic between containers is
// dropped). A partition disconnects a node from the peer network; healing
// reconnects it with its alias. Kafka clients on the host reach brokers on
// the client network through ports published on 127.0.0.1, each with the same
// number inside the container as outside, advertised as 127.0.0.1:PORT: the
// Kafka-in-Docker trap avoided without knowing how the host reaches Docker.
//
// # Cleanup
//
// Every container, volume and network carries the label kraftbench.run=<run
// name>. Stop removes a cluster's; Down and DownAll remove what a dead process
// left behind. The testcontainers reaper is disabled (it would need a pull).
package docker
