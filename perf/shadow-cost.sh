#!/usr/bin/env bash
# What shadow traffic at 100% costs the callers: one long open-loop run of `mlops loadtest` (Poisson
# arrivals at RATE requests/s, latency counted from each request's due time) through one gateway,
# while the route's shadow flips between 0% and 100% every BLOCK seconds (the order within each pair
# of blocks random, seeded). Each request counts for the block its start falls in, less a
# guard at the start of each block; every request of a setting is pooled into one p50/p99, and a
# 95% interval comes from resampling whole pairs of blocks. Short interleaved blocks spread this
# shared machine's stalls over both settings alike, where back-to-back runs of several seconds
# each let one stall decide a run's p99. The servers' garbage collections are timed as well (their
# /metrics, every 0.25 s), to tell how many blocks of each setting a collection fell in. Loopback
# only; the run is bounded in request count.
#
#   bash perf/shadow-cost.sh                                # shadow version on the primary's worker
#   SHADOW_WORKER=own bash perf/shadow-cost.sh              # shadow version on a worker of its own
#   SHADOW_WORKER=own SHADOW_NICE=19 bash perf/shadow-cost.sh   # ... at the lowest CPU priority
#   LOAD=h2load bash perf/shadow-cost.sh                   # h2load --rps instead of the load tool (see below)
#   LOAD=h2load RATE=0 bash perf/shadow-cost.sh            # h2load closed loop (-c 4 -m 16 at full speed), the
#                                                          # load of the issue's CPU target
#   PAIRS=60 BLOCK=1 GUARD=0.1 RATE=800 SEED=1 bash perf/shadow-cost.sh   # the defaults
#   GATEWAY_ARGS="--shadow-gather 0" bash perf/shadow-cost.sh   # extra options for the gateway
#   KEEP_WORK=1 bash perf/shadow-cost.sh                   # keep the logs (requests.log, blocks.txt, gc.txt)
#   AA=1 bash perf/shadow-cost.sh                          # A/A: both settings shadow 0%, to see the method's noise
#   SERVER_ENV="DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0" bash perf/shadow-cost.sh   # environment for the servers only
#   PHASES=6 PHASE_S=8 bash perf/shadow-cost.sh            # no latency: what a copy adds to each server's CPU and
#                                                          # context switches per request, in 6 pairs of 8 s phases
#
# Needs: the .NET SDK, redis-server (with redis-cli), h2load (nghttp2-client, for the warm-up), python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-60}
BLOCK=${BLOCK:-1}
GUARD=${GUARD:-0.1}
SEED=${SEED:-1}
RESAMPLES=${RESAMPLES:-400}
RATE=${RATE:-800}
WARMUP=${WARMUP:-40000}
SHADOW_WORKER=${SHADOW_WORKER:-same}
LOAD=${LOAD:-loadtest}
SHADOW_NICE=${SHADOW_NICE:-0}
PHASES=${PHASES:-0}
PHASE_S=${PHASE_S:-8}
case "$SHADOW_WORKER" in same|own) ;; *) echo "SHADOW_WORKER must be 'same' or 'own', not '$SHADOW_WORKER'" >&2; exit 2;; esac
case "$LOAD" in loadtest|h2load) ;; *) echo "LOAD must be 'loadtest' or 'h2load', not '$LOAD'" >&2; exit 2;; esac
[ "$RATE" = 0 ] && [ "$LOAD" != h2load ] && { echo "RATE=0 (closed loop) needs LOAD=h2load" >&2; exit 2; }
[ "$PHASES" -gt 0 ] && [ "$LOAD" != loadtest ] && { echo "PHASES runs with the load tool only (LOAD=loadtest)" >&2; exit 2; }

. perf/processes.sh
require "apt-get install redis-server redis-tools nghttp2-client python3 curl" redis-server redis-cli h2load python3 curl
build_mlops

primary_port=$(free_port); shadow_port=$(free_port); gateway_port=$(free_port); metrics_port=$(free_port)
primary_metrics=$(free_port); shadow_metrics=$(free_port)
start_redis

