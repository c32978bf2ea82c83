#!/usr/bin/env bash
# The load tool beside h2load against the same gateway, at the same concurrency and connections, in
# one run: throughput and the client process's own CPU per request, each tool measured the same way.
# Results: perf/loadtool-vs-h2load.md.
#
#   bash perf/loadtool-vs-h2load.sh                       # 4 connections x 16 streams, 2 rounds, about 2 minutes after the build
#   CONNECTIONS=1 STREAMS=64 ROUNDS=3 SECONDS_MEASURED=10 bash perf/loadtool-vs-h2load.sh
#
# Each round runs h2load, `mlops loadtest --client frames` (the default: the tool's own HTTP/2
# client, src/MlopsGateway.LoadTest/Http2), the same with DOTNET_gcServer=0 (workstation GC; mlops
# ships server GC for its servers) and `--client grpc` (Grpc.Net.Client) in turn, each for WARM s + SECONDS_MEASURED s. Over the
# same window of every run (after the warm-up) the script reads the client's CPU ticks from /proc
# and the gateway's own count of answered calls from its metrics page, so neither tool's
# self-report is trusted and both pay for the same things. The request body is the same bytes for
# all: the tool's one request from --input-file, saved with --save-request and given to h2load -d.
#
# Needs: the .NET SDK, redis-server, h2load (nghttp2-client), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-4}
STREAMS=${STREAMS:-16}
ROUNDS=${ROUNDS:-2}
WARM=${WARM:-3}
SECONDS_MEASURED=${SECONDS_MEASURED:-6}
concurrency=$((CONNECTIONS * STREAMS))

. perf/processes.sh
require "apt-get install redis-server nghttp2-client curl python3" redis-server h2load curl python3
echo "building the Release CLI..."
build_mlops
start_redis
worker_port=$(free_port); gateway_port=$(free_port); metrics_port=$(free_port)
# Loopback worker open to any caller: the gateway sends no worker secret here.
"$MLOPS" worker --insecure-no-worker-secret --models "$work/models" --write-samples --bind 127.0.0.1 --port "$worker_port" --metrics-port 0 --redis "$redis" >"$work/worker.log" 2>&1 &
pids+=($!); wait_port "$worker_port"
"$MLOPS" gateway --redis "$redis" --bind 127.0.0.1 --port "$gateway_port" --metrics-port "$metrics_port" >"$work/gateway.log" 2>&1 &
pids+=($!); wait_port "$gateway_port"
key=$(create_key loadtool-vs-h2load)
target="http://127.0.0.1:$gateway_port"
echo '{"features": [[3, 12.5, 2, 14, 4]]}' >"$work/input.json"

