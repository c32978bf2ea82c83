#!/usr/bin/env bash
# One run, one machine, the same load on every path: ONNX Runtime in-process, a naive gRPC server,
# the worker, gateway -> worker, nginx grpc_pass -> worker. Prints the ratio table and writes it
# under perf/results/. Loopback only; every load is bounded in time and count.
# Usage: perf/compare.sh [--duration 4s] [--warmup 1s] [--rounds 3] [--propensity-concurrency 64] [--resnet-concurrency 16]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
step() { printf '[%02d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    step "Installing ${missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    step "Not root: ${missing[*]} missing; the rows that need them are skipped"
  fi
fi

step "Building (Release): the comparison, the mlops CLI, the naive server"
dotnet build perf/MlopsGateway.Compare -c Release -nologo -v quiet -clp:ErrorsOnly

step "Running the comparison"
dotnet perf/MlopsGateway.Compare/bin/Release/net10.0/MlopsGateway.Compare.dll \
  --mlops src/MlopsGateway.Cli/bin/Release/net10.0/mlops.dll \
  --naive perf/MlopsGateway.NaiveServer/bin/Release/net10.0/MlopsGateway.NaiveServer.dll \
  --nginx "$(command -v nginx || echo /usr/sbin/nginx)" \
  --results perf/results \
  --command-line "perf/compare.sh $*" \
  "$@"
step "Done in $((SECONDS / 60)) min $((SECONDS % 60)) s"
