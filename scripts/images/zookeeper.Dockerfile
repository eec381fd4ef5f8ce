# kraftbench ZooKeeper image: Debian bookworm's zookeeper package on OpenJDK 17.
# BASE is debian:bookworm-slim where it is present, else a bookworm root
# filesystem made by bookworm-rootfs.sh that already holds the packages (so
# this build needs no network then).
ARG BASE=debian:bookworm-slim
FROM ${BASE}
ARG PACKAGES="openjdk-17-jre-headless zookeeper"
RUN if [ ! -f /usr/share/java/zookeeper.jar ] || ! command -v java >/dev/null; then \
      apt-get update && \
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES && \
      rm -rf /var/lib/apt/lists/*; \
    fi
COPY zk-entrypoint.sh /usr/local/bin/kb-zk-entrypoint
ENV ZOO_CONF_DIR=/conf ZOO_DATA_DIR=/data ZOO_DATA_LOG_DIR=/datalog
EXPOSE 2181 2888 3888
ENTRYPOINT ["/usr/local/bin/kb-zk-entrypoint"]
