#!/usr/bin/env bash
# The latency of mlops.v1.Explain for the sample propensity model through the gateway (issue 25 item 4):
# `mlops up` (its worker reads baselines from the registry's Redis; up pushes propensity with a baseline
# made from its training rows), then `mlops explain --repeat CALLS`: one unmeasured call, then CALLS calls
# one after another, their latencies in an HdrHistogram, p50/p95/p99/max printed with the last answer.
# Exact Shapley values (5 features: 32 coalitions) over BACKGROUND rows of the baseline's sample; each
# call runs 2 + 31 * BACKGROUND rows through the version's batcher in chunks of its max batch size (32).
#
#   bash perf/explain-latency.sh                  # 300 calls, the default background (100 rows)
#   CALLS=100 BACKGROUND=50 bash perf/explain-latency.sh
#   KEEP_WORK=1 bash perf/explain-latency.sh      # keep up's log
#
# Needs: the .NET SDK, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-300}
BACKGROUND=${BACKGROUND:-0}
. perf/processes.sh
require "apt-get install python3" python3
build_mlops

gateway_port=$(free_port)
worker_port=$(free_port)
key="perf-explain-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
"$MLOPS" up --gateway-port "$gateway_port" --worker-port "$worker_port" --gateway-metrics-port 0 --worker-metrics-port 0 \
  --api-key "$key" --data "$work/data" --models "$work/models" >"$work/up.log" 2>&1 &
pids+=($!)
wait_port "$gateway_port"

explain() {
  "$MLOPS" explain --gateway "http://127.0.0.1:$gateway_port" --api-key "$key" --model propensity --version 1 \
    --input 'features=[3, 12.5, 2, 14, 4]' --background "$BACKGROUND" "$@"
}
# The gateway listens before it has discovered the worker: wait until an explanation answers.
for _ in $(seq 1 100); do explain >/dev/null 2>&1 && break; sleep 0.2; done

echo "command: CALLS=$CALLS BACKGROUND=$BACKGROUND bash perf/explain-latency.sh"
echo "machine: $(nproc) cores; load before: $(uptime)"
explain --repeat "$CALLS"
echo "load after: $(uptime)"
