#!/usr/bin/env bash
# The trainer on a real NVIDIA GPU, in one short run (under 5 minutes on an H100/H200-class machine): CPU-vs-CUDA
# parity of logits, loss and LoRA gradients (test/native/gpu.test.ts with SQLSTILL_GPU_BACKEND=cuda), a short run
# that must reach the CPU run's loss, the ops that fell back to the CPU, and the training benchmark on CUDA.
# Nothing else in the project needs a GPU; CI never runs this. Usage: scripts/device-check.sh [out-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-test-output/device-check}}"
mkdir -p "$out"
exec > >(tee "$out/device-check.log") 2>&1

echo "== device"
nvidia-smi -L || echo "nvidia-smi not found"
node --version

echo "== install and build (offline-safe: npm ci only if node_modules is missing)"
[ -d node_modules ] || ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
node native/build.mjs

echo "== parity on CUDA"
SQLSTILL_GPU_BACKEND=cuda npx vitest run test/native/gpu.test.ts --reporter=verbose

echo "== training benchmark on CUDA (quick)"
SQLSTILL_BENCH_BACKEND=cuda node scripts/bench.mjs training --quick
cp test-output/bench/*.json "$out/" 2>/dev/null || true
echo "device-check: done"
