#!/usr/bin/env bash
# count-procs.sh CMD [ARGS...]: run CMD and, every 0.2 s while it runs, count
# the ZooKeeper servers (QuorumPeerMain), kbnode node processes and
# Prometheus servers it started, and the Docker containers created meanwhile.
# Exits 1 if any appeared (listing them), else with CMD's status.
# `make test-short-check` runs `make test-short` under it: the unit tier must
# start none of them.
#
# Processes are attributed to CMD by a token in their environment (every
# process CMD starts inherits it), so servers of other runs on the same
# machine are not counted. Containers cannot be attributed that way: any
# container created while CMD runs is counted and listed with its name and
# image, so a person can tell one of ours from another run's.
set -uo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi
token="$$-$(date +%s%N)"
export KRAFTBENCH_PROC_CHECK="$token"
interval=0.2

docker_ok=false
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
	docker_ok=true
fi
containers() { $docker_ok && docker ps -aq --no-trunc 2>/dev/null | sort; }
before=$(containers)

# classify PID: what a process of this run is, from its argv: "zookeeper"
# when an argument is ZooKeeper's main class, "kbnode" or "prometheus" when
# its program is (not kbnode.test, nor a compiler writing a file of that
# name); nothing for other processes and for those of other runs (without
# this run's token in their environment).
classify() {
	tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | grep -qx "KRAFTBENCH_PROC_CHECK=$token" || return 0
	local argv
	argv=$(tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline")
	if echo "$argv" | grep -Eqx '(.*\.)?(QuorumPeerMain|ZooKeeperServerMain)'; then
		echo zookeeper
	fi
	case "$(echo "$argv" | head -n1)" in
	kbnode | */kbnode) echo kbnode ;;
	prometheus | */prometheus) echo prometheus ;;
	esac
}

seen_file=$(mktemp)
trap 'rm -f "$seen_file"' EXIT
samples=0

"$@" &
cmd_pid=$!
while kill -0 "$cmd_pid" 2>/dev/null; do
	samples=$((samples + 1))
	for p in $(pgrep -f 'kbnode|QuorumPeerMain|ZooKeeperServerMain|prometheus'); do
		for kind in $(classify "$p"); do
			echo "$kind $p $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-200)" >>"$seen_file"
		done
	done
	if $docker_ok; then
		for c in $(comm -13 <(echo "$before") <(containers)); do
			echo "container $c $(docker inspect -f '{{.Name}} {{.Config.Image}}' "$c" 2>/dev/null)" >>"$seen_file"
		done
	fi
	sleep "$interval"
done
wait "$cmd_pid"
status=$?

seen=$(sort -u -k1,2 "$seen_file")
count() { [ -z "$seen" ] && echo 0 || echo "$seen" | grep -c "^$1 "; }
echo "count-procs: $samples samples every ${interval}s: $(count zookeeper) ZooKeeper server(s), $(count kbnode) kbnode process(es), $(count prometheus) Prometheus server(s), $(count container) container(s) started (docker checked: $docker_ok)"
if [ -n "$seen" ]; then
	echo "count-procs: started during the run:"
	echo "$seen" | sed 's/^/  /'
	exit 1
fi
exit "$status"