# The sample model's two versions; with SHADOW_WORKER=own, version 1 and version 2 on separate workers.
# Loopback workers open to any caller: the load tools (and predict) call them directly, without a worker secret.
"$MLOPS" worker --insecure-no-worker-secret --models "$work/all" --write-samples --bind 127.0.0.1 --port "$primary_port" --metrics-port 0 >/dev/null 2>&1 &
samples=$!; wait_port "$primary_port"; kill "$samples"; wait "$samples" 2>/dev/null || true
if [ "$SHADOW_WORKER" = own ]; then
  mkdir -p "$work/v1/propensity" "$work/v2/propensity"
  cp -r "$work/all/propensity/1" "$work/v1/propensity/"; cp -r "$work/all/propensity/2" "$work/v2/propensity/"
  env ${SERVER_ENV:-} "$MLOPS" worker --insecure-no-worker-secret --models "$work/v1" --bind 127.0.0.1 --port "$primary_port" --metrics-port "$primary_metrics" --redis "$redis" >"$work/primary.log" 2>&1 &
  pids+=($!); primary_pid=$!; wait_port "$primary_port"
  nice -n "$SHADOW_NICE" env ${SERVER_ENV:-} "$MLOPS" worker --insecure-no-worker-secret --models "$work/v2" --bind 127.0.0.1 --port "$shadow_port" --metrics-port "$shadow_metrics" --redis "$redis" >"$work/shadow.log" 2>&1 &
  pids+=($!); shadow_pid=$!; wait_port "$shadow_port"
else
  env ${SERVER_ENV:-} "$MLOPS" worker --insecure-no-worker-secret --models "$work/all" --bind 127.0.0.1 --port "$primary_port" --metrics-port "$primary_metrics" --redis "$redis" >"$work/primary.log" 2>&1 &
  pids+=($!); primary_pid=$!; wait_port "$primary_port"
fi
env ${SERVER_ENV:-} "$MLOPS" gateway --redis "$redis" --bind 127.0.0.1 --port "$gateway_port" --metrics-port "$metrics_port" ${GATEWAY_ARGS:-} >"$work/gateway.log" 2>&1 &
pids+=($!); gateway_pid=$!; wait_port "$gateway_port"
watched=("$primary_pid" "$gateway_pid"); [ "$SHADOW_WORKER" = own ] && watched+=("$shadow_pid")
# Whose collections to time: the same processes, read from their /metrics.
gc_names=(worker gateway); gc_urls=("http://127.0.0.1:$primary_metrics/metrics" "http://127.0.0.1:$metrics_port/metrics")
[ "$SHADOW_WORKER" = own ] && gc_names+=(shadow-worker) && gc_urls+=("http://127.0.0.1:$shadow_metrics/metrics")
key=$(create_key shadow-cost)

