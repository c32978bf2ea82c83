#!/usr/bin/env bash
# Gateway CPU per request on a 3-master Redis Cluster against a standalone Redis, in one run.
# Issue 21's target: no more on the cluster (there is no Redis call on the request path either way).
# Two stacks side by side, each one worker and one gateway: one on a standalone redis-server, one on a
# 3-master cluster of redis-servers (all loopback). Each round loads both gateways in turn with the
# same h2load run and reads each gateway's CPU ticks from /proc; the ratio is within one run.
#
#   bash perf/gateway-cpu-cluster.sh                  # 20000 requests per run, 2 warm-up rounds unmeasured, then 5
#   REQUESTS=5000 ROUNDS=1 bash perf/gateway-cpu-cluster.sh
#
# Needs: the .NET SDK, redis-server and redis-cli, h2load (nghttp2-client), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${REQUESTS:-20000}
ROUNDS=${ROUNDS:-5}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-2}
. perf/processes.sh
require "apt-get install redis-server nghttp2-client python3" redis-server redis-cli h2load python3
build_mlops

start_redis
standalone=$redis
nodes=()
for i in 1 2 3; do
  # A cluster node's bus listens 10000 ports higher, so its own port must be at most 55535.
  p=$(free_port); while [ "$p" -gt 55535 ]; do p=$(free_port); done
  mkdir -p "$work/node$p"
  redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$work/node$p/nodes.conf" \
    --save '' --appendonly no --dir "$work/node$p" >"$work/node$p.log" 2>&1 &
  pids+=($!); wait_port "$p"; nodes+=("127.0.0.1:$p")
done
redis-cli --cluster create "${nodes[@]}" --cluster-yes >"$work/cluster-create.log" 2>&1
for _ in $(seq 1 100); do
  redis-cli -p "${nodes[0]#*:}" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1
done
cluster=$(IFS=,; echo "${nodes[*]}")

python3 perf/propensity-request.py "$work/request.bin"

# stack NAME REDIS: a worker and a gateway on that Redis; sets ${NAME}_gateway_port, ${NAME}_gateway_pid, ${NAME}_key.
stack() {
  local name=$1 redis_address=$2 wport gport mport
  wport=$(free_port); gport=$(free_port); mport=$(free_port)
  # Loopback workers open to any caller, as in the other perf scripts.
  "$MLOPS" worker --insecure-no-worker-secret --models "$work/models-$name" --write-samples --bind 127.0.0.1 --port "$wport" \
    --metrics-port 0 --redis "$redis_address" >"$work/worker-$name.log" 2>&1 &
  pids+=($!); wait_port "$wport"
  "$MLOPS" gateway --redis "$redis_address" --bind 127.0.0.1 --port "$gport" --metrics-port "$mport" >"$work/gateway-$name.log" 2>&1 &
  local gpid=$!; pids+=($gpid); wait_port "$gport"
  local secret
  secret=$("$MLOPS" keys create --redis "$redis_address" --name "perf-$name" | sed -n 's/^Secret (shown once, store it now): //p')
  printf -v "${name}_gateway_port" %s "$gport"; printf -v "${name}_gateway_pid" %s "$gpid"; printf -v "${name}_key" %s "$secret"
  # A readable answer before measuring (h2load only sees HTTP 200, not grpc-status); the worker may still be registering.
  for _ in $(seq 1 100); do
    "$MLOPS" predict --gateway "http://127.0.0.1:$gport" --api-key "$secret" --model propensity --input 'features=[[3, 12.5, 2, 14, 4]]' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "predict through the $name gateway failed; see $work/gateway-$name.log" >&2; exit 1
}
stack standalone "$standalone"
stack cluster "$cluster"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
echo "load before: $(uptime)"
printf '%-11s %5s %10s %22s\n' redis round req_per_s gateway_cpu_ms_per_1k
results=()
# Tiered compilation makes the first rounds several times dearer (292 then 71 ms per 1k in a trial): warm up first.
for round in $(seq 1 "$WARMUP_ROUNDS"); do
  for name in standalone cluster; do
    port_var=${name}_gateway_port; key_var=${name}_key
    timeout 120 h2load -n "$REQUESTS" -c 4 -m 16 -d "$work/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
      -H "x-api-key: ${!key_var}" "http://127.0.0.1:${!port_var}/inference.GRPCInferenceService/ModelInfer" >/dev/null
  done
done
for round in $(seq 1 "$ROUNDS"); do
  for name in standalone cluster; do
    port_var=${name}_gateway_port; pid_var=${name}_gateway_pid; key_var=${name}_key
    before=$(ticks "${!pid_var}")
    out=$(timeout 120 h2load -n "$REQUESTS" -c 4 -m 16 -d "$work/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
      -H "x-api-key: ${!key_var}" "http://127.0.0.1:${!port_var}/inference.GRPCInferenceService/ModelInfer")
    after=$(ticks "${!pid_var}")
    rps=$(echo "$out" | sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p')
    ok=$(echo "$out" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
    cpu=$(python3 -c "print(f'{($after-$before)*1000/$hz/max($ok,1)*1000:.1f}')")
    printf '%-11s %5s %10s %22s\n' "$name" "$round" "$rps" "$cpu"
    results+=("$name $cpu")
  done
done
echo "load after:  $(uptime)"
printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics
d = {}
for line in sys.stdin:
    n, v = line.split(); d.setdefault(n, []).append(float(v))
s, c = statistics.median(d["standalone"]), statistics.median(d["cluster"])
print(f"median gateway CPU per 1k requests: standalone {s:.1f} ms, cluster {c:.1f} ms, cluster / standalone {c/s:.2f}")'
