#!/usr/bin/env bash
# Builds here everything perf/gpu-check.sh needs on a GPU machine with no network and no .NET:
# a self-contained linux-x64 publish of the mlops CLI and of the Compare tool (one folder, one
# runtime), ONNX Runtime 1.31's natives with its CUDA provider (Microsoft.ML.OnnxRuntime.Gpu.Linux:
# libonnxruntime_providers_cuda.so and the rest), ResNet18.onnx, and the scripts. Packed as one
# tar.gz cut into pieces of at most PIECE_BYTES, with SHA256SUMS (each piece), BUNDLE.sha256 (the
# joined archive) and gpu-reassemble.sh beside them.
#
# Not in the bundle: the NVIDIA driver and the CUDA 13 / cuDNN 9 user-space libraries
# (libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10, libcudnn*.so.9): the GPU
# machine must have them (perf/gpu-check.md).
#
# Usage: bash perf/gpu-bundle.sh      output in perf/gpu-bundle/ (ignored by git)
# There:  bash gpu-reassemble.sh DIR_WITH_PIECES DEST && bash DEST/mlops-gpu-check/perf/gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE_DIR=${BUNDLE_DIR:-perf/gpu-bundle}
PIECE_BYTES=${PIECE_BYTES:-60000000}   # 60 MB (decimal), so under 60 MiB as well
name=mlops-gpu-check
SECONDS=0
step() { printf '[%02d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

rm -rf "$BUNDLE_DIR"
stage=$BUNDLE_DIR/stage/$name
mkdir -p "$stage/app" "$stage/models" "$stage/perf"

# Both apps into one folder: they share the runtime, the ONNX Runtime natives and the project's
# own assemblies (same versions: central package management), each with its own deps.json.
step "Publishing the mlops CLI, self-contained linux-x64 (Release)"
dotnet publish src/MlopsGateway.Cli -c Release -r linux-x64 --self-contained -o "$stage/app" -nologo -v quiet -clp:ErrorsOnly
step "Publishing the Compare tool into the same folder"
dotnet publish perf/MlopsGateway.Compare -c Release -r linux-x64 --self-contained -o "$stage/app" -nologo -v quiet -clp:ErrorsOnly

# Microsoft.ML.OnnxRuntime.Gpu.Windows copies its native DLLs whatever the runtime identifier
# (onnxruntime_providers_cuda.dll alone is 197 MB): no use on Linux.
find "$stage/app" -maxdepth 1 -name 'onnxruntime*.dll' -print -delete | sed 's|^|  dropped (Windows only): |'
for native in libonnxruntime.so libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so; do
  [ -f "$stage/app/$native" ] || { echo "gpu-bundle: $native is not in the publish: the CUDA path could not run there." >&2; exit 1; }
done
step "ONNX Runtime natives in the publish: $(cd "$stage/app" && ls -1 libonnxruntime*.so | tr '\n' ' ')"

# ResNet18 as the Compare tool finds it in a build: the NuGet package's file (<PackageDownload>).
packages=$(dotnet msbuild perf/MlopsGateway.Compare -getProperty:NuGetPackageRoot -nologo)
resnet=${packages%/}/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx
[ -f "$resnet" ] || { echo "gpu-bundle: $resnet missing; run 'dotnet restore perf/MlopsGateway.Compare'." >&2; exit 1; }
cp "$resnet" "$stage/models/ResNet18.onnx"
cp perf/gpu-check.sh perf/gpu-reassemble.sh "$stage/perf/"
cat >"$stage/README.txt" <<EOF
MlopsGateway GPU check bundle, built $(date -u '+%Y-%m-%d %H:%M UTC') from commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown).
Run: bash perf/gpu-check.sh   (results in \$OUT, else perf/results/gpu-<date>; settings at the top of the script)
Needs on the machine: the NVIDIA driver (libcuda.so.1), CUDA 13 runtime libraries (libcudart.so.13,
libcublas.so.13, libcublasLt.so.13, libcurand.so.10) and cuDNN 9 (libcudnn.so.9), on the loader's
path (ldconfig or LD_LIBRARY_PATH). Without a GPU the check runs on the CPU provider and says so.
EOF
step "Staged $(du -sm "$stage" | cut -f1) MB in $stage"

step "Packing (tar.gz) into pieces of at most $PIECE_BYTES bytes"
tar -C "$BUNDLE_DIR/stage" -cf - "$name" | gzip -6 | split -b "$PIECE_BYTES" -d -a 2 - "$BUNDLE_DIR/$name.tar.gz.part-"
(cd "$BUNDLE_DIR" && sha256sum "$name".tar.gz.part-* >SHA256SUMS)
(cd "$BUNDLE_DIR" && echo "$(cat "$name".tar.gz.part-* | sha256sum | awk '{print $1}')  $name.tar.gz" >BUNDLE.sha256)
cp perf/gpu-reassemble.sh "$BUNDLE_DIR/"
rm -rf "$BUNDLE_DIR/stage"
pieces=$(ls "$BUNDLE_DIR"/$name.tar.gz.part-* | wc -l)
step "Bundle: $pieces pieces, $(cat "$BUNDLE_DIR"/$name.tar.gz.part-* | wc -c) bytes in all, largest $(stat -c %s "$BUNDLE_DIR"/$name.tar.gz.part-* | sort -n | tail -1) bytes"
ls -l "$BUNDLE_DIR"
step "Done: copy $BUNDLE_DIR/* to the GPU machine, then: bash gpu-reassemble.sh . DEST && bash DEST/$name/perf/gpu-check.sh"
