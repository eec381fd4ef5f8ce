#!/usr/bin/env bash
# Installs the Debian packages kraftbench's tests and local clusters use:
# kcat (a real Kafka client), ZooKeeper 3.8 and a Java runtime for it,
# debootstrap (the docker provider's ZooKeeper image is built on a bookworm
# root filesystem it makes, since no base image can be pulled) and
# Prometheus (the dashboards' live test scrapes a benchmark with it).
# Idempotent: does nothing when everything is present.
set -euo pipefail

need=()
command -v kcat >/dev/null 2>&1 || need+=(kcat)
[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: kcat, zookeeper, java, debootstrap and prometheus already present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "install-deps: done"
