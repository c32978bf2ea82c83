#!/usr/bin/env bash
# What shadow traffic at 100% costs the callers: the caller's p50/p99 through one gateway at a fixed
# rate, with the route's shadow at 0% and at 100% in alternating runs, every request of each setting
# pooled into one percentile (steadier than per-run p99s, which rest on the slowest 1% of one run).
# Loopback only; every run bounded in request count.
#
#   bash perf/shadow-cost.sh                                # shadow version on the primary's worker
#   SHADOW_WORKER=own bash perf/shadow-cost.sh              # shadow version on a worker of its own
#   SHADOW_WORKER=own SHADOW_NICE=19 bash perf/shadow-cost.sh   # ... at the lowest CPU priority
#   PAIRS=6 REQUESTS=8000 RPS=200 bash perf/shadow-cost.sh  # the defaults (RPS per h2load client, 4 clients)
#
# Needs: the .NET SDK, redis-server, h2load (nghttp2-client), python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-6}
REQUESTS=${REQUESTS:-8000}
RPS=${RPS:-200}
WARMUP=${WARMUP:-40000}
SHADOW_WORKER=${SHADOW_WORKER:-same}
SHADOW_NICE=${SHADOW_NICE:-0}
case "$SHADOW_WORKER" in same|own) ;; *) echo "SHADOW_WORKER must be 'same' or 'own', not '$SHADOW_WORKER'" >&2; exit 2;; esac
for tool in redis-server h2load python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install redis-server nghttp2-client python3 curl)" >&2; exit 1; }
done

dotnet build src/MlopsGateway.Cli -c Release -nologo -v q -clp:ErrorsOnly
MLOPS="$PWD/src/MlopsGateway.Cli/bin/Release/net10.0/mlops"

work=$(mktemp -d); pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 did not open" >&2; return 1; }

redis_port=$(free_port); primary_port=$(free_port); shadow_port=$(free_port); gateway_port=$(free_port); metrics_port=$(free_port)
redis="127.0.0.1:$redis_port"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >/dev/null 2>&1 &
pids+=($!); wait_port "$redis_port"

# The sample model's two versions; with SHADOW_WORKER=own, version 1 and version 2 on separate workers.
"$MLOPS" worker --models "$work/all" --write-samples --bind 127.0.0.1 --port "$primary_port" --metrics-port 0 >/dev/null 2>&1 &
samples=$!; wait_port "$primary_port"; kill "$samples"; wait "$samples" 2>/dev/null || true
if [ "$SHADOW_WORKER" = own ]; then
  mkdir -p "$work/v1/propensity" "$work/v2/propensity"
  cp -r "$work/all/propensity/1" "$work/v1/propensity/"; cp -r "$work/all/propensity/2" "$work/v2/propensity/"
  "$MLOPS" worker --models "$work/v1" --bind 127.0.0.1 --port "$primary_port" --metrics-port 0 --redis "$redis" >"$work/primary.log" 2>&1 &
  pids+=($!); wait_port "$primary_port"
  nice -n "$SHADOW_NICE" "$MLOPS" worker --models "$work/v2" --bind 127.0.0.1 --port "$shadow_port" --metrics-port 0 --redis "$redis" >"$work/shadow.log" 2>&1 &
  pids+=($!); wait_port "$shadow_port"
else
  "$MLOPS" worker --models "$work/all" --bind 127.0.0.1 --port "$primary_port" --metrics-port 0 --redis "$redis" >"$work/primary.log" 2>&1 &
  pids+=($!); wait_port "$primary_port"
fi
"$MLOPS" gateway --redis "$redis" --bind 127.0.0.1 --port "$gateway_port" --metrics-port "$metrics_port" >"$work/gateway.log" 2>&1 &
pids+=($!); wait_port "$gateway_port"
key=$("$MLOPS" keys create --redis "$redis" --name shadow-cost | sed -n 's/^Secret (shown once, store it now): //p')

# One tiny ModelInfer (propensity, one row of five FP32 features, no version), as a gRPC frame.
python3 perf/propensity-request.py "$work/request.bin"
url="http://127.0.0.1:$gateway_port/inference.GRPCInferenceService/ModelInfer"
load() { timeout 300 h2load -c 4 -m 16 -d "$work/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' -H "x-api-key: $key" "$@" "$url" >/dev/null 2>&1; }
route() { "$MLOPS" rollout "$@" --redis "$redis" --model propensity --by shadow-cost >/dev/null; sleep 0.5; }
counter() { curl -s "http://127.0.0.1:$metrics_port/metrics" | awk -v name="$1" 'index($0, name "{") == 1 {s += $NF} END {print s + 0}'; }

echo "shadow version on the $SHADOW_WORKER worker$([ "$SHADOW_WORKER" = own ] && echo " (nice $SHADOW_NICE)"); $PAIRS pairs of $REQUESTS requests at $((RPS * 4))/s"
sleep 2
# Warm-up: the primary path at full speed, then the shadow path at the measured rate.
route shadow --version 2 --percent 0 --stable 1
load -n "$WARMUP"
route shadow --version 2 --percent 100
load -n "$REQUESTS" --rps "$RPS"
sleep 3
sent0=$(counter mlops_gateway_shadow_sent_total); dropped0=$(counter mlops_gateway_shadow_dropped_total)
for pair in $(seq 1 "$PAIRS"); do
  order="off on"; [ $((pair % 2)) -eq 0 ] && order="on off"
  for setting in $order; do
    route shadow --version 2 --percent "$([ "$setting" = on ] && echo 100 || echo 0)"
    load -n "$REQUESTS" --rps "$RPS" --log-file="$work/$setting-$pair.log"
  done
done
sleep 1.5
echo "shadow copies during the measured runs: $(( $(counter mlops_gateway_shadow_sent_total) - sent0 )) answered, $(( $(counter mlops_gateway_shadow_dropped_total) - dropped0 )) dropped"
python3 - "$work" "$PAIRS" <<'EOF'
import sys
sys.path.insert(0, "perf")
from h2load_log import latencies, percentile
work, pairs = sys.argv[1], int(sys.argv[2])
result = {}
for setting in ("off", "on"):
    lat = latencies(*(f"{work}/{setting}-{p}.log" for p in range(1, pairs + 1)))
    result[setting] = (percentile(lat, 50), percentile(lat, 99), len(lat))
    print(f"shadow {setting:>3}: {len(lat)} requests, p50 {result[setting][0]} us, p99 {result[setting][1]} us")
(off50, off99, _), (on50, on99, _) = result["off"], result["on"]
print(f"shadow at 100% changes the caller's p50 by {100 * (on50 / off50 - 1):+.1f}% and p99 by {100 * (on99 / off99 - 1):+.1f}%")
EOF
