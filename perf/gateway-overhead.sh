#!/usr/bin/env bash
# What the gateway adds over calling the worker directly, beside nginx grpc_pass on the same load.
# Loopback only; every run bounded in request count (h2load -n) and time (timeout). Prints a
# table; see perf/gateway-overhead.md. What shadow traffic costs callers: perf/shadow-cost.sh.
#
#   bash perf/gateway-overhead.sh                # 20000 requests per run, 3 rounds
#   REQUESTS=5000 ROUNDS=1 bash perf/gateway-overhead.sh
#   GATEWAY_ENV="DOTNET_gcServer=0" bash perf/gateway-overhead.sh   # runtime settings for the gateway process
#
# Saturating load (h2load -c 4 -m 16) straight to the worker, through nginx grpc_pass and through
# the gateway, in turn, each round; CPU per request from /proc of each process.
#
# Needs: the .NET SDK, redis-server, nginx (with http_v2), h2load (nghttp2-client), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-20000}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-40000}
CLIENTS=${CLIENTS:-4}
STREAMS=${STREAMS:-16}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}

. perf/processes.sh
require "apt-get install redis-server nginx nghttp2-client python3" redis-server nginx h2load python3
build_mlops

worker_port=$(free_port); gateway_port=$(free_port); nginx_port=$(free_port); metrics_port=$(free_port)
start_redis

# Loopback workers open to any caller: the load tools (and predict) call them directly, without a worker secret.
"$MLOPS" worker --insecure-no-worker-secret --models "$work/models" --write-samples --bind 127.0.0.1 --port "$worker_port" --metrics-port 0 --redis "$redis" >"$work/worker.log" 2>&1 &
worker_pid=$!; pids+=($worker_pid); wait_port "$worker_port"

env ${GATEWAY_ENV:-} "$MLOPS" gateway --redis "$redis" --bind 127.0.0.1 --port "$gateway_port" --metrics-port "$metrics_port" >"$work/gateway.log" 2>&1 &
gateway_pid=$!; pids+=($gateway_pid); wait_port "$gateway_port"

key=$(create_key perf)

mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
error_log $work/nginx/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  upstream worker { server 127.0.0.1:$worker_port; keepalive 16; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$nginx_port http2;
    # nginx closes an HTTP/2 connection after 1000 requests by default, and h2load does not reconnect.
    keepalive_requests 10000000;
    location / { grpc_pass grpc://worker; }
  }
}
EOF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' &
nginx_pid=$!; pids+=($nginx_pid); wait_port "$nginx_port"

# One tiny ModelInfer (propensity, one row of five FP32 features, no version), as a gRPC frame.
python3 perf/propensity-request.py "$work/request.bin"

# A readable answer through each path before measuring (h2load only sees HTTP 200, not grpc-status).
for target in "http://127.0.0.1:$worker_port" "http://127.0.0.1:$nginx_port" "http://127.0.0.1:$gateway_port"; do
  "$MLOPS" predict --gateway "$target" --api-key "$key" --model propensity --input 'features=[[3, 12.5, 2, 14, 4]]' >/dev/null \
    || { echo "predict through $target failed" >&2; exit 1; }
done

cpu_ticks() { # user+system clock ticks of a process and its children threads
  awk '{print $14 + $15}' "/proc/$1/stat"
}
nginx_ticks() { # master and its worker processes
  local total=0 pid
  for pid in $nginx_pid $(pgrep -P "$nginx_pid"); do total=$((total + $(cpu_ticks "$pid"))); done
  echo $total
}

# run NAME URL H2LOAD-ARGS...: h2load, then CPU ticks of worker/gateway/nginx and latency percentiles.
run() {
  local name=$1 url=$2 log="$work/$1.log"; shift 2
  local w0 g0 n0 w1 g1 n1
  w0=$(cpu_ticks $worker_pid); g0=$(cpu_ticks $gateway_pid); n0=$(nginx_ticks)
  timeout "$RUN_TIMEOUT" h2load -c "$CLIENTS" -m "$STREAMS" -d "$work/request.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' -H "x-api-key: $key" \
    --log-file="$log" "$@" "$url/inference.GRPCInferenceService/ModelInfer" >"$work/$name.h2load" 2>&1
  w1=$(cpu_ticks $worker_pid); g1=$(cpu_ticks $gateway_pid); n1=$(nginx_ticks)
  local rps ok n
  n=$(sed -n 's/^requests: \([0-9]*\) total.*/\1/p' "$work/$name.h2load")
  rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$work/$name.h2load")
  ok=$(sed -n 's/^status codes: \([0-9]*\) 2xx.*/\1/p' "$work/$name.h2load")
  python3 - "$name" "$log" "$n" "$rps" "$ok" $((w1 - w0)) $((g1 - g0)) $((n1 - n0)) "$(getconf CLK_TCK)" <<'EOF' >>"$work/results.tsv"
import sys
name, log, n, rps, ok, w, g, x, hz = sys.argv[1:]
sys.path.insert(0, "perf")
from h2load_log import latencies, percentile
lat = latencies(log)
pct = lambda p: percentile(lat, p)
per = lambda ticks: int(ticks) * 1e6 / int(hz) / int(n)
print(f"{name}\t{rps}\t{ok}\t{pct(50)}\t{pct(99)}\t{per(w):.1f}\t{per(g):.1f}\t{per(x):.1f}")
EOF
}

