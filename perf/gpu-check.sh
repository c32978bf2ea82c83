#!/usr/bin/env bash
# ResNet18 on an NVIDIA GPU, with no network: ONNX Runtime in-process on the CUDA execution provider
# at every callers × batch pair (batch 1 to 64), then the worker with batching on and off under the
# load tool at 16 and 64 callers. Prints the worker ÷ in-process ratio (in-process = the best pair)
# and the batching gain (batching on ÷ off), and says whether CUDA really ran: the in-process
# session made on the CUDA provider, the worker's "Loaded model ... on CUDAExecutionProvider" line,
# and nvidia-smi's list of the processes on the GPU.
#
# Where: unpacked from the bundle that perf/gpu-bundle.sh builds (self-contained: no .NET needed),
# or in a checkout with the .NET SDK. No GPU (no nvidia-smi, or it lists none): the same check on
# the CPU provider, with smaller defaults, and a loud note that CUDA did not run.
# Needs on the GPU machine: the NVIDIA driver (libcuda.so.1) and the CUDA 13 and cuDNN 9 user-space
# libraries that ONNX Runtime 1.31's CUDA provider links against (see perf/gpu-check.md).
#
# Usage: bash perf/gpu-check.sh          every setting below can be given in the environment
# Results: $OUT when set, else perf/results/gpu-<date>: gpu-check.md (the report), gpu-check.log
# (everything printed), gpu-check.json, worker.log, the load tool's loadtest-*.json/.md/.log, nvidia-smi-*.txt.
# Exit: 0 done on the provider chosen; 3 CUDA chosen but not used (the report says why); 2 a run failed.
set -uo pipefail