# Both replace the shell they run in (exec), so that the pid measured is the client's own: call them
# in the background or in ( ).
loadtool() { # loadtool CLIENT SECONDS [ARGS...]: the load tool's closed loop at the shared concurrency
  local client=$1 seconds=$2; shift 2
  exec "$MLOPS" loadtest --target "$target" --api-key "$key" --model propensity --input-file "$work/input.json" \
    --client "$client" --connections "$CONNECTIONS" --concurrency "$concurrency" --warmup 0 --duration "${seconds}s" \
    --max-requests 100000000 "$@"
}
loadtool_env() { # loadtool_env NAME=VALUE CLIENT SECONDS [ARGS...]: the same with one more variable in its environment
  export "$1"; shift
  loadtool "$@"
}
h2() { # h2 SECONDS: h2load with the same body, connections and streams
  exec h2load -c "$CONNECTIONS" -m "$STREAMS" -D "$1" -d "$work/request.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' -H "x-api-key: $key" "$target/inference.GRPCInferenceService/ModelInfer"
}
answered() { # calls the gateway has answered: "OK FAILED"
  curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '/^mlops_gateway_requests_total\{/ { if ($0 ~ /status="OK"/) ok += $NF; else bad += $NF } END { printf "%d %d\n", ok, bad }'
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# The gateway finds the worker through Redis; wait until a call goes through.
for _ in $(seq 100); do
  "$MLOPS" predict --gateway "$target" --api-key "$key" --model propensity --input 'features=[[3, 12.5, 2, 14, 4]]' >/dev/null 2>&1 && break
  sleep 0.2
done
# The servers warm up (JIT, connection pools, ONNX Runtime), and the request body is saved.
(loadtool frames 3 --save-request "$work/request.bin") >"$work/warmup.log" 2>&1 || { cat "$work/warmup.log" >&2; exit 1; }
(h2 3) >/dev/null 2>&1
(loadtool grpc 3) >/dev/null 2>&1

printf 'tool\tround\treq_per_s\tclient_cpu_ms_per_1k\tfailed\n' >"$work/results.tsv"
measure() { # measure NAME ROUND COMMAND...: runs it in the background and measures the window after the warm-up
  local name=$1 round=$2; shift 2
  "$@" >"$work/$name-$round.log" 2>&1 &
  local pid=$!
  sleep "$WARM"
  local c0 a0 t0 c1 a1 t1
  c0=$(ticks "$pid"); a0=$(answered); t0=$(date +%s.%N)
  sleep "$SECONDS_MEASURED"
  c1=$(ticks "$pid" 2>/dev/null) || { echo "$name ended before its measurement did; its output:" >&2; cat "$work/$name-$round.log" >&2; exit 1; }
  a1=$(answered); t1=$(date +%s.%N)
  wait "$pid" || { echo "$name failed; its output:" >&2; cat "$work/$name-$round.log" >&2; exit 1; }
  python3 - "$name" "$round" "$c0" "$c1" "$a0" "$a1" "$t0" "$t1" "$(getconf CLK_TCK)" >>"$work/results.tsv" <<'PY'
import sys
name, rnd, c0, c1, a0, a1, t0, t1, hz = sys.argv[1:]
ok0, bad0 = map(int, a0.split()); ok1, bad1 = map(int, a1.split())
ok, bad = ok1 - ok0, bad1 - bad0
cpu = (int(c1) - int(c0)) / int(hz)
print(f"{name}\t{rnd}\t{ok / (float(t1) - float(t0)):.1f}\t{cpu * 1e6 / max(ok + bad, 1):.3f}\t{bad}")
PY
}
# A few seconds past the window: the tool starts its load a second or two after it starts (JIT, metadata).
run_seconds=$((WARM + SECONDS_MEASURED + 4))
uptime_before=$(uptime)
for round in $(seq 1 "$ROUNDS"); do
  measure h2load "$round" h2 "$run_seconds"
  measure frames "$round" loadtool frames "$run_seconds"
  measure frames-wks "$round" loadtool_env DOTNET_gcServer=0 frames "$run_seconds"
  measure grpc "$round" loadtool grpc "$run_seconds"
done
uptime_after=$(uptime)

echo "gateway $target, $CONNECTIONS connections x $STREAMS streams = $concurrency calls in flight, ${SECONDS_MEASURED} s measured per run after ${WARM} s, $ROUNDS rounds"
echo "load before: $uptime_before"
echo "load after:  $uptime_after"
echo "cores: $(nproc)"
column -t -s $'\t' "$work/results.tsv"
python3 - "$work/results.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in list(open(sys.argv[1]))[1:]]
by = {}
for tool, rnd, rps, cpu, bad in rows:
    by.setdefault(tool, []).append((float(rps), float(cpu), int(bad)))
med = lambda tool, i: statistics.median(r[i] for r in by[tool])
h_rps, h_cpu = med("h2load", 0), med("h2load", 1)
print()
print("| client | ok/s (median) | client CPU ms per 1k calls (median) | throughput ÷ h2load | CPU per call ÷ h2load | failed calls |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for tool in ("h2load", "frames", "frames-wks", "grpc"):
    rps, cpu = med(tool, 0), med(tool, 1)
    name = {"h2load": "h2load", "frames": "mlops loadtest --client frames (own HTTP/2 client)", "frames-wks": "the same, DOTNET_gcServer=0",
            "grpc": "mlops loadtest --client grpc"}[tool]
    print(f"| {name} | {rps:,.0f} | {cpu:.1f} | {rps / h_rps:.2f} | {cpu / h_cpu:.2f} | {sum(r[2] for r in by[tool])} |")
f_rps, f_cpu = med("frames", 0) / h_rps, med("frames", 1) / h_cpu
print()
print(f"targets: throughput >= 0.8x h2load: {f_rps:.2f} ({'met' if f_rps >= 0.8 else 'missed'}); "
      f"CPU per call <= 1.5x h2load: {f_cpu:.2f} ({'met' if f_cpu <= 1.5 else 'missed'})")
PY