printf 'name\treq_per_s\tok_2xx\tp50_us\tp99_us\tworker_cpu_us\tgateway_cpu_us\tnginx_cpu_us\n' >"$work/results.tsv"
# Warm-up: JIT, connection pools, ONNX Runtime.
for url in "http://127.0.0.1:$worker_port" "http://127.0.0.1:$nginx_port" "http://127.0.0.1:$gateway_port"; do
  timeout "$RUN_TIMEOUT" h2load -n "$WARMUP" -c "$CLIENTS" -m "$STREAMS" -d "$work/request.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' -H "x-api-key: $key" "$url/inference.GRPCInferenceService/ModelInfer" >/dev/null 2>&1
done
# Let background JIT (tier-1 recompiles after the warm-up) settle, then note what each process burns idle.
sleep 3
i0w=$(cpu_ticks $worker_pid); i0g=$(cpu_ticks $gateway_pid); sleep 3; i1w=$(cpu_ticks $worker_pid); i1g=$(cpu_ticks $gateway_pid)
echo "idle over 3 s: worker $(( (i1w - i0w) * 1000 / $(getconf CLK_TCK) )) ms CPU, gateway $(( (i1g - i0g) * 1000 / $(getconf CLK_TCK) )) ms CPU"
for round in $(seq 1 "$ROUNDS"); do
  run "direct#$round" "http://127.0.0.1:$worker_port" -n "$REQUESTS"
  run "nginx#$round" "http://127.0.0.1:$nginx_port" -n "$REQUESTS"
  run "gateway#$round" "http://127.0.0.1:$gateway_port" -n "$REQUESTS"
done

column -t -s $'\t' "$work/results.tsv"
# h2load sees HTTP 200 for gRPC errors too; the gateway's own count says whether every call succeeded.
sleep 1.5
failed=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '/^mlops_gateway_requests_total\{/ && $0 !~ /status="OK"/ {s += $NF} END {print s + 0}')
echo "gateway calls answered with a gRPC error: $failed"
python3 - "$work/results.tsv" "$ROUNDS" <<'EOF'
import statistics, sys
rows = {}
for line in list(open(sys.argv[1]))[1:]:
    f = line.rstrip("\n").split("\t")
    rows[f[0]] = dict(p50=float(f[3]), p99=float(f[4]), w=float(f[5]), g=float(f[6]), x=float(f[7]))
med = statistics.median
cpu_n, cpu_g, lat = [], [], []
print()
for r in range(1, int(sys.argv[2]) + 1):
    d, x, g = (rows[f"{n}#{r}"] for n in ("direct", "nginx", "gateway"))
    n_cpu, g_cpu = x["x"] + x["w"] - d["w"], g["g"] + g["w"] - d["w"]
    cpu_n.append(n_cpu)
    cpu_g.append(g_cpu)
    lat.append((x["p50"] - d["p50"], x["p99"] - d["p99"], g["p50"] - d["p50"], g["p99"] - d["p99"]))
    print(f"round {r}: added CPU per request: nginx {n_cpu:.0f} us, gateway {g_cpu:.0f} us ({g_cpu / n_cpu:.2f} of nginx); "
          f"added p50/p99: nginx {lat[-1][0]:.0f}/{lat[-1][1]:.0f} us, gateway {lat[-1][2]:.0f}/{lat[-1][3]:.0f} us")
print(f"median of {len(cpu_n)} rounds: added CPU per request: nginx {med(cpu_n):.0f} us, gateway {med(cpu_g):.0f} us "
      f"(gateway/nginx {med([g / n for g, n in zip(cpu_g, cpu_n)]):.2f}); added p50/p99: nginx {med([l[0] for l in lat]):.0f}/{med([l[1] for l in lat]):.0f} us, "
      f"gateway {med([l[2] for l in lat]):.0f}/{med([l[3] for l in lat]):.0f} us")
EOF
