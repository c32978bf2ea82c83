#!/usr/bin/env bash
# Issue 5's checks by hand, through `up` and the CLI, on loopback: a canary weight's share, shadow
# divergence in the metrics, a worker stopped (SIGTERM) and killed (SIGKILL) under load, a static
# worker (mlops gateway --worker) stopped under load (scripts/static-worker-stop.sh, one round), and
# Redis restarted empty and from an older save under load. Prints one summary line per check.
#
#   bash scripts/resilience-drill.sh            # about 3 minutes; needs redis-server, redis-cli, python3
#
# KEEP_WORK=1 keeps the logs; RATE sets the load (requests/s, default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/processes.sh

rate=${RATE:-300}
key=mlk_drill_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
require "Debian: apt-get install -y redis-server python3 curl" redis-server redis-cli python3 curl
echo "building the Release CLI..."
build_mlops
M=$MLOPS
start_redis
R=$redis
gateway_port=$(free_port); worker_port=$(free_port); metrics_port=$(free_port); worker_metrics_port=$(free_port)
spare_port=$(free_port); spare_metrics_port=$(free_port)

metric() { # metric NAME FILTER: the sum of the gateway's samples of NAME whose line contains FILTER
    curl -s "http://127.0.0.1:$metrics_port/metrics" | awk -v name="$1" -v filter="$2" 'index($0, name) == 1 && index($0, filter) { s += $NF } END { print s + 0 }'
}
load() { # load NAME SECONDS: open-loop load through the gateway in the background, JSON report in $work/NAME.json
    "$M" loadtest --target "http://127.0.0.1:$gateway_port" --api-key "$key" --model propensity --rate "$rate" --duration "$2s" \
        --warmup 0 --json "$work/$1.json" >"$work/$1.log" 2>&1 &
    load_pid=$!
}
outcome() { # outcome NAME: requests, failures by status and message
    python3 - "$work/$1.json" <<'EOF'
import json, sys
level = json.load(open(sys.argv[1]))["levels"][0]
failed = "; ".join(f"{n} {s}: {level['error_messages'].get(s, '')}" for s, n in level["errors_by_status"].items())
print(f"{level['ok'] + level['errors']} requests, {level['errors']} failed" + (f" ({failed})" if failed else ""))
EOF
}

"$M" up --redis "$R" --api-key "$key" --gateway-port "$gateway_port" --worker-port "$worker_port" \
    --gateway-metrics-port "$metrics_port" --worker-metrics-port "$worker_metrics_port" --models "$work/models" >"$work/up.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do grep -q "gateway is up" "$work/up.log" && break; sleep 1; done
grep -q "gateway is up" "$work/up.log" || { echo "up did not start; see $work/up.log" >&2; KEEP_WORK=1; exit 1; }

echo "== 1. canary at 30% (mlops rollout canary), share of version 2 in the gateway's requests"
"$M" rollout canary --redis "$R" --model propensity --version 2 --weight 30 --stable 1 >/dev/null
sleep 1
v1=$(metric mlops_gateway_requests_total 'version="1"'); v2=$(metric mlops_gateway_requests_total 'version="2"')
load canary 10; wait $load_pid
v1=$(( $(metric mlops_gateway_requests_total 'version="1"') - v1 )); v2=$(( $(metric mlops_gateway_requests_total 'version="2"') - v2 ))
echo "   version 1: $v1, version 2: $v2 ($(python3 -c "print(f'{100*$v2/($v1+$v2):.1f}')")% for a weight of 30)"

echo "== 2. shadow version 2 at 100% (mlops rollout shadow): divergence in the gateway's metrics"
"$M" rollout shadow --redis "$R" --model propensity --version 2 --percent 100 >/dev/null
sleep 1; load shadow 5; wait $load_pid; sleep 1
echo "   copies compared: $(metric mlops_gateway_shadow_max_abs_diff_count ''), mean largest difference:" \
    "$(python3 -c "c=$(metric mlops_gateway_shadow_max_abs_diff_count ''); s=$(metric mlops_gateway_shadow_max_abs_diff_sum ''); print(f'{s/c:.4f}' if c else 'none')")," \
    "top class disagreed: $(metric mlops_gateway_shadow_top_class_total 'agreed="false"') rows;" \
    "dropped while the CPU was busy: $(metric mlops_gateway_shadow_dropped_total 'reason="busy"'); callers: $(outcome shadow)"
"$M" rollout shadow --redis "$R" --model propensity --version 2 --percent 0 >/dev/null

for signal in TERM KILL; do
    echo "== 3. a second worker stopped with SIG$signal under load"
    # Loopback workers open to any caller: the load tools (and predict) call them directly, without a worker secret.
    "$M" worker --insecure-no-worker-secret --models "$work/models" --redis "$R" --port "$spare_port" --metrics-port "$spare_metrics_port" \
        --advertise "http://127.0.0.1:$spare_port" \
        >"$work/worker-$signal.log" 2>&1 &
    worker=$!
    for _ in $(seq 30); do "$M" workers --redis "$R" | grep -q ":$spare_port" && break; sleep 1; done
    sleep 3
    load "worker-$signal" 12; sleep 5
    kill -$signal $worker; wait $worker 2>/dev/null || true
    wait $load_pid
    echo "   $(outcome "worker-$signal")"
done

echo "== 4. static workers (mlops gateway --worker): one of two stopped with SIGTERM under load"
# Workers and a gateway of the step's own, stopped before Redis restarts: the steps below count what up's gateway writes back.
ROUNDS=1 RATE="$rate" bash scripts/static-worker-stop.sh 2>&1 | sed -n 's/^round 1: /   /p'

echo "== 5. Redis stopped without saving and restarted empty under load"
load redis-empty 14; sleep 4
redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
sleep 3; start_redis "$redis_port"
wait $load_pid
echo "   $(outcome redis-empty)"
sleep 2
"$M" rollout canary --redis "$R" --model propensity --version 2 --weight 100 --stable 1 >/dev/null
sleep 1; v2=$(metric mlops_gateway_requests_total 'version="2"'); load after 2; wait $load_pid
echo "   a canary at 100% set after the restart: $(( $(metric mlops_gateway_requests_total 'version="2"') - v2 )) of $((rate * 2)) requests on version 2"

echo "== 6. Redis restarted from an older save under load: a key revoked and the canary dropped after the save"
extra=$(create_key drill-extra)
redis-cli -p "$redis_port" save >/dev/null
"$M" keys revoke --redis "$R" drill-extra >/dev/null
"$M" rollout rollback --redis "$R" --model propensity >/dev/null
sleep 1
load redis-older 14; sleep 4
redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
sleep 3; start_redis "$redis_port"
wait $load_pid
sleep 2
echo "   $(outcome redis-older)"
echo "   the revoked key: $("$M" predict --gateway "http://127.0.0.1:$gateway_port" --api-key "$extra" --model propensity \
    --input 'features=[[3, 12.5, 2, 14, 4]]' 2>&1 | head -1 | cut -c1-60)"
echo "   the route in Redis: $("$M" rollout status --redis "$R" --model propensity | head -1 | cut -d'(' -f1)"
echo "   restores counted: $(metric mlops_gateway_redis_restores_total '')"
