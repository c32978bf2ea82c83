# Sourced by perf/gateway-overhead.sh, perf/shadow-cost.sh, perf/profile-gateway.sh, perf/loadtest-cpu.sh,
# perf/monitoring-overhead.sh, perf/profile-worker.sh and
# scripts/resilience-drill.sh: a scratch
# folder ($work); the processes a script starts (append their pids to $pids), stopped and the
# folder removed on exit (KEEP_WORK=1 keeps the folder); loopback port helpers; a check for the
# tools a script needs; the Release build of the mlops CLI; a Redis, and API keys in it.
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -z "${KEEP_WORK:-}" ]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT

# A port free on loopback now (the caller binds it soon after).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# Waits up to 10 s for something to listen on loopback port $1.
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 did not open" >&2; return 1; }

# require "HOW TO INSTALL" TOOL...: stops, saying what is missing and how to install it.
require() {
  local hint=$1 tool; shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing $tool ($hint)" >&2; exit 1; }
  done
}
# Builds the mlops CLI in Release (printing only errors) and sets $MLOPS to it.
build_mlops() {
  dotnet build src/MlopsGateway.Cli -c Release -nologo -v q -clp:ErrorsOnly -clp:NoSummary
  MLOPS="$PWD/src/MlopsGateway.Cli/bin/Release/net10.0/mlops"
}
# start_redis [PORT]: starts a Redis on a free loopback port, or on PORT to start one again after it
# stopped (loading what a SAVE left in $work); it persists nothing by itself. Sets $redis_port and
# $redis (host:port).
start_redis() {
  redis_port=${1:-$(free_port)}
  redis="127.0.0.1:$redis_port"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
  pids+=($!); wait_port "$redis_port"
}
# create_key NAME: prints the secret of a new API key in $redis.
create_key() {
  "$MLOPS" keys create --redis "$redis" --name "$1" | sed -n 's/^Secret (shown once, store it now): //p'
}

# push_propensity_baseline: writes the sample models into $work/models and pushes propensity v1 with a
# baseline from 20000 seeded rows shaped like its features (a count, a skewed duration, a small count,
# a normal amount, a code), so that a worker on $redis sketches and records every row (and
# `mlops loadtest --inputs baseline` draws rows like them).
push_propensity_baseline() {
  local samples_port samples
  samples_port=$(free_port)
  "$MLOPS" worker --insecure-no-worker-secret --models "$work/models" --write-samples --bind 127.0.0.1 --port "$samples_port" --metrics-port 0 >/dev/null 2>&1 &
  samples=$!; wait_port "$samples_port"; kill "$samples"; wait "$samples" 2>/dev/null || true
  python3 - "$work/baseline.csv" <<'PY'
import math, random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    f.write("visits_30d,minutes_on_site,cart_items,days_since_purchase,email_opens_30d\n")
    for _ in range(20000):
        f.write(f"{math.floor(r.expovariate(0.25))},{math.exp(r.gauss(2, 0.5)):.3f},{r.randrange(6)},{r.gauss(30, 10):.2f},{r.randrange(6)}\n")
PY
  "$MLOPS" models push "$work/models/propensity/1/model.onnx" --model propensity --version 1 --baseline "$work/baseline.csv" \
    --redis "$redis" --artifacts "$work/artifacts" --by perf >"$work/push.log" 2>&1 || { cat "$work/push.log" >&2; exit 1; }
}

# perf_methods NAME: from $work/perf.data, the $TOP methods that burn the most of process NAME's samples
# themselves (with their library), then the project's own methods with what they and their callees take.
perf_methods() {
  echo
  echo "== methods by their own share of the $1's samples (top $TOP) =="
  perf report -i "$work/perf.data" --no-children --sort dso,sym -g none --percent-limit 0.3 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | awk -v n="$TOP" 'NR <= n' | cut -c1-200
  echo
  echo "== the project's methods: with callees, own =="
  perf report -i "$work/perf.data" --children --sort sym -g none 2>/dev/null \
    | grep -v '^#' | grep 'MlopsGateway\.' | awk -v n="$TOP" 'NR <= n' | cut -c1-200
}
