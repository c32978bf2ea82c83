#!/usr/bin/env bash
# Puts the GPU bundle (perf/gpu-bundle.sh) back together where it is to run: checks every piece
# against SHA256SUMS, checks the joined archive against BUNDLE.sha256, then unpacks it.
# Needs only bash, coreutils (sha256sum, cat), tar and gzip: no network.
# Usage: bash gpu-reassemble.sh [PIECES_DIR (default: this script's folder)] [DEST (default: .)]
# Exit: 0 unpacked; 1 a piece or the whole archive does not match, or a piece is missing.
set -euo pipefail
pieces=$(cd "${1:-$(dirname "$0")}" && pwd)
dest=${2:-.}
for manifest in SHA256SUMS BUNDLE.sha256; do
  [ -f "$pieces/$manifest" ] || { echo "gpu-reassemble: $pieces/$manifest is missing." >&2; exit 1; }
done
# Every piece named in the manifest, in its order (the order split wrote them).
mapfile -t names < <(awk '{print $2}' "$pieces/SHA256SUMS")
[ ${#names[@]} -gt 0 ] || { echo "gpu-reassemble: SHA256SUMS names no piece." >&2; exit 1; }
if ! (cd "$pieces" && sha256sum --check --strict --quiet SHA256SUMS); then
  echo "gpu-reassemble: a piece is missing or damaged (above); copy it again." >&2
  exit 1
fi
read -r expected archive < "$pieces/BUNDLE.sha256"
actual=$(cd "$pieces" && cat "${names[@]}" | sha256sum | awk '{print $1}')
if [ "$actual" != "$expected" ]; then
  echo "gpu-reassemble: the joined pieces hash to $actual, not $expected ($archive): wrong order or a piece from another build." >&2
  exit 1
fi
mkdir -p "$dest"
(cd "$pieces" && cat "${names[@]}") | tar -xzf - -C "$dest"
echo "gpu-reassemble: ${#names[@]} pieces verified, $archive sha256 $actual matches; unpacked into $(cd "$dest" && pwd)"
