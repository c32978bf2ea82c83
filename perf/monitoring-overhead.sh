#!/usr/bin/env bash
# What drift sketches and prediction records cost the worker (issue 23's target: at most 5% of
# propensity's throughput at 64 callers, on against off, in one run). Two workers side by side, the same
# binary, models and Redis, one with sketches and prediction records on (the defaults) and one with
# --no-sketches --no-prediction-records; propensity version 1 has a baseline in Redis (pushed with
# `mlops models push --baseline` from seeded rows shaped like its features), so the "on" worker counts
# every row into its bins and flushes them, and records every prediction. Each round loads both workers
# in turn, directly, with the same closed-loop `mlops loadtest --inputs baseline` run (rows drawn from
# that baseline, CALLERS callers); the order flips every round (on-off, off-on, ...) so that a drift
# in the machine's load falls on both alike. The figure is the median over rounds of on/off.
#
#   bash perf/monitoring-overhead.sh                     # 2 warm-up rounds unmeasured, then 6 of 10 s a side
#   ROUNDS=4 DURATION=5s bash perf/monitoring-overhead.sh
#   ROWS=8 bash perf/monitoring-overhead.sh              # 8 rows per request instead of 1
#   KEEP_WORK=1 bash perf/monitoring-overhead.sh         # keep the logs and the reports
#   OFF_ARGS=--no-sketches bash perf/monitoring-overhead.sh   # what the "off" worker turns off (default: both)
#   ON_ARGS='--prediction-sample 0.1' bash perf/monitoring-overhead.sh   # options of the "on" worker (default: none)
#   OFF_ARGS= OFF_MLOPS=/tmp/base/src/MlopsGateway.Cli/bin/Release/net10.0/mlops bash perf/monitoring-overhead.sh
#                                                        # this build against another (an older commit's), both on
#
# Needs: the .NET SDK, redis-server (with redis-cli), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-6}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-2}
[ "$WARMUP_ROUNDS" -ge 1 ] || { echo "WARMUP_ROUNDS must be at least 1 (its report names the inputs)" >&2; exit 2; }
DURATION=${DURATION:-10s}
CALLERS=${CALLERS:-64}
ROWS=${ROWS:-1}
OFF_ARGS=${OFF_ARGS---no-sketches --no-prediction-records}   # set and empty: nothing off
ON_ARGS=${ON_ARGS:-}
. perf/processes.sh
require "apt-get install redis-server redis-tools python3" redis-server redis-cli python3
build_mlops
start_redis

push_propensity_baseline

# worker NAME BINARY ARGS...: a worker on the shared Redis; sets ${NAME}_port and ${NAME}_pid.
worker() {
  local name=$1 binary=$2 port; shift 2
  port=$(free_port)
  "$binary" worker --insecure-no-worker-secret --models "$work/models" --bind 127.0.0.1 --port "$port" --metrics-port 0 \
    --redis "$redis" "$@" >"$work/worker-$name.log" 2>&1 &
  printf -v "${name}_pid" %s $!; pids+=($!); wait_port "$port"
  printf -v "${name}_port" %s "$port"
}
# shellcheck disable=SC2086 # ON_ARGS is a list of options
worker on "$MLOPS" $ON_ARGS
# shellcheck disable=SC2086 # OFF_ARGS is a list of options
worker off "${OFF_MLOPS:-$MLOPS}" $OFF_ARGS

# cpu PID: the CPU time (user + system, clock ticks) process PID has used so far.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks=$(getconf CLK_TCK)
redis_pid=${pids[0]}

# load NAME LABEL: one closed-loop run against worker NAME; prints its requests/s, rows/s, and the
# CPU microseconds per request the worker and Redis spent meanwhile: on a crowded machine throughput
# follows the scheduler's share, while CPU per request is what the monitoring adds.
load() {
  local port_var=${1}_port pid_var=${1}_pid json="$work/$1-$2.json" w0 r0 w1 r1
  w0=$(cpu "${!pid_var}"); r0=$(cpu "$redis_pid")
  timeout 300 "$MLOPS" loadtest --target "http://127.0.0.1:${!port_var}" --model propensity --version 1 --inputs baseline --redis "$redis" \
    --batch "$ROWS" --concurrency "$CALLERS" --warmup 1s --duration "$DURATION" --json "$json" --slo errors=0 >"$work/load-$1-$2.log" 2>&1 \
    || { echo "the load on worker $1 failed:" >&2; tail -5 "$work/load-$1-$2.log" >&2; exit 1; }
  w1=$(cpu "${!pid_var}"); r1=$(cpu "$redis_pid")
  python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["levels"][0]
n=l["throughput"]*float(sys.argv[2])
print("%.0f %.0f %.1f %.1f" % (l["throughput"], l["rows_per_second"], float(sys.argv[3])*1e6/int(sys.argv[5])/n, float(sys.argv[4])*1e6/int(sys.argv[5])/n))' \
    "$json" "$MEASURED_SECONDS" "$((w1 - w0))" "$((r1 - r0))" "$ticks"
}
# The seconds a load's CPU is spread over: its warm-up and its measured duration (whole seconds).
MEASURED_SECONDS=$(( $(sed 's/s$//' <<<"$DURATION") + 1 ))