# One tiny ModelInfer (propensity, one row of five FP32 features, no version), as a gRPC frame.
python3 perf/propensity-request.py "$work/request.bin"
url="http://127.0.0.1:$gateway_port/inference.GRPCInferenceService/ModelInfer"
load() { timeout "${LOAD_TIMEOUT:-300}" h2load -c 4 -m 16 -d "$work/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' -H "x-api-key: $key" "$@" "$url" >/dev/null 2>&1; }
route() { "$MLOPS" rollout "$@" --redis "$redis" --model propensity --by shadow-cost >/dev/null; sleep 0.5; }
counter() { curl -s "http://127.0.0.1:$metrics_port/metrics" | awk -v name="$1" 'index($0, name "{") == 1 {s += $NF} END {print s + 0}'; }
copies() { echo "shadow copies during the run: $(( $(counter mlops_gateway_shadow_sent_total) - sent0 )) answered, $(( $(counter mlops_gateway_shadow_dropped_total) - dropped0 )) dropped"; }
# poisson_load SECONDS [ARG...]: the project's load tool, Poisson arrivals at RATE through the gateway.
poisson_load() {
  "$MLOPS" loadtest --target "http://127.0.0.1:$gateway_port" --api-key "$key" --model propensity --rate "$RATE" --arrival poisson \
    --seed "$SEED" --warmup 0 --duration "${1}s" "${@:2}" >"$work/loadtest.txt" 2>&1
}

[ "${AA:-0}" = 1 ] && echo "A/A run: the blocks marked 'on' below also have shadow at 0%"
if [ "$PHASES" -gt 0 ]; then plan="$PHASES pairs of ${PHASE_S} s phases"; else plan="$PAIRS pairs of ${BLOCK} s blocks"; fi
# h2load's pacing at the measured rate: none in the closed loop, else 4 clients at RATE/4 each.
if [ "$RATE" = 0 ]; then pace="a closed loop"; h2load_pace=(); else pace="$RATE requests/s"; h2load_pace=(--rps $((RATE / 4))); fi
echo "shadow version on the $SHADOW_WORKER worker$([ "$SHADOW_WORKER" = own ] && echo " (nice $SHADOW_NICE)")${GATEWAY_ARGS:+, gateway $GATEWAY_ARGS}${SERVER_ENV:+, servers with $SERVER_ENV}; $plan, $pace from $LOAD"
sleep 2
# Warm-up: the primary path at full speed, then the shadow path at the measured rate.
route shadow --version 2 --percent 0 --stable 1
load -n "$WARMUP"
redis-cli -p "$redis_port" --raw HGET mlops:routes propensity >"$work/off.json"
route shadow --version 2 --percent 100
redis-cli -p "$redis_port" --raw HGET mlops:routes propensity >"$work/on.json"
# A/A: the "on" blocks get the same route as the "off" ones; any change reported is the method's noise.
[ "${AA:-0}" = 1 ] && cp "$work/off.json" "$work/on.json"
load -n 8000 "${h2load_pace[@]}"
route shadow --version 2 --percent 0
sleep 3
sent0=$(counter mlops_gateway_shadow_sent_total); dropped0=$(counter mlops_gateway_shadow_dropped_total)
if [ "$PHASES" -gt 0 ]; then
  # Phases of PHASE_S seconds, each after 1 s to settle; the load runs a little longer on both sides.
  seconds=$(python3 -c "print(int(2 * $PHASES * ($PHASE_S + 1.2) + 8))")
  poisson_load "$seconds" &
  load_pid=$!
  sleep 3
  python3 perf/shadow_blocks.py phases "$redis_port" propensity "$work/off.json" "$work/on.json" "$PHASES" "$PHASE_S" "$SEED" \
    "http://127.0.0.1:$metrics_port/metrics" "${gc_names[@]}" -- "${watched[@]}"
  wait "$load_pid" || { cat "$work/loadtest.txt" >&2; echo "the load run failed" >&2; exit 1; }
  copies
  exit 0
fi
# The load for a little longer than the blocks on both sides (requests outside the blocks are not
# counted). LOAD=loadtest (the default): Poisson arrivals at RATE from the project's load tool, whose
# --log-file stamps each request with when it was due, so a stall is charged to the block it happened
# in. LOAD=h2load: h2load --rps, 4 clients at RATE/4 each; lighter on the shared cores, but each
# client sends its requests in bursts at timer ticks (about 8 at once every 10 ms at 800/s), so its
# tail measures those bursts queueing. (h2load's timing scripts fell behind at this rate here.)
# LOAD=h2load RATE=0: h2load's 64 streams at full speed for the whole run (-D); the p99 then moves
# with the CPU each request costs, as the machine is saturated.
seconds=$(python3 -c "print(int(2 * $PAIRS * $BLOCK + 3))")
LOAD_TIMEOUT=$((seconds + 120))
if [ "$LOAD" = h2load ] && [ "$RATE" = 0 ]; then
  load -D "$seconds" --log-file="$work/requests.log" &
elif [ "$LOAD" = h2load ]; then
  load -n $((RATE * seconds)) "${h2load_pace[@]}" --log-file="$work/requests.log" &
else
  poisson_load "$seconds" --log-file "$work/requests.log" &
fi
load_pid=$!
python3 perf/shadow_blocks.py gcpoll "$work/gc.txt" "${gc_urls[@]}" &
pids+=($!); gc_pid=$!
sleep 1
python3 perf/shadow_blocks.py toggle "$redis_port" propensity "$work/off.json" "$work/on.json" "$PAIRS" "$BLOCK" "$SEED" "$work/blocks.txt" "${watched[@]}"
if ! wait "$load_pid"; then
  cat "$work/loadtest.txt" >&2 2>/dev/null || true
  echo "the load run failed (exit code above, or h2load's; ${LOAD_TIMEOUT} s allowed)" >&2
  exit 1
fi
kill "$gc_pid" 2>/dev/null || true
sleep 1.5
copies
python3 perf/shadow_blocks.py report "$work/blocks.txt" "$work/requests.log" "$GUARD" "$RESAMPLES" "$work/gc.txt" "${gc_names[@]}"