# Durations and sizes. On a GPU the defaults take about 4-5 minutes end to end (35 in-process pairs
# of 3 s, 4 worker runs of 20 s, start-ups); LIMIT stops the whole check well inside a 10-minute slot.
SWEEP_WARMUP=${SWEEP_WARMUP:-1s}           # each in-process (callers, batch) pair
SWEEP_DURATION=${SWEEP_DURATION:-2s}
WORKER_WARMUP=${WORKER_WARMUP:-5s}         # each worker run (batching on, off; at each caller count)
WORKER_DURATION=${WORKER_DURATION:-15s}
ROUNDS=${ROUNDS:-1}                        # in-process rounds (medians)
LIMIT=${LIMIT:-480}                        # seconds for the whole check, then it is stopped (SIGINT)
PROVIDER=${PROVIDER:-auto}                 # auto: cuda when nvidia-smi lists a GPU, else cpu; or cuda, cpu
BATCH_SIZES=${BATCH_SIZES:-1,2,4,8,16,32,64}
CALLERS=${CALLERS:-1,2,4,8,16}
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-1024}       # leave out pairs with more images in flight than this
WORKER_CALLERS=${WORKER_CALLERS:-16,64}
WORKER_MAX_BATCH=${WORKER_MAX_BATCH:-64}
WORKER_INSTANCES=${WORKER_INSTANCES:-2}
CUDNN_SEARCH=${CUDNN_SEARCH:-HEURISTIC}    # EXHAUSTIVE searches again for every new batch size: slow first runs
# The CPU fallback does tens of images a second, not thousands: a smaller grid unless these are set.
CPU_BATCH_SIZES=${CPU_BATCH_SIZES:-1,4,16}
CPU_CALLERS=${CPU_CALLERS:-1,4,16}
CPU_MAX_IN_FLIGHT=${CPU_MAX_IN_FLIGHT:-64}

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
stamp=$(date -u +%Y%m%d-%H%M%S)
out=${OUT:-$root/perf/results/gpu-$stamp}
mkdir -p "$out"
out=$(cd "$out" && pwd)
exec > >(tee -a "$out/gpu-check.log") 2>&1
SECONDS=0
say() { printf '[%02d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
loud() { printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! %s\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' "$*"; }

# The bundle (app/ beside perf/) runs as it is; a checkout builds the Release binaries first.
if [ -x "$root/app/MlopsGateway.Compare" ]; then
  app=$root/app
  compare=("$app/MlopsGateway.Compare")
  mlops=$app/mlops
  resnet=(--resnet18 "$root/models/ResNet18.onnx")
  say "Bundle at $root"
else
  command -v dotnet >/dev/null || { echo "Neither the bundle (app/ beside perf/) nor the .NET SDK is here." >&2; exit 2; }
  say "Checkout at $root: building the Compare tool and the mlops CLI (Release)"
  dotnet build "$root/perf/MlopsGateway.Compare" -c Release -nologo -v quiet -clp:ErrorsOnly || exit 2
  app=$root/perf/MlopsGateway.Compare/bin/Release/net10.0
  compare=(dotnet "$app/MlopsGateway.Compare.dll")
  mlops=$root/src/MlopsGateway.Cli/bin/Release/net10.0/mlops.dll
  resnet=()
fi

# Which provider: a GPU that nvidia-smi lists, and CUDA libraries that ONNX Runtime's CUDA provider can load.
gpus=""
if command -v nvidia-smi >/dev/null 2>&1; then
  gpus=$(nvidia-smi -L 2>&1 | grep '^GPU' || true)
  nvidia-smi >"$out/nvidia-smi-before.txt" 2>&1 || true
fi
cuda_so=$app/libonnxruntime_providers_cuda.so
if [ -f "$cuda_so" ]; then
  say "ONNX Runtime's CUDA provider: $cuda_so ($(du -m "$cuda_so" | cut -f1) MB)"
  if command -v ldd >/dev/null 2>&1; then
    ldd "$cuda_so" >"$out/ldd-cuda-provider.txt" 2>&1 || true
    missing=$(grep 'not found' "$out/ldd-cuda-provider.txt" | awk '{print $1}' | tr '\n' ' ')
  else
    missing="(ldd not installed: not checked)"
  fi
else
  missing="libonnxruntime_providers_cuda.so itself (not in $app)"
fi
cudnn=$( (ldconfig -p 2>/dev/null | grep -o 'libcudnn\.so\.9' | head -1) || true)
[ -z "$cudnn" ] && ld_path=${LD_LIBRARY_PATH:-}; for d in ${ld_path//:/ } /usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu; do [ -e "$d/libcudnn.so.9" ] && cudnn=$d/libcudnn.so.9; done

if [ "$PROVIDER" = auto ]; then
  if [ -n "$gpus" ]; then PROVIDER=cuda; else PROVIDER=cpu; fi
fi
if [ "$PROVIDER" = cuda ]; then
  say "GPU: ${gpus:-none listed by nvidia-smi}"
  [ -n "${missing// /}" ] && say "Libraries the CUDA provider needs and this machine lacks: $missing"
  [ -z "$cudnn" ] && say "cuDNN 9 (libcudnn.so.9) not found by ldconfig or in LD_LIBRARY_PATH: convolutions need it"
  args=(--batch-sizes "$BATCH_SIZES" --callers "$CALLERS" --max-in-flight "$MAX_IN_FLIGHT")
else
  loud "NO GPU: ${gpus:+(forced) }running on the CPU provider. CUDA is NOT used and these figures say nothing about a GPU."
  args=(--batch-sizes "$CPU_BATCH_SIZES" --callers "$CPU_CALLERS" --max-in-flight "$CPU_MAX_IN_FLIGHT")
fi

# nvidia-smi every 2 s while the check runs: the processes on the GPU and its utilisation.
sampler=""
if [ -n "$gpus" ]; then
  ( while :; do
      date -u +%T >>"$out/nvidia-smi-apps.txt"
      nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv,noheader >>"$out/nvidia-smi-apps.txt" 2>&1
      nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits >>"$out/nvidia-smi-gpu.txt" 2>&1
      sleep 2
    done ) &
  sampler=$!
fi

say "Running: provider $PROVIDER, results in $out (limit ${LIMIT}s)"
timeout -s INT -k 20 "$LIMIT" "${compare[@]}" --gpu-check --mlops "$mlops" "${resnet[@]}" --results "$out" \
  --provider "$PROVIDER" --cudnn-search "$CUDNN_SEARCH" --rounds "$ROUNDS" \
  --sweep-warmup "$SWEEP_WARMUP" --sweep-duration "$SWEEP_DURATION" \
  --resnet-warmup "$WORKER_WARMUP" --resnet-duration "$WORKER_DURATION" \
  --worker-callers "$WORKER_CALLERS" --worker-max-batch "$WORKER_MAX_BATCH" --worker-instances "$WORKER_INSTANCES" \
  --command-line "perf/gpu-check.sh (PROVIDER=$PROVIDER)" "${args[@]}"
rc=$?
[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
# The copied models are large and rebuilt on every run.
rm -rf "$out/work"

echo
say "Summary"
if [ -n "$gpus" ] && [ -s "$out/nvidia-smi-apps.txt" ]; then
  seen=$(grep -v '^[0-9][0-9]:' "$out/nvidia-smi-apps.txt" | grep -v 'No running' | awk -F', ' '{print $2}' | xargs -rn1 basename | sort | uniq -c | tr '\n' ';')
  peak=$(awk -F', ' '{ if ($1 + 0 > u) u = $1 + 0; if ($2 + 0 > m) m = $2 + 0 } END { print u "% utilisation, " m " MiB" }' "$out/nvidia-smi-gpu.txt")
  say "nvidia-smi saw on the GPU (process: samples): ${seen:-no process}; peak $peak"
fi
if grep -q 'not assigned to the preferred execution providers' "$out/gpu-check.log" "$out/worker.log" 2>/dev/null; then
  say "ONNX Runtime put some nodes on the CPU provider (see the logs): part of the model did not run on CUDA"
fi
if [ "$rc" = 124 ] || [ "$rc" = 130 ]; then
  loud "Stopped after ${LIMIT}s (LIMIT): the report is incomplete; shorten the durations at the top."
elif [ "$rc" = 3 ]; then
  loud "CUDA NOT USED: the CUDA provider did not load (above). Missing libraries: ${missing:-none found by ldd}${cudnn:+; cuDNN at $cudnn}${cudnn:-; no libcudnn.so.9 found}"
elif [ "$PROVIDER" = cuda ] && [ "$rc" = 0 ]; then
  say "CUDA USED: the in-process session and the worker's models ran on CUDAExecutionProvider (report: $out/gpu-check.md)"
elif [ "$PROVIDER" = cpu ]; then
  loud "CPU FALLBACK: no GPU was used. Report: $out/gpu-check.md"
fi
say "Done in $((SECONDS / 60)) min $((SECONDS % 60)) s, exit $rc"
exit "$rc"