echo "command: ROUNDS=$ROUNDS WARMUP_ROUNDS=$WARMUP_ROUNDS DURATION=$DURATION CALLERS=$CALLERS ROWS=$ROWS OFF_ARGS='$OFF_ARGS' ON_ARGS='$ON_ARGS' OFF_MLOPS='${OFF_MLOPS:-}' bash perf/monitoring-overhead.sh"
echo "load before: $(uptime)"
# Tiered compilation and the first flushes make the first rounds dearer: warm both up first.
for round in $(seq 1 "$WARMUP_ROUNDS"); do load on "warm$round" >/dev/null; load off "warm$round" >/dev/null; done
echo "inputs: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inputs"])' "$work/on-warm1.json")"
printf '%5s %-4s %10s %10s %14s %13s\n' round side req_per_s rows_per_s worker_us_req redis_us_req
results=()
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="on off"; else order="off on"; fi
  for side in $order; do
    read -r rps rows wus rus < <(load "$side" "$round")
    printf '%5s %-4s %10s %10s %14s %13s\n' "$round" "$side" "$rps" "$rows" "$wus" "$rus"
    results+=("$round $side $rps $wus $rus")
  done
done
echo "load after:  $(uptime)"
# What the "on" worker did meanwhile: it flushed sketches and wrote predictions to Redis.
# Records of ids from callers are hash fields (preds:M:T); those of ids the worker made, lines of blocks (preds-block:M:B).
blocked=$(redis-cli -p "$redis_port" eval "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do local _, c = string.gsub(redis.call('GET', k), '\\n', '') n = n + c end return n" 0 '{mlops}:preds-block:*')
echo "redis keys: $(redis-cli -p "$redis_port" --scan --pattern '{mlops}:drift:*' | wc -l) drift buckets, $(redis-cli -p "$redis_port" --scan --pattern '{mlops}:preds:*' | while read -r k; do redis-cli -p "$redis_port" hlen "$k"; done | awk '{s+=$1} END {print s+0}') recorded predictions in hourly hashes, $blocked in $(redis-cli -p "$redis_port" --scan --pattern '{mlops}:preds-block:*' | wc -l) blocks"
printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics
rounds = {}
for line in sys.stdin:
    r, side, rps, wus, rus = line.split(); rounds.setdefault(r, {})[side] = (float(rps), float(wus), float(rus))
ratios = [v["on"][0] / v["off"][0] for v in rounds.values()]
on = statistics.median(v["on"][0] for v in rounds.values()); off = statistics.median(v["off"][0] for v in rounds.values())
print(f"median requests/s: on {on:.0f}, off {off:.0f}; on/off per round: " + ", ".join(f"{x:.3f}" for x in ratios))
print(f"median on/off {statistics.median(ratios):.3f} (cost {100 * (1 - statistics.median(ratios)):.1f}% of the throughput; target: at most 5%)")
cpu = {s: [v[s][1] + v[s][2] for v in rounds.values()] for s in ("on", "off")}
print("median CPU us per request, worker + Redis: on %.1f (worker %.1f, Redis %.1f), off %.1f (worker %.1f, Redis %.1f); on/off %.3f" % (
    statistics.median(cpu["on"]), statistics.median(v["on"][1] for v in rounds.values()), statistics.median(v["on"][2] for v in rounds.values()),
    statistics.median(cpu["off"]), statistics.median(v["off"][1] for v in rounds.values()), statistics.median(v["off"][2] for v in rounds.values()),
    statistics.median(cpu["on"]) / statistics.median(cpu["off"])))'
