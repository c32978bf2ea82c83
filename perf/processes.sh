# Sourced by perf/gateway-overhead.sh, perf/shadow-cost.sh, perf/profile-gateway.sh, perf/loadtest-cpu.sh and
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
