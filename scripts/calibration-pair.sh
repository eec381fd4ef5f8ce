#!/usr/bin/env bash
# A model-against-external pair on one machine: the topics workload run on a
# KRaft cluster that `kraftbench cluster up` started, seen through the
# external provider (a cluster file from `kraftbench cluster file`: Kafka
# protocol and fault commands only), and the same workload on kraftbench's
# own KRaft model (local provider). `kraftbench report` then puts them side
# by side ("Model against external cluster"); the two are the same code, so
# the ratio shows what the external provider itself adds, about 1x.
# Usage: scripts/calibration-pair.sh [OUT] (default results/external).
set -euo pipefail
cd "$(dirname "$0")/.."
KB=${KB:-./bin/kraftbench}
OUT=${1:-results/external}
REPS=${REPS:-3}
name=kb-calib-$$
KRAFTBENCH_HOME=$(mktemp -d)
export KRAFTBENCH_HOME
cleanup() {
	"$KB" cluster down --name "$name" >/dev/null 2>&1 || true
	rm -rf "$KRAFTBENCH_HOME"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$KB" cluster up --mode kraft --provider local --brokers 3 --controllers 3 --name "$name"
"$KB" cluster file --name "$name" >"$KRAFTBENCH_HOME/cluster.yaml"
# The borrowed cluster first, then the model, REPS runs each.
"$KB" bench --scenario workloads/scenarios/topics.yaml --cluster "$KRAFTBENCH_HOME/cluster.yaml" \
	--repetitions "$REPS" -o "$OUT"
"$KB" cluster down --name "$name"
"$KB" bench --scenario workloads/scenarios/topics.yaml --provider local --modes kraft \
	--repetitions "$REPS" -o "$OUT"
"$KB" report "$OUT"
