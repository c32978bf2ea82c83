#!/usr/bin/env bash
# Context switches of the gateway's and the worker's threads, per request: one worker with the
# sample model, one gateway, `mlops loadtest` at RATE requests/s (Poisson) through it, and each
# process's threads read from /proc/PID/task/*/status SECONDS apart once the load has settled.
# Grouped by thread name; "involuntary" counts switches of threads that stayed runnable (preempted,
# or yielding while spinning). Loopback only.
#
#   bash perf/context-switches.sh                 # 800/s, 5 s measured after 12 s of load
#   RATE=400 SECONDS_MEASURED=10 bash perf/context-switches.sh
#
# Needs: the .NET SDK, redis-server, python3; Linux /proc.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-800}
SETTLE=${SETTLE:-12}
SECONDS_MEASURED=${SECONDS_MEASURED:-5}

. perf/processes.sh
require "apt-get install redis-server python3" redis-server python3
build_mlops

worker_port=$(free_port); gateway_port=$(free_port)
start_redis
# Loopback workers open to any caller: the load tools (and predict) call them directly, without a worker secret.
"$MLOPS" worker --insecure-no-worker-secret --models "$work/models" --write-samples --bind 127.0.0.1 --port "$worker_port" --metrics-port 0 --redis "$redis" >"$work/worker.log" 2>&1 &
worker_pid=$!; pids+=($worker_pid); wait_port "$worker_port"
"$MLOPS" gateway --redis "$redis" --bind 127.0.0.1 --port "$gateway_port" --metrics-port 0 >"$work/gateway.log" 2>&1 &
gateway_pid=$!; pids+=($gateway_pid); wait_port "$gateway_port"
key=$(create_key context-switches)

# One line per thread: name, voluntary and involuntary switches so far.
snapshot() { for task in /proc/"$1"/task/*; do echo "$(tr ' ' _ <"$task/comm") $(awk '/^voluntary_ctxt/ {v=$2} /^nonvoluntary_ctxt/ {n=$2} END {print v, n}' "$task/status")"; done 2>/dev/null; }

"$MLOPS" loadtest --target "http://127.0.0.1:$gateway_port" --api-key "$key" --model propensity --rate "$RATE" --arrival poisson \
  --warmup 0 --duration "$((SETTLE + SECONDS_MEASURED + 3))s" >"$work/loadtest.txt" 2>&1 &
load_pid=$!; pids+=($load_pid)
echo "load: $RATE requests/s (Poisson); measuring ${SECONDS_MEASURED} s after ${SETTLE} s"
sleep "$SETTLE"
snapshot "$gateway_pid" >"$work/gateway.a"; snapshot "$worker_pid" >"$work/worker.a"
sleep "$SECONDS_MEASURED"
snapshot "$gateway_pid" >"$work/gateway.b"; snapshot "$worker_pid" >"$work/worker.b"
wait "$load_pid"

for role in gateway worker; do
  python3 - "$role" "$work/$role.a" "$work/$role.b" "$RATE" "$SECONDS_MEASURED" <<'PY'
import collections, sys
role, before, after, rate, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
def read(path):
    totals = collections.defaultdict(lambda: [0, 0, 0])
    for line in open(path):
        name, voluntary, involuntary = line.split()
        t = totals[name]; t[0] += int(voluntary); t[1] += int(involuntary); t[2] += 1
    return totals
a, b = read(before), read(after)
rows = []
for name, (v, n, threads) in b.items():
    v0, n0, _ = a.get(name, (0, 0, 0))
    rows.append((name, threads, v - v0, n - n0))
total = sum(r[2] + r[3] for r in rows)
print(f"{role}: {total} context switches in {seconds:g} s, {total / (rate * seconds):.0f} per request")
for name, threads, v, n in sorted(rows, key=lambda r: -(r[2] + r[3]))[:5]:
    print(f"  {name:20s} {threads:3d} threads  voluntary {v:8d}  involuntary {n:8d}")
PY
done
