#!/usr/bin/env bash
# One prepared script for a lent GPU machine (run from the repository root by the device tool):
# CUDA tests, then every benchmarks/gpu_*.py, each under its own time limit. Results land in
# benchmarks/results/*_gpu.md and are copied to $OUT (when set) for collection.
# Usage: bash benchmarks/gpu_run.sh [topic ...]   (e.g. "capacity mi"; default: every gpu_*.py)
set -u
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT="${OUT:-benchmarks/results}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu_info.txt"
python3 -c "import torch, numba; print('torch', torch.__version__, 'numba', numba.__version__, torch.cuda.get_device_name())" | tee -a "$OUT/gpu_info.txt"
# files with CUDA tests: explicit gpu marks, or the conftest `backend` fixture (its torch-cuda parameter)
files=$(grep -rl "mark.gpu\|cuda_only\|(backend\b\|, backend\b\|backend)" tests --include='test_*.py' | tr '\n' ' ')
echo "== CUDA tests: $files"
# modules that import a package the device lacks (e.g. cvxpy) are reported, the rest still run
timeout 150 python3 -m pytest -q -m gpu -p no:cacheprovider -o addopts="" --continue-on-collection-errors $files 2>&1 \
  | tail -25 | tee "$OUT/gpu_tests.txt"
if [ "$#" -gt 0 ]; then scripts=$(printf 'benchmarks/gpu_%s.py ' "$@"); else scripts=$(ls benchmarks/gpu_*.py); fi
for script in $scripts; do
  name=$(basename "$script" .py)
  echo "== $name"
  timeout "${GPU_BENCH_LIMIT:-100}" python3 -m "benchmarks.$name" 2>&1 | tail -40
done
cp benchmarks/results/*_gpu.md "$OUT"/ 2>/dev/null || true
