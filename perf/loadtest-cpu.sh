#!/usr/bin/env bash
# The load tool's own CPU and the latencies it reports, with the thread pool's idle workers not
# spinning (as `mlops loadtest` ships) and spinning (the runtime's default, forced back with
# DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=70), alternating in the same run against one `mlops up`.
#
#   bash perf/loadtest-cpu.sh                  # 3 rounds of 20 s each way at 800 requests/s, about 3 minutes
#   RATE=400 ROUNDS=5 bash perf/loadtest-cpu.sh
#
# Needs redis-server and python3. Prints one line per run, then the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/processes.sh

rate=${RATE:-800}
rounds=${ROUNDS:-3}
require "Debian: apt-get install -y redis-server python3" redis-server python3
echo "building the Release CLI..."
build_mlops
start_redis
key=$(create_key loadtest-cpu)
gateway_port=$(free_port)
"$MLOPS" up --redis "$redis" --gateway-port "$gateway_port" --worker-port "$(free_port)" --gateway-metrics-port "$(free_port)" \
    --worker-metrics-port "$(free_port)" --models "$work/models" >"$work/up.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do grep -qs "gateway is up" "$work/up.log" && break; sleep 1; done
grep -qs "gateway is up" "$work/up.log" || { echo "up did not start; see $work/up.log" >&2; KEEP_WORK=1; exit 1; }

run() { # run NAME [ENV...]: one 20 s Poisson run at $rate after 2 s of warm-up; its CPU seconds into $work/NAME.cpu
    local name=$1; shift
    local TIMEFORMAT="%U %S"
    { time env "$@" "$MLOPS" loadtest --target "http://127.0.0.1:$gateway_port" --api-key "$key" --model propensity \
        --rate "$rate" --arrival poisson --duration 20s --warmup 2s --json "$work/$name.json" >"$work/$name.log" 2>&1 ; } 2>"$work/$name.cpu"
}
echo "warming up the servers..."
run warmup
for round in $(seq "$rounds"); do
    run "spinning-$round" DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=70
    run "shipped-$round"
done
python3 - "$work" "$rounds" "$rate" <<'PY'
import json, statistics, sys
work, rounds, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {"spinning": [], "shipped": []}
for r in range(1, rounds + 1):
    for name in rows:
        user, sys_ = map(float, open(f"{work}/{name}-{r}.cpu").read().split())
        level = json.load(open(f"{work}/{name}-{r}.json"))["levels"][0]
        lat = level["latency"]
        rows[name].append((user + sys_, lat["p50"], lat["p99"], level["ok"], level["errors"]))
        print(f"round {r} {name:8}: tool CPU {user + sys_:5.2f} s (user {user:.2f}, sys {sys_:.2f}); "
              f"p50 {lat['p50']:.3f} ms, p99 {lat['p99']:.3f} ms; {level['ok']} ok, {level['errors']} failed")
med = {n: [statistics.median(c) for c in zip(*v)] for n, v in rows.items()}
print(f"median of {rounds} rounds at {rate}/s (22 s each, warm-up included): tool CPU spinning {med['spinning'][0]:.2f} s, "
      f"shipped {med['shipped'][0]:.2f} s ({med['shipped'][0] / med['spinning'][0]:.2f} of spinning); "
      f"p50 {med['spinning'][1]:.3f} -> {med['shipped'][1]:.3f} ms, p99 {med['spinning'][2]:.3f} -> {med['shipped'][2]:.3f} ms")
PY
