#!/usr/bin/env bash
# One prepared script for a lent GPU machine (run from the repository root by the device tool):
# the CUDA tests, then every benchmarks/gpu_*.py, then `insensitive-report --device cuda` end to
# end, each step under its own time limit (together 470 s, so one call covers it in under 8
# minutes with time left for a rerun). Tables land in benchmarks/results/*_gpu.md with the card's
# name and are copied to $OUT (when set) for collection, with each step's log and wall time.
# Usage: bash benchmarks/gpu_run.sh [topic ...]   (e.g. "capacity mi"; default: everything)
# A dry run of every step's Python on a CPU (small sizes, no GPU numbers, nothing stored):
#   GPU_LIMIT_SCALE=10 OUT="$(mktemp -d)" bash benchmarks/gpu_run.sh --cpu
set -u
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT="${OUT:-benchmarks/results}"
mkdir -p "$OUT"
DEVICE=cuda QUICK=""
if [ "${1:-}" = "--cpu" ]; then DEVICE=cpu QUICK=--quick; shift; fi
START=$SECONDS
: > "$OUT/gpu_times.txt"

step() {  # step NAME LIMIT_S COMMAND...: full log in $OUT/gpu_NAME.log, its tail here, wall time noted
  local name=$1 limit=$(( $2 * ${GPU_LIMIT_SCALE:-1} ))
  shift 2
  local t0=$SECONDS
  echo "== $name (limit ${limit} s): $*"
  timeout "$limit" "$@" > "$OUT/gpu_$name.log" 2>&1
  local rc=$?
  tail -40 "$OUT/gpu_$name.log"
  echo "$name: rc=$rc, $((SECONDS - t0)) s (limit $limit s)" | tee -a "$OUT/gpu_times.txt"
}

TOPICS="$*"
wanted() { [ -z "$TOPICS" ] || [[ " $TOPICS " == *" $1 "* ]]; }

if [ "$DEVICE" = cuda ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu_info.txt"
fi
python3 -c "import torch, numba; print('torch', torch.__version__, 'numba', numba.__version__, \
torch.cuda.get_device_name() if torch.cuda.is_available() else 'no CUDA')
try:
    import triton; print('triton', triton.__version__)
except ImportError:
    print('triton not installed: the fused kernels fall back to the pure-torch paths')" | tee -a "$OUT/gpu_info.txt"

if wanted tests; then
  # files with CUDA tests: explicit gpu marks, or the conftest `backend` fixture (its torch-cuda parameter)
  files=$(grep -rl "mark.gpu\|cuda_only\|(backend\b\|, backend\b\|backend)" tests --include='test_*.py' | tr '\n' ' ')
  # modules that import a package the device lacks (e.g. cvxpy) are reported, the rest still run
  step tests 120 python3 -m pytest -q -m gpu -p no:cacheprovider -o addopts="" \
    --continue-on-collection-errors $files
fi
# name:limit (s); the three targets of issue 13 are fwht, capacity and mi
for entry in fwht:60 capacity:70 mi:60 resampling:35 insensitive:35; do
  name=${entry%%:*} limit=${entry##*:}
  if ! wanted "$name"; then continue; fi
  extra=""
  if [ "$name" = fwht ] && [ "$DEVICE" = cuda ]; then extra=--sweep; fi
  step "$name" "$limit" python3 -m "benchmarks.gpu_$name" --device "$DEVICE" $QUICK $extra
done
if wanted report; then
  step report 90 python3 -m capacity.report --device "$DEVICE" --out "$OUT/report" $QUICK
fi
cp benchmarks/results/*_gpu.md "$OUT"/ 2>/dev/null || true
echo "total: $((SECONDS - START)) s" | tee -a "$OUT/gpu_times.txt"
