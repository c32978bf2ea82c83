#!/usr/bin/env bash
# A static worker (mlops gateway --worker) stopped cleanly under load, ROUNDS times: each round starts
# two `mlops worker` processes (no Redis registration) behind a fresh `mlops gateway --worker A --worker B`,
# sends RATE requests/s (Poisson) for 10 s and stops worker B with SIGTERM after 5 s. Prints the calls
# that failed per round. The drill's step 4 does one round at its own rate; the race it checks needs a
# call sent in the moment the worker's server stops, so this repeats it at a higher rate.
#
#   bash scripts/static-worker-stop.sh                  # 5 rounds at 1,200 requests/s, about 2 minutes
#   RATE=800 ROUNDS=3 bash scripts/static-worker-stop.sh
#
# Needs redis-server and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/processes.sh

rate=${RATE:-1200}
rounds=${ROUNDS:-5}
require "Debian: apt-get install -y redis-server python3" redis-server python3
echo "building the Release CLI..."
build_mlops
start_redis
key=$(create_key static-stop)
for round in $(seq "$rounds"); do
    ports=(); workers=()
    for i in 1 2; do
        port=$(free_port)
        # Loopback workers open to any caller: the load tools (and predict) call them directly, without a worker secret.
        "$MLOPS" worker --insecure-no-worker-secret --models "$work/models" --write-samples --port "$port" --metrics-port "$(free_port)" >"$work/worker-$round-$i.log" 2>&1 &
        workers+=($!); pids+=($!); ports+=("$port")
    done
    gateway_port=$(free_port)
    "$MLOPS" gateway --redis "$redis" --port "$gateway_port" --metrics-port "$(free_port)" \
        --worker "http://127.0.0.1:${ports[0]}" --worker "http://127.0.0.1:${ports[1]}" >"$work/gateway-$round.log" 2>&1 &
    gateway=$!; pids+=($!)
    for port in "${ports[@]}" "$gateway_port"; do wait_port "$port"; done
    sleep 3
    "$MLOPS" loadtest --target "http://127.0.0.1:$gateway_port" --api-key "$key" --model propensity --rate "$rate" --arrival poisson \
        --duration 10s --warmup 0 --json "$work/round-$round.json" >"$work/round-$round.log" 2>&1 &
    load=$!
    sleep 5
    kill -TERM "${workers[1]}"; wait "${workers[1]}" 2>/dev/null || true
    wait $load
    python3 - "$work/round-$round.json" "$round" <<'PY'
import json, sys
level = json.load(open(sys.argv[1]))["levels"][0]
failed = "; ".join(f"{n} {s}: {level['error_messages'].get(s, '')}" for s, n in level["errors_by_status"].items())
print(f"round {sys.argv[2]}: {level['ok'] + level['errors']} requests, {level['errors']} failed" + (f" ({failed})" if failed else ""))
PY
    kill -TERM "$gateway" "${workers[0]}"; wait "$gateway" "${workers[0]}" 2>/dev/null || true
done
