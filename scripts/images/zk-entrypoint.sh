#!/bin/sh
# kraftbench ZooKeeper entrypoint: writes zoo.cfg and myid, then runs Debian's
# ZooKeeper in the foreground as PID 1 (so SIGTERM and SIGKILL reach it).
#
# The environment follows the official zookeeper image, so the docker provider
# gives the same variables to this image and to an official one (--zk-image):
#   ZOO_MY_ID        this server's id (myid), default 1
#   ZOO_SERVERS      space-separated "server.N=host:2888:3888;2181" entries;
#                    default one standalone server on 2181
#   ZOO_4LW_COMMANDS_WHITELIST  default srvr,ruok,mntr
#   ZOO_TICK_TIME (2000) ZOO_INIT_LIMIT (5) ZOO_SYNC_LIMIT (2)
#   ZOO_MAX_CLIENT_CNXNS (60) ZOO_STANDALONE_ENABLED (true)
#   ZOO_ADMINSERVER_ENABLED (false here: the provider never uses it)
#   ZOO_DATA_DIR (/data) ZOO_DATA_LOG_DIR (/datalog) ZOO_CONF_DIR (/conf)
#   ZOO_CFG_EXTRA    extra "key=value" entries, space-separated
#   JVMFLAGS         extra JVM flags; the heap defaults to -Xmx1000m, as the
#                    official image's zkServer.sh does
# An argument naming an existing file is used as zoo.cfg as it is.
set -eu

conf_dir=${ZOO_CONF_DIR:-/conf}
data_dir=${ZOO_DATA_DIR:-/data}
log_dir=${ZOO_DATA_LOG_DIR:-/datalog}
mkdir -p "$conf_dir" "$data_dir" "$log_dir"

cfg=$conf_dir/zoo.cfg
if [ $# -ge 1 ] && [ -f "$1" ]; then
  cfg=$1
elif [ ! -f "$cfg" ]; then
  {
    echo "dataDir=$data_dir"
    echo "dataLogDir=$log_dir"
    echo "tickTime=${ZOO_TICK_TIME:-2000}"
    echo "initLimit=${ZOO_INIT_LIMIT:-5}"
    echo "syncLimit=${ZOO_SYNC_LIMIT:-2}"
    echo "maxClientCnxns=${ZOO_MAX_CLIENT_CNXNS:-60}"
    echo "standaloneEnabled=${ZOO_STANDALONE_ENABLED:-true}"
    echo "admin.enableServer=${ZOO_ADMINSERVER_ENABLED:-false}"
    echo "4lw.commands.whitelist=${ZOO_4LW_COMMANDS_WHITELIST:-srvr,ruok,mntr}"
    for s in ${ZOO_SERVERS:-server.1=localhost:2888:3888;2181}; do
      echo "$s"
    done
    for e in ${ZOO_CFG_EXTRA:-}; do
      echo "$e"
    done
  } >"$cfg"
fi
echo "${ZOO_MY_ID:-1}" >"$data_dir/myid"

# Debian's jar brings its dependencies through its manifest; putting all of
# /usr/share/java on the class path breaks its logging start-up. Logging
# needs only the slf4j binding for log4j 1.2 and log4j itself (to stdout).
cp=/etc/zookeeper/conf:/usr/share/java/zookeeper.jar
for j in /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar; do
  [ -f "$j" ] && cp=$cp:$j
done
# shellcheck disable=SC2086
exec java -Xmx1000m ${JVMFLAGS:-} \
  -Dzookeeper.root.logger=INFO,CONSOLE -Dzookeeper.log.dir="$log_dir" \
  -cp "$cp" \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg"
