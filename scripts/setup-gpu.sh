#!/bin/sh
# Opt-in CUDA execution provider for onnxruntime-node (npm run setup:gpu). Not part of npm ci/setup.
#
# onnxruntime-node's own install script downloads its CUDA 12 providers from nuget at install time (not
# reachable here). The npm registry has one usable build (../shared/NOTES.md, "CUDA execution provider"):
# com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 ships libonnxruntime_providers_cuda.so and
# libonnxruntime_providers_shared.so of ONNX Runtime 1.29.0 for CUDA 13 (needs libcublas/cudart 13 and
# cuDNN 9, e.g. from PyTorch's CUDA wheels under site-packages/nvidia/*/lib). This script puts the two
# libraries next to onnxruntime-node's binding, where it looks for them. With --exact it also swaps the
# binding and core for onnxruntime-node 1.29.0's (same ORT version as the provider; originals kept as
# *.orig). Status: inspected, never run on a GPU (docs/gpu.md).
set -eu
PKG=com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9
BIN=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
EXACT=0
[ "${1:-}" = "--exact" ] && EXACT=1

fail() { echo "setup:gpu: $*" >&2; exit 1; }
[ -d "$BIN" ] || fail "$BIN not found; run npm ci (or npm run setup) first."
[ "$(uname -m)" = "x86_64" ] || fail "the CUDA provider build exists for linux-x64 only."
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  fail "no NVIDIA GPU or driver found (nvidia-smi fails); nothing installed. The engine runs on the CPU (--provider cpu or auto)."
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "setup:gpu: fetching $PKG (~180 MB) from the npm registry…"
(cd "$TMP" && npm pack --silent "$PKG" >/dev/null) || fail "could not download $PKG from the npm registry."
tar -xzf "$TMP"/*.tgz -C "$TMP"
for lib in libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
  f=$(find "$TMP/package" -name "$lib" | head -n 1)
  [ -n "$f" ] || fail "$PKG has no $lib."
  cp "$f" "$BIN/$lib"
done
if [ "$EXACT" = 1 ]; then
  (cd "$TMP" && npm pack --silent onnxruntime-node@1.29.0 >/dev/null) || fail "could not download onnxruntime-node@1.29.0."
  mkdir -p "$TMP/ort" && tar -xzf "$TMP"/onnxruntime-node-1.29.0.tgz -C "$TMP/ort"
  for f in onnxruntime_binding.node libonnxruntime.so.1; do
    [ -e "$BIN/$f.orig" ] || cp "$BIN/$f" "$BIN/$f.orig"
    cp "$TMP/ort/package/bin/napi-v6/linux/x64/$f" "$BIN/$f"
  done
fi

# The provider dlopens CUDA 13 / cuDNN 9 libraries: say where they are (or that they are missing).
missing=""
dirs=""
for lib in libcublas.so.13 libcublasLt.so.13 libcudart.so.13 libcurand.so.10 libcufft.so.12 libcudnn.so.9; do
  p=$(ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l { print $NF; exit }')
  [ -n "$p" ] || p=$(find / -xdev -name "$lib*" -path '*nvidia*' 2>/dev/null | head -n 1)
  if [ -n "$p" ]; then dirs="$dirs:$(dirname "$p")"; else missing="$missing $lib"; fi
done
echo "setup:gpu: installed the CUDA provider into $BIN."
if [ -n "$missing" ]; then
  echo "setup:gpu: missing CUDA libraries:$missing — install CUDA 13 + cuDNN 9 (e.g. pip install nvidia-cublas-cu13 nvidia-cuda-runtime-cu13 nvidia-cudnn-cu13); until then --provider auto falls back to the CPU and --provider cuda fails." >&2
else
  echo "setup:gpu: before starting node: export LD_LIBRARY_PATH=$(echo "$dirs" | tr ':' '\n' | sort -u | grep . | paste -sd:)\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
fi
