#!/usr/bin/env bash
# scripts/scale-fs.sh up|down|status [MOUNTPOINT]
#
# A filesystem with room for a million partitions' replica logs. Each replica
# log is a directory and five files (.log, .index, .timeindex,
# leader-epoch-checkpoint, partition.metadata): 6 inodes, so 1,000,000
# partitions at replication factor 3 need 18M inodes, more than a machine's
# root filesystem usually has free (16.3M here, with 16.8M in all). "up" makes
# a sparse image file beside MOUNTPOINT with an ext4 of SCALE_FS_INODES
# inodes (default 24M) and inline_data (a small file lives in its inode, so
# 3M logs do not take 12 KiB of blocks each), and mounts it at
# MOUNTPOINT; run the sweep with TMPDIR=MOUNTPOINT/tmp so every run
# directory (and so every replica log) is on it. "down" unmounts it and
# removes the image. Needs root (losetup, mount).
#
# The logs are real files on a real ext4; the difference from the root
# filesystem is the loop device under it (writes pass through the page cache
# twice), which docs/fidelity.md states for the 1M rows.
set -euo pipefail

cmd=${1:-}
mnt=${2:-/var/tmp/kraftbench-scale}
img="$mnt.img"
size=${SCALE_FS_SIZE:-120G}
inodes=${SCALE_FS_INODES:-24000000}

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "scale-fs: $cmd needs root (losetup and mount of $img); run it as root or give TMPDIR a filesystem with >= 18M free inodes yourself" >&2
		exit 1
	fi
}

case "$cmd" in
up)
	need_root
	if mountpoint -q "$mnt"; then
		echo "scale-fs: $mnt is mounted already" >&2
	else
		mkdir -p "$mnt"
		avail=$(df --output=avail -B1G "$(dirname "$img")" | tail -1 | tr -d ' ')
		echo "scale-fs: making $img (sparse, $size, $inodes inodes; ${avail}G free under it)" >&2
		rm -f "$img"
		truncate -s "$size" "$img"
		mkfs.ext4 -q -F -N "$inodes" -O inline_data -m 0 -E lazy_itable_init=1,lazy_journal_init=1 "$img"
		# direct I/O on the loop device, so the image's pages are not cached a
		# second time under the filesystem's (at 665k partitions the double
		# cache held 21 GiB of this machine's 24); losetup falls back to
		# buffered I/O, and says so, where the host filesystem refuses it
		dev=$(losetup --find --show --direct-io=on --sector-size 4096 "$img" 2>/dev/null || losetup --find --show "$img")
		echo "scale-fs: $img on $dev, direct I/O $(cat /sys/block/"${dev#/dev/}"/loop/dio 2>/dev/null || echo unknown)" >&2
		mount -o noatime "$dev" "$mnt"
	fi
	mkdir -p "$mnt/tmp"
	chmod 1777 "$mnt/tmp"
	df -h "$mnt" | tail -1 >&2
	df -i "$mnt" | tail -1 >&2
	echo "TMPDIR=$mnt/tmp"
	;;
down)
	need_root
	if mountpoint -q "$mnt"; then
		umount "$mnt"
	fi
	for dev in $(losetup -j "$img" -O NAME -n 2>/dev/null); do
		losetup -d "$dev"
	done
	rm -f "$img"
	rmdir "$mnt" 2>/dev/null || true
	echo "scale-fs: $mnt unmounted, $img removed" >&2
	;;
status)
	if mountpoint -q "$mnt"; then
		df -h "$mnt" | tail -1
		df -i "$mnt" | tail -1
	else
		echo "scale-fs: $mnt is not mounted"
		exit 1
	fi
	;;
*)
	echo "usage: scripts/scale-fs.sh up|down|status [MOUNTPOINT] (SCALE_FS_SIZE=$size, SCALE_FS_INODES=$inodes)" >&2
	exit 2
	;;
esac
