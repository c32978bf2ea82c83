#!/usr/bin/env bash
# Where a worker's CPU goes with drift sketches and prediction records on (issue 23): one worker on a
# Redis holding propensity v1's baseline, under the same closed-loop `mlops loadtest --inputs baseline`
# as perf/monitoring-overhead.sh, sampled with Linux perf, .NET's JIT-compiled methods named through
# the runtime's perf map. Prints the methods that burn the most CPU themselves, then the project's own
# methods with what they and their callees take. Loopback only.
#
#   bash perf/profile-worker.sh                        # monitoring on (the defaults), 20 s sampled
#   WORKER_ARGS='--no-sketches --no-prediction-records' bash perf/profile-worker.sh   # the "off" worker
#   DURATION=30s TOP=60 bash perf/profile-worker.sh
#   KEEP_WORK=1 bash perf/profile-worker.sh            # keeps perf.data and the map for perf report
#
# Needs: the .NET SDK, redis-server, perf (linux-perf), python3; perf must be allowed to sample the
# process (kernel.perf_event_paranoid at most 2 for one's own).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
CALLERS=${CALLERS:-64}
TOP=${TOP:-40}
FREQUENCY=${FREQUENCY:-1999}
WORKER_ARGS=${WORKER_ARGS:-}

. perf/processes.sh
require "apt-get install redis-server linux-perf python3" redis-server perf python3
build_mlops
start_redis
push_propensity_baseline

worker_port=$(free_port)
# The perf map names JIT-compiled code; without W^X the code is not behind a memfd perf cannot read.
# shellcheck disable=SC2086 # WORKER_ARGS is a list of options
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 "$MLOPS" worker --insecure-no-worker-secret --models "$work/models" \
  --bind 127.0.0.1 --port "$worker_port" --metrics-port 0 --redis "$redis" $WORKER_ARGS >"$work/worker.log" 2>&1 &
worker_pid=$!; pids+=($worker_pid); wait_port "$worker_port"

load() {
  timeout 300 "$MLOPS" loadtest --target "http://127.0.0.1:$worker_port" --model propensity --version 1 --inputs baseline \
    --redis "$redis" --concurrency "$CALLERS" --warmup 1s --duration "$1" --json "$work/$2.json" --slo errors=0 >"$work/load-$2.log" 2>&1 \
    || { echo "the load failed:" >&2; tail -5 "$work/load-$2.log" >&2; exit 1; }
  python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["levels"][0]; print("%.0f requests/s, p99 %.2f ms" % (l["throughput"], l["latency_ms"]["p99"]))' "$work/$2.json" 2>/dev/null \
    || python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["levels"][0]; print("%.0f requests/s" % l["throughput"])' "$work/$2.json"
}
echo "command: DURATION=$DURATION CALLERS=$CALLERS WORKER_ARGS='$WORKER_ARGS' bash perf/profile-worker.sh"
echo "load before: $(uptime)"
echo "warming up (10 s)..."
load 10s warm >/dev/null
sleep 2   # tier-1 recompiles after the warm-up

echo "sampling the worker (pid $worker_pid) over $DURATION of load..."
perf record -F "$FREQUENCY" -g -p "$worker_pid" -o "$work/perf.data" >"$work/perf-record.log" 2>&1 &
recorder=$!
sleep 0.5
load "$DURATION" measured
kill -INT "$recorder"; wait "$recorder" || true
echo "load after:  $(uptime)"

perf_methods worker
if [ -n "${KEEP_WORK:-}" ]; then echo "perf report -i $work/perf.data (the map is /tmp/perf-$worker_pid.map)"; fi
