"""GPU benchmark: FWHT n = 16..28 against a device-to-device copy of the same array.

``python -m benchmarks.gpu_fwht`` (CUDA; < 60 s on an H100/H200) prints a markdown table
and writes ``benchmarks/results/fwht_gpu.md``. Columns: our default CUDA transform
(the fused Triton kernel when Triton is importable, otherwise the fused-matmul torch
path), the fused-matmul torch path, a plain torch radix-2 loop, and ``y.copy_(x)``;
the ratio column is ours / copy (target <= 3). Timings use CUDA events (median of
``reps`` after warm-up). Accuracy: max |ours - float64 reference| / (2**n max|x|).

``--device cpu --quick`` runs the same logic on small sizes on the CPU (no Triton):
it checks the script, not the GPU numbers; with ``TRITON_INTERPRET=1`` set, the Triton rows and
``--sweep`` run through Triton's interpreter too.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from benchmarks._harness import machine_line, table, write_result

TARGET = 3.0


def _timer(device):
    import torch

    if device.type == "cuda":
        def run(fn, reps):
            fn()
            torch.cuda.synchronize()
            times = []
            for _ in range(reps):
                start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                stop.record()
                torch.cuda.synchronize()
                times.append(start.elapsed_time(stop) / 1e3)
            return statistics.median(times)
    else:
        def run(fn, reps):
            fn()
            times = []
            for _ in range(reps):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            return statistics.median(times)
    return run


def _ms(t):
    return "n/a" if t is None else f"{t * 1e3:.3f}"


def main(quick=False, device="cuda", sweep=False, config=None) -> str:
    """Run the table; ``config`` = (low_bits, tile_bits, cols, num_warps) overrides the Triton
    defaults (for tuning on a new card)."""
    import torch

    from boolean import _fwht_torch

    if config and device != "cpu":
        from boolean import _fwht_triton

        if config:
            (_fwht_triton.LOW_BITS, _fwht_triton.HIGH_TILE_BITS, _fwht_triton.HIGH_COLS,
             _fwht_triton.NUM_WARPS) = config

    dev = torch.device(device)
    timeit = _timer(dev)
    triton_fn = _fwht_torch._triton_fwht() if dev.type == "cuda" else None
    if dev.type == "cpu" and os.environ.get("TRITON_INTERPRET") == "1":  # dry run of the Triton rows
        from boolean import _fwht_triton

        triton_fn = _fwht_triton.fwht if _fwht_triton.triton is not None else None
    ns = list(range(10, 15)) if quick else list(range(16, 29))
    reps = 3 if quick else 10
    rows = []
    worst = {}
    gen = torch.Generator(device=dev).manual_seed(0)
    for dtype in (torch.float32, torch.float64):
        for n in ns:
            x = torch.randn(1, 1 << n, generator=gen, device=dev, dtype=dtype)
            y = torch.empty_like(x)
            t_copy = timeit(lambda: y.copy_(x), reps)
            ours = (lambda: triton_fn(x)) if triton_fn else (lambda: _fwht_torch.fwht_matmul(x))
            t_ours = timeit(ours, reps)
            t_mm = timeit(lambda: _fwht_torch.fwht_matmul(x), reps)
            t_r2 = timeit(lambda: _fwht_torch.fwht_butterfly(x), max(2, reps // 3)) if n <= 28 else None
            ref = _fwht_torch.fwht_matmul(x.double())
            err = ((ours().double() - ref).abs().max() / (2.0**n * x.abs().max().double())).item()
            ratio = t_ours / t_copy
            if dtype == torch.float32:
                worst[n] = ratio
            rows.append([str(dtype).replace("torch.", ""), n, _ms(t_ours), _ms(t_mm), _ms(t_r2), _ms(t_copy),
                         f"{ratio:.2f}", f"{t_mm / t_copy:.1f}", f"{t_r2 / t_copy:.1f}", f"{err:.1e}"])
            del x, y, ref
            if dev.type == "cuda":
                torch.cuda.empty_cache()
    # int64 exactness and speed at the largest size (spectra of truth tables are int64)
    n = ns[-1] - 2
    xi = torch.randint(-1, 2, (1, 1 << n), generator=gen, device=dev, dtype=torch.int64)
    fi = (lambda: triton_fn(xi)) if triton_fn else (lambda: _fwht_torch.fwht_butterfly(xi))
    exact = torch.equal(fi(), _fwht_torch.fwht_butterfly(xi))
    yi = torch.empty_like(xi)
    t_ci = timeit(lambda: yi.copy_(xi), reps)
    t_i = timeit(fi, reps)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU (logic check only, not a GPU number)"
    kernel = "fused Triton kernel" if triton_fn else "fused-matmul torch path (Triton unavailable)"
    ok = [n for n, r in worst.items() if r <= TARGET]
    lines = [
        "## FWHT on the GPU (issue 2 §5)",
        "",
        f"Device: **{name}**; torch {torch.__version__}; " + machine_line(),
        f"Ours = {kernel}. Target: FWHT float32 within {TARGET:g}× of a device-to-device copy of the same "
        "array for n = 16..28 (one launch for n <= 14, two passes for n <= 23, three above). Times in ms "
        "(median of CUDA-event timings); `err` = max |ours - float64 "
        "reference| / (2^n max|x|).",
        "",
        table(["dtype", "n", "ours ms", "matmul ms", "radix-2 ms", "copy ms", "ours/copy", "matmul/copy",
               "radix-2/copy", "err"], rows),
        "",
        f"int64 (n = {n}, values in {{-1, 0, 1}}): ours {_ms(t_i)} ms = {t_i / t_ci:.2f}× copy; exact vs "
        f"butterflies: {exact}.",
        "",
        f"float32 target ≤ {TARGET:g}× copy: met for n = {ok} of {sorted(worst)}; worst ratio "
        f"{max(worst.values()):.2f} (n = {max(worst, key=worst.get)}): "
        f"{'PASS' if len(ok) == len(worst) else 'MISSED'}.",
    ]
    if sweep and triton_fn:
        from boolean import _fwht_triton

        configs = [(14, 14, 32, 16), (12, 13, 32, 8), (13, 13, 32, 8), (12, 14, 32, 8), (13, 14, 64, 8),
                   (14, 14, 32, 8), (14, 14, 16, 16), (12, 12, 32, 4), (11, 13, 32, 4), (12, 13, 64, 8)]
        for n in ((12, ns[-1]) if quick else (21, ns[-1])):  # launch-bound (two passes against three) and bandwidth-bound
            x = torch.randn(1, 1 << n, generator=gen, device=dev)
            y = torch.empty_like(x)
            t_copy = timeit(lambda: y.copy_(x), reps)
            srows = []
            for lb, tb, cols, nw in configs:
                try:
                    t = timeit(lambda: _fwht_triton.fwht(x, low_bits=lb, tile_bits=tb, cols=cols, num_warps=nw), 5)
                except Exception as exc:  # a configuration that does not compile
                    srows.append([lb, tb, cols, nw, len(_fwht_triton.plan(n, lb, tb, cols)),
                                  f"failed: {type(exc).__name__}", ""])
                    continue
                srows.append([lb, tb, cols, nw, len(_fwht_triton.plan(n, lb, tb, cols)), _ms(t),
                              f"{t / t_copy:.2f}"])
            lines += ["", f"Sweep at n = {n} float32 (low_bits, tile_bits, cols, num_warps; first row: the "
                      "defaults):", "",
                      table(["low_bits", "tile_bits", "cols", "warps", "launches", "ms", "/copy"], srows)]
    # a CPU logic check or a quick run is printed only, never stored as a GPU result
    return write_result("fwht_gpu", "\n".join(lines), store=dev.type == "cuda" and not quick)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--config", type=int, nargs=4, default=None,
                        metavar=("LOW_BITS", "TILE_BITS", "COLS", "WARPS"))
    args = parser.parse_args()
    print(main(quick=args.quick, device=args.device, sweep=args.sweep, config=args.config))
