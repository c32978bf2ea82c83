#!/usr/bin/env bash
# Where the gateway's CPU goes: the gateway under the same saturating h2load as
# perf/gateway-overhead.sh, sampled with Linux perf, with .NET's JIT-compiled methods named through
# the runtime's perf map. Prints the methods that burn the most CPU themselves, then the project's
# own methods with what they and their callees take. Loopback only.
#
#   bash perf/profile-gateway.sh                  # 80000 requests sampled at 1999 Hz
#   REQUESTS=20000 TOP=60 bash perf/profile-gateway.sh
#   KEEP_WORK=1 bash perf/profile-gateway.sh      # keeps perf.data and the map for perf report
#
# Needs: the .NET SDK, redis-server, h2load (nghttp2-client), perf (linux-perf), python3; perf
# must be allowed to sample the process (kernel.perf_event_paranoid at most 2 for one's own).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-80000}
WARMUP=${WARMUP:-60000}
TOP=${TOP:-30}
FREQUENCY=${FREQUENCY:-1999}

. perf/processes.sh
require "apt-get install redis-server nghttp2-client linux-perf python3" redis-server h2load perf python3
build_mlops

worker_port=$(free_port); gateway_port=$(free_port)
start_redis
# Loopback workers open to any caller: the load tools (and predict) call them directly, without a worker secret.
"$MLOPS" worker --insecure-no-worker-secret --models "$work/models" --write-samples --bind 127.0.0.1 --port "$worker_port" --metrics-port 0 --redis "$redis" >"$work/worker.log" 2>&1 &
pids+=($!); wait_port "$worker_port"
# The perf map names JIT-compiled code; without W^X the code is not behind a memfd perf cannot read.
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 "$MLOPS" gateway --redis "$redis" --bind 127.0.0.1 \
  --port "$gateway_port" --metrics-port 0 >"$work/gateway.log" 2>&1 &
gateway_pid=$!; pids+=($gateway_pid); wait_port "$gateway_port"
key=$(create_key profile)
python3 perf/propensity-request.py "$work/request.bin"

load() {
  h2load -c 4 -m 16 -d "$work/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' -H "x-api-key: $key" \
    "$@" "http://127.0.0.1:$gateway_port/inference.GRPCInferenceService/ModelInfer"
}
echo "warming up ($WARMUP requests)..."
load -n "$WARMUP" >/dev/null 2>&1
sleep 3   # tier-1 recompiles after the warm-up

echo "sampling the gateway (pid $gateway_pid) over $REQUESTS requests..."
perf record -F "$FREQUENCY" -g -p "$gateway_pid" -o "$work/perf.data" >"$work/perf-record.log" 2>&1 &
recorder=$!
sleep 0.5
load -n "$REQUESTS" | grep -E '^(finished in|requests:)'
kill -INT "$recorder"; wait "$recorder" || true
cp "/tmp/perf-$gateway_pid.map" "$work/" 2>/dev/null || true

perf_methods gateway
if [ -n "${KEEP_WORK:-}" ]; then echo "perf report -i $work/perf.data (the map is /tmp/perf-$gateway_pid.map)"; fi
