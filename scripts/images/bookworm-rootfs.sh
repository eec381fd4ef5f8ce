#!/usr/bin/env bash
# bookworm-rootfs.sh TAG PACKAGES
#
# Makes a Debian bookworm root filesystem with debootstrap (variant minbase)
# plus PACKAGES (comma-separated) and imports it as the docker image TAG.
# kraftbench uses it as the base of its ZooKeeper image where
# debian:bookworm-slim is not present and cannot be pulled (no registry).
#
# Needs root and debootstrap (apt-get install debootstrap). The mirror is
# KRAFTBENCH_DEBIAN_MIRROR (the docker provider passes the one the host's apt
# uses); empty, debootstrap takes its own default. About 70 s and 900 MB with
# openjdk-17-jre-headless and zookeeper.
set -euo pipefail

tag=${1:?usage: bookworm-rootfs.sh TAG PACKAGES}
packages=${2:?usage: bookworm-rootfs.sh TAG PACKAGES}
mirror=${KRAFTBENCH_DEBIAN_MIRROR:-}

die() { echo "bookworm-rootfs: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "debootstrap needs root (run as root, or load debian:bookworm-slim into docker)"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found: apt-get install debootstrap"
command -v docker >/dev/null 2>&1 || die "docker CLI not found"

work=$(mktemp -d "${TMPDIR:-/tmp}/kb-rootfs.XXXXXX")
cleanup() {
  # debootstrap may leave /proc or /sys mounted inside the tree on failure.
  for m in proc sys dev/pts dev; do umount -l "$work/rootfs/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

echo "bookworm-rootfs: debootstrap minbase + $packages from ${mirror:-the default mirror of debootstrap}"
debootstrap --variant=minbase --include="$packages" bookworm "$work/rootfs" ${mirror:+"$mirror"} \
  >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

# What an image does not need: package caches and lists, docs, man pages.
r=$work/rootfs
rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* \
  "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/tmp/*
# Images get their resolver from docker; keep the host's out of the image.
: >"$r/etc/resolv.conf"
echo "deb $mirror bookworm main" >"$r/etc/apt/sources.list"

echo "bookworm-rootfs: docker import as $tag"
tar --numeric-owner -C "$r" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  --message "kraftbench bookworm rootfs: $packages" - "$tag" >/dev/null
echo "bookworm-rootfs: done"
