#!/bin/sh
# One setup command for a fresh machine: installs the exact locked dependencies without the two
# install-time downloads that fail offline, then tries (best effort) to fetch the Electron binary so
# that a user with internet still gets a runnable app.
set -e
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
# onnxruntime-node: CPU binaries ship in the tarball; "skip" avoids the CUDA download from nuget.
# GPU users instead run: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"
npm ci --no-audit --no-fund
if [ -z "${VLSM_SKIP_ELECTRON_BINARY:-}" ]; then
  if env -u ELECTRON_SKIP_BINARY_DOWNLOAD timeout 120 node node_modules/electron/install.js >/dev/null 2>&1; then
    echo "setup: Electron binary installed."
  else
    echo "setup: Electron binary not downloaded (offline?). The CLI, 'vlsm-audit serve' and the tests work without it."
  fi
fi
